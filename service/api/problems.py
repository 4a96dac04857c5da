"""One RFC 9457 problem-details shape for every 4xx/5xx, mapped from the domain error codes."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api import errors as api_errors
from service.errors import (
    ContextOverflowError,
    DatabaseUnavailableError,
    EncodingError,
    InputError,
    InputTooLargeError,
    InvalidOutputError,
    PartialResultError,
    ProviderError,
    ProviderUnavailableError,
    SummariserError,
)
from service.jobs import corrections as review_errors
from service.jobs import errors as job_errors

log = structlog.get_logger("service.api")
PROBLEM_TYPE_PREFIX = "urn:summariser:problem:"
PROBLEM_MEDIA_TYPE = "application/problem+json"
_SURROGATES = re.compile("[\ud800-\udfff]")
DEFAULT_RETRY_AFTER_S = 30  # a 503 always says when to come back

# Most specific class first: the first isinstance match decides (status, title).
STATUS: list[tuple[type[SummariserError], int, str]] = [
    (api_errors.InvalidJSONError, 400, "Malformed JSON body"),
    (api_errors.BodyTooLargeError, 413, "Request body too large"),
    (InputTooLargeError, 413, "Article too large"),
    (EncodingError, 400, "Body is not UTF-8"),
    (api_errors.UnsupportedMediaTypeError, 415, "Unsupported media type"),
    (review_errors.InvalidCorrectionError, 422, "Invalid correction"),
    (review_errors.JobNotReviewableError, 422, "Job has no result to correct"),
    (review_errors.CorrectionConflictError, 409, "Corrections saved meanwhile"),
    (InputError, 422, "Invalid article"),
    (ContextOverflowError, 422, "Article does not fit the model context"),
    (job_errors.AuthError, 401, "Not authenticated"),
    (job_errors.NotFoundError, 404, "Not found"),
    (api_errors.MethodNotAllowedError, 405, "Method not allowed"),
    (job_errors.IdempotencyConflictError, 422, "Idempotency key reused"),
    (job_errors.RateLimitedError, 429, "Too many requests"),
    (ProviderUnavailableError, 503, "Model unavailable"),
    (DatabaseUnavailableError, 503, "Database unavailable"),
    (InvalidOutputError, 502, "Model output invalid"),
    (PartialResultError, 502, "Partial result"),
    (ProviderError, 502, "Model error"),
    (job_errors.DeadlineExceededError, 504, "Deadline exceeded"),
]


def status_of(exc: SummariserError) -> tuple[int, str]:
    """The HTTP status and title for a domain error (500 for anything unmapped)."""
    for cls, status, title in STATUS:
        if isinstance(exc, cls):
            return status, title
    return 500, "Internal error"


def problem_body(exc: SummariserError, instance: str | None = None) -> dict[str, Any]:
    """The problem-details document for ``exc``; only JSON-safe scalar details are exposed."""
    status, title = status_of(exc)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + exc.code,
        "title": title,
        "status": status,
        "detail": exc.message if status < 500 or status in (502, 503, 504) else "Internal error.",
        "code": exc.code,
    }
    if instance:
        body["instance"] = instance
    for key, value in exc.details.items():
        if isinstance(value, (str, int, float, bool)) or key == "errors":
            body[key] = value
    if isinstance(exc, PartialResultError) and hasattr(exc.result, "model_dump"):
        body["partial_result"] = exc.result.model_dump(mode="json")
    return body


def _printable(value: Any) -> Any:
    """``value`` with lone surrogates replaced (U+FFFD), so that it always encodes as UTF-8."""
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def problem_response(
    exc: SummariserError,
    instance: str | None = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; adds ``Retry-After`` / ``WWW-Authenticate`` where they apply.

    Args:
        exc: The error to report.
        instance: The request path, echoed as the problem's ``instance``.
        request_id: The request id, echoed so support can find the logs.
        headers: Extra response headers (e.g. ``Allow`` of a 405).
    """
    body = _printable(problem_body(exc, instance))
    headers = dict(headers or {})
    retry_after = exc.details.get("retry_after")
    if body["status"] == 503 and retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER_S
    if body["status"] in (429, 503) and retry_after is not None:
        headers["Retry-After"] = str(max(1, int(float(str(retry_after)))))
    if body["status"] == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="summariser"'
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(
        body, status_code=body["status"], headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _respond(
    exc: SummariserError, request: Request, headers: dict[str, str] | None = None
) -> JSONResponse:
    return problem_response(
        exc, request.url.path, getattr(request.state, "request_id", None), headers
    )


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SummariserError)
    status, _ = status_of(exc)
    level = log.error if status >= 500 else log.info
    level("request_failed", code=exc.code, status=status)
    return _respond(exc, request)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errs = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errs):
        return _respond(
            api_errors.InvalidJSONError("The request body is not valid JSON; send a JSON object."),
            request,
        )
    safe = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errs
    ]
    return _respond(
        api_errors.ValidationFailedError(
            "The request does not match the schema; see 'errors'.", errors=safe
        ),
        request,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    err: SummariserError
    headers: dict[str, str] = {}
    if exc.status_code == 404:
        err = job_errors.NotFoundError(f"No route {request.url.path}; see /docs.")
    elif exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        headers["Allow"] = allow
        err = api_errors.MethodNotAllowedError(
            f"{request.method} is not allowed here; allowed: {allow or 'none'}.", allow=allow
        )
    else:
        err = (
            api_errors.InvalidJSONError(str(exc.detail))
            if exc.status_code == 400
            else api_errors.InternalError(str(exc.detail))
        )
    return _respond(err, request, headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", error_type=type(exc).__name__)
    return _respond(api_errors.InternalError("Internal error."), request)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""
    app.add_exception_handler(SummariserError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
