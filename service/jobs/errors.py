"""Errors of accepting and running work (auth, limits, idempotency, lookups).

The API maps them to problem details; the CLI and the workers report their ``code``.
"""

from __future__ import annotations

from service.errors import InputError, SummariserError


class MissingTextError(InputError):
    code = "missing_text"


class AuthError(SummariserError):
    code = "missing_api_key"


class InvalidKeyError(AuthError):
    code = "invalid_api_key"


class RevokedKeyError(AuthError):
    code = "revoked_api_key"


class RateLimitedError(SummariserError):
    code = "rate_limited"


class TokenBudgetExceededError(RateLimitedError):
    code = "token_budget_exceeded"


class NotFoundError(SummariserError):
    code = "not_found"


class JobNotFoundError(NotFoundError):
    code = "job_not_found"


class BatchNotFoundError(NotFoundError):
    code = "batch_not_found"


class IdempotencyConflictError(SummariserError):
    code = "idempotency_key_reused"


class WebhookSecretMissingError(InputError):
    code = "webhook_secret_missing"


class CallbackForbiddenError(InputError):
    """A ``callback_url`` that is not a public http(s) destination (and not allow-listed)."""

    code = "callback_url_forbidden"


class DeadlineExceededError(SummariserError):
    code = "deadline_exceeded"


class BatchTooLargeError(InputError):
    code = "batch_too_large"
