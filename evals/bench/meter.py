"""Measure every LLM exchange at the HTTP layer, the same way for every approach.

``MeteredTransport`` wraps the real network transport of an ``httpx.AsyncClient`` (the openai SDK
and LangChain's ChatOpenAI both accept one): it counts chat-completion calls, sums the token usage
the endpoint reports, keeps each call's start/end time (LLM time is their union, so concurrent
calls are not double-counted) and llama.cpp's ``timings`` block when the server sends one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import httpx


@dataclass
class Call:
    start: float
    end: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    status: int = 200
    timings: dict[str, Any] | None = None
    body: bytes | None = None

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


@dataclass
class Meter:
    """Calls seen since the last ``reset``."""

    calls: list[Call] = field(default_factory=list)
    capture_bodies: bool = False

    def reset(self) -> None:
        self.calls = []

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)

    def llm_ms(self) -> float:
        """Wall time during which at least one LLM call was in flight (interval union)."""
        total, end = 0.0, float("-inf")
        for call in sorted(self.calls, key=lambda c: c.start):
            if call.start > end:
                total += call.end - call.start
                end = call.end
            elif call.end > end:
                total += call.end - end
                end = call.end
        return total * 1000

    def sequential_ms(self) -> float:
        """The sum of every call's duration: the wall time if they had run one after another."""
        return sum(c.ms for c in self.calls)


class MeteredTransport(httpx.AsyncBaseTransport):
    def __init__(self, meter: Meter, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.meter = meter
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread() if self.meter.capture_bodies else None
        start = perf_counter()
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        end = perf_counter()
        if request.url.path.endswith("/chat/completions"):
            call = Call(start, end, status=response.status_code, body=content)
            try:
                data = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                data = {}
            if isinstance(data, dict):
                usage = data.get("usage") or {}
                call.prompt_tokens = int(usage.get("prompt_tokens") or 0)
                call.completion_tokens = int(usage.get("completion_tokens") or 0)
                if isinstance(data.get("timings"), dict):
                    call.timings = data["timings"]
            self.meter.calls.append(call)
        return httpx.Response(
            response.status_code,
            headers=[
                (k, v)
                for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
            ],
            content=body,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def metered_client(meter: Meter, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=MeteredTransport(meter), timeout=timeout)
