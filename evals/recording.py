"""Record every LLM HTTP exchange to a directory, and replay them offline, deterministically.

One JSON file per exchange, ``<key>-<n>.json``: ``key`` hashes the request (method, endpoint
path, canonical JSON body without ``model``), ``n`` counts repeats of the same request (a retry
after a 500 sends the same body again). Replay answers each request with its recorded response
and refuses, loudly, a request that was never recorded.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections import defaultdict
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx

MANIFEST = "manifest.json"
CURRENT_CASE: contextvars.ContextVar[str] = contextvars.ContextVar("eval_case", default="-")
_DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "date"}


def endpoint(path: str) -> str:
    """The API path without the base URL's prefix: ``/x/v1/chat/completions`` gives
    ``/chat/completions``."""
    _, sep, tail = path.partition("/v1/")
    return f"/{tail}" if sep else path


def _body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return content.decode("utf-8", "replace")


def request_key(method: str, path: str, content: bytes) -> str:
    """Stable hash of a request; the model name is left out (the manifest pins it)."""
    body = _body(content)
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "model"}
    canonical = json.dumps(
        {"method": method.upper(), "path": endpoint(path), "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


class _Latency:
    """Milliseconds of LLM HTTP time per case (by the ``CURRENT_CASE`` context variable)."""

    def __init__(self) -> None:
        self.per_case: dict[str, int] = defaultdict(int)

    def add(self, ms: int) -> None:
        self.per_case[CURRENT_CASE.get()] += ms


class RecordingTransport(httpx.AsyncBaseTransport, _Latency):
    """Passes requests to ``inner`` and writes each exchange to ``directory``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, directory: Path) -> None:
        _Latency.__init__(self)
        self.inner, self.directory = inner, directory
        self.count: dict[str, int] = defaultdict(int)
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        key = request_key(request.method, request.url.path, content)
        n = self.count[key]
        self.count[key] += 1
        start = perf_counter()
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        elapsed = round((perf_counter() - start) * 1000)
        self.add(elapsed)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS}
        exchange = {
            "key": key,
            "n": n,
            "case": CURRENT_CASE.get(),
            "elapsed_ms": elapsed,
            "request": {
                "method": request.method,
                "path": endpoint(request.url.path),
                "body": _body(content),
            },
            "response": {"status": response.status_code, "headers": headers, "body": _body(body)},
        }
        path = self.directory / f"{key}-{n}.json"
        path.write_text(json.dumps(exchange, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class ReplayMiss(RuntimeError):
    """A request with no recorded exchange: the pipeline's requests changed since recording."""


class ReplayTransport(httpx.AsyncBaseTransport, _Latency):
    """Answers from a recording directory; an unrecorded request gets HTTP 404 and is logged."""

    def __init__(self, directory: Path) -> None:
        _Latency.__init__(self)
        if not directory.is_dir():
            raise ReplayMiss(
                f"{directory}: no such recording directory (record one with --live --record)"
            )
        self.exchanges: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        for file in sorted(directory.glob("*.json")):
            if file.name != MANIFEST:
                entry = json.loads(file.read_text(encoding="utf-8"))
                self.exchanges[entry["key"]][entry["n"]] = entry
        self.used: dict[str, int] = defaultdict(int)
        self.misses: list[dict[str, str]] = []

    def misses_for(self, case_id: str) -> list[dict[str, str]]:
        return [m for m in self.misses if m["case"] == case_id]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        key = request_key(request.method, request.url.path, content)
        n = self.used[key]
        entry = self.exchanges.get(key, {}).get(n)
        if entry is None:
            return self._miss(request, key, n, content)
        self.used[key] += 1
        self.add(int(entry["elapsed_ms"]))
        response = entry["response"]
        body = response["body"]
        content_out = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        return httpx.Response(
            response["status"], headers=response["headers"], content=content_out, request=request
        )

    def _miss(self, request: httpx.Request, key: str, n: int, content: bytes) -> httpx.Response:
        why = (
            "never recorded"
            if key not in self.exchanges
            else f"recorded {len(self.exchanges[key])} time(s), asked again"
        )
        self.misses.append(
            {
                "case": CURRENT_CASE.get(),
                "key": f"{key}-{n}",
                "path": endpoint(request.url.path),
                "why": why,
                "body": content.decode("utf-8", "replace")[:200],
            }
        )
        message = f"replay: no recorded response for request {key}-{n} ({why})"
        return httpx.Response(
            404, json={"error": {"message": message, "type": "replay_miss"}}, request=request
        )


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Save what replay needs to rebuild the same requests (model, context window, settings)."""
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (directory / MANIFEST).write_text(text, encoding="utf-8")


def read_manifest(directory: Path) -> dict[str, Any]:
    """Load ``manifest.json`` of a recording.

    Raises:
        ReplayMiss: the directory is not a recording.
    """
    path = directory / MANIFEST
    if not path.is_file():
        raise ReplayMiss(f"{path}: missing; is {directory} a recording made with --live --record?")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
