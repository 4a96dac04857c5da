"""Errors of the HTTP protocol itself (body, media type, routing); all are ``SummariserError``s.

The errors of accepting and running work live in ``service.jobs.errors``.
"""

from __future__ import annotations

from service.errors import InputError, SummariserError


class InvalidJSONError(InputError):
    code = "invalid_json"


class ValidationFailedError(InputError):
    code = "validation_error"


class UnsupportedMediaTypeError(InputError):
    code = "unsupported_media_type"


class BodyTooLargeError(InputError):
    code = "body_too_large"


class InternalError(SummariserError):
    """An unexpected failure; details stay in the logs, under the request id."""

    code = "internal_error"


class MethodNotAllowedError(SummariserError):
    code = "method_not_allowed"
