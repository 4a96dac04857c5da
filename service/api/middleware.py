"""Pure ASGI middleware: request ids, access logs and metrics; body limits and media type."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import BodyTooLargeError, UnsupportedMediaTypeError
from service.api.problems import problem_response
from service.errors import EncodingError, InvalidTextError, SummariserError
from service.jobs.metrics import Metrics

log = structlog.get_logger("service.api")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# A JSON escape of a UTF-16 surrogate (paired ones are fine: they decode to one character).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def find_surrogate(value: Any, path: str = "") -> tuple[str, str] | None:
    """Where the first lone UTF-16 surrogate of a decoded JSON value is, and its escape.

    Returns:
        ``(path, escape)``, e.g. ``("items[1].title", "\\ud800")``, or None.
    """
    if isinstance(value, str):
        bad = _SURROGATE.search(value)
        return (path or "body", f"\\u{ord(bad.group()):04x}") if bad else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found = find_surrogate(key, where) or find_surrogate(item, where)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = find_surrogate(item, f"{path}[{i}]")
            if found:
                return found
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-ID`` in and out), logs it once, and measures it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = {"code": 500}
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._observe(scope, status["code"], time.perf_counter() - start)
            structlog.contextvars.unbind_contextvars("request_id")

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        self.metrics.requests.labels(method=method, route=template, status=str(status)).inc()
        self.metrics.latency.labels(method=method, route=template).observe(seconds)
        log.info(
            "request",
            method=method,
            path=scope["path"],
            route=template,
            status=status,
            duration_ms=round(seconds * 1000, 1),
            api_key_id=scope.get("state", {}).get("api_key_id"),
        )


class BodyGuardMiddleware:
    """Refuses oversize, non-JSON and non-UTF-8 bodies before the app parses them.

    The size limit is checked against ``Content-Length`` first and then while streaming, so an
    oversize body is refused as soon as the limit is crossed, never read to the end.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, prefix: str = "/v1") -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _BODY_METHODS
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        try:
            self._check_headers(scope)
            body = await self._read(receive)
            self._check_encoding(body)
            self._check_surrogates(body)
        except SummariserError as exc:
            response = problem_response(
                exc, scope["path"], scope.get("state", {}).get("request_id")
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_headers(self, scope: Scope) -> None:
        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            raise self._too_large()
        ctype = (_header(scope, b"content-type") or "").lower()
        media, _, params = ctype.partition(";")
        media = media.strip()
        if not media and length in (None, "0"):
            return  # no body at all: the schema validation reports what is missing
        if media != "application/json" and not media.endswith("+json"):
            raise UnsupportedMediaTypeError(
                f"Send the article as 'Content-Type: application/json' (got {media or 'none'!r}).",
            )
        charset = re.search(r"charset=\"?([\w-]+)", params)
        if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaTypeError(
                f"JSON must be UTF-8; charset={charset.group(1)!r} is not supported."
            )

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self) -> BodyTooLargeError:
        return BodyTooLargeError(
            f"The request body exceeds {self.max_body_bytes:,} bytes (SUMMARISER_MAX_BODY_BYTES).",
            limit=self.max_body_bytes,
        )

    @staticmethod
    def _check_encoding(body: bytes) -> None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"The request body is not valid UTF-8 (byte {exc.start}); re-encode it as UTF-8.",
                position=exc.start,
            ) from exc

    @staticmethod
    def _check_surrogates(body: bytes) -> None:
        """Refuse JSON strings with a lone surrogate escape (``"\\ud800"``): valid JSON, but
        not text; nothing could encode, store or hash it."""
        if not _SURROGATE_ESCAPE.search(body):
            return
        try:
            found = find_surrogate(json.loads(body))
        except ValueError:
            return  # not JSON: the route reports invalid_json
        if found is not None:
            field, escape = found
            raise InvalidTextError(
                f"{field} contains a lone UTF-16 surrogate ({escape}); send valid Unicode text.",
                field=field,
            )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = {"done": False}

    async def replay() -> dict[str, Any]:
        if not sent["done"]:
            sent["done"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay
