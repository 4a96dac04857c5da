"""Errors raised at the HTTP boundary (auth, limits, protocol); all are ``SummariserError``s."""

from __future__ import annotations

from service.errors import InputError, SummariserError


class MissingTextError(InputError):
    code = "missing_text"


class InvalidJSONError(InputError):
    code = "invalid_json"


class ValidationFailedError(InputError):
    code = "validation_error"


class UnsupportedMediaTypeError(InputError):
    code = "unsupported_media_type"


class BodyTooLargeError(InputError):
    code = "body_too_large"


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


class DeadlineExceededError(SummariserError):
    code = "deadline_exceeded"


class InternalError(SummariserError):
    """An unexpected failure; details stay in the logs, under the request id."""

    code = "internal_error"


class MethodNotAllowedError(SummariserError):
    code = "method_not_allowed"


class BatchTooLargeError(InputError):
    code = "batch_too_large"
