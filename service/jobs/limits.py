"""Rate limits shared by every process that uses the same Redis (the ``limits`` library's moving
window); in memory, per process, when no Redis is configured.

- ``KeyRateLimiter``: work-creating requests per API key per minute (the API refuses with 429).
- ``ProviderLimiter``: requests and tokens per window to the LLM provider, for all workers
  together, applied to every HTTP request the openai SDK sends (``limited_http_client``); a
  request waits for a free slot rather than failing.
"""

from __future__ import annotations

import asyncio
import json
import math
import time

import httpx
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from service.config import Settings
from service.jobs.errors import RateLimitedError
from service.llm.base import LLM
from service.tokens import count_tokens

NAMESPACE = "summariser"


def _storage(redis_url: str | None) -> Storage:
    storage = storage_from_string(redis_url or "memory://")
    if not isinstance(storage, Storage):  # an async:// scheme: the limiter here is synchronous
        raise TypeError(f"rate-limit storage {redis_url!r} is not a synchronous storage")
    return storage


class KeyRateLimiter:
    """A sliding one-minute window of work-creating requests per key."""

    def __init__(self, redis_url: str | None = None) -> None:
        self._limiter = MovingWindowRateLimiter(_storage(redis_url))

    def hit(self, owner: str, limit: int) -> None:
        """Count one request, or raise ``RateLimitedError`` with the seconds until a slot frees."""
        item = RateLimitItemPerMinute(limit, namespace=NAMESPACE)
        if self._limiter.hit(item, "key", owner):
            return
        reset, _ = self._limiter.get_window_stats(item, "key", owner)
        wait = math.ceil(reset - time.time())
        raise RateLimitedError(
            f"Rate limit of {limit} requests per minute reached; retry in {max(1, wait)} s.",
            retry_after=max(1, wait),
            limit=limit,
        )


class ProviderLimiter:
    """Requests and tokens per window to one LLM provider, shared across workers."""

    def __init__(
        self,
        provider: str,
        *,
        requests: int | None,
        tokens: int | None,
        window_s: int = 60,
        redis_url: str | None = None,
    ) -> None:
        self.provider = provider
        self._limiter = MovingWindowRateLimiter(_storage(redis_url))
        self._requests = self._item(requests, window_s)
        self._tokens = self._item(tokens, window_s)

    @staticmethod
    def _item(amount: int | None, window_s: int) -> RateLimitItem | None:
        if amount is None:
            return None
        return RateLimitItemPerSecond(amount, window_s, namespace=NAMESPACE)

    @property
    def active(self) -> bool:
        """Whether any limit is configured."""
        return self._requests is not None or self._tokens is not None

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of about ``tokens`` tokens fits both windows, and count it."""
        await self._take(self._requests, "requests", 1)
        await self._take(self._tokens, "tokens", tokens)

    async def add_tokens(self, tokens: int) -> None:
        """Count tokens only known after the call (the completion); never waits."""
        if self._tokens is not None and tokens > 0:
            cost = min(tokens, self._tokens.amount)
            await asyncio.to_thread(
                self._limiter.hit, self._tokens, self.provider, "tokens", cost=cost
            )

    async def _take(self, item: RateLimitItem | None, what: str, cost: int) -> None:
        if item is None or cost <= 0:
            return
        cost = min(cost, item.amount)  # a single request bigger than the window still runs
        while not await asyncio.to_thread(self._limiter.hit, item, self.provider, what, cost=cost):
            reset, _ = await asyncio.to_thread(
                self._limiter.get_window_stats, item, self.provider, what
            )
            await asyncio.sleep(min(max(0.05, reset - time.time()), item.get_expiry()))


def _prompt_tokens(body: bytes) -> int:
    try:
        payload = json.loads(body)
        return sum(count_tokens(str(m.get("content", ""))) for m in payload.get("messages", []))
    except (ValueError, AttributeError, TypeError):
        return 0


def limited_http_client(limiter: ProviderLimiter) -> httpx.AsyncClient:
    """An httpx client for the openai SDK that takes a slot of the provider limits per request.

    At the HTTP layer, so retries and repair re-asks count too. The prompt's tokens are taken
    before the request; the completion's are counted from the response's ``usage``.
    """

    async def before(request: httpx.Request) -> None:
        if request.method == "POST":
            await limiter.acquire(_prompt_tokens(request.content))

    async def after(response: httpx.Response) -> None:
        if response.request.method != "POST" or response.status_code != 200:
            return
        await response.aread()
        try:
            usage = response.json().get("usage") or {}
        except ValueError:
            return
        await limiter.add_tokens(int(usage.get("completion_tokens") or 0))

    return httpx.AsyncClient(
        event_hooks={"request": [before], "response": [after]}, follow_redirects=True
    )


async def open_limited_llm(settings: Settings) -> LLM:
    """``open_llm``, sending through the shared provider limits when any is configured."""
    from service.llm import open_llm

    limiter = ProviderLimiter(
        settings.llm_base_url or "embedded",
        requests=settings.llm_requests_per_minute,
        tokens=settings.llm_tokens_per_minute,
        window_s=settings.llm_rate_window_s,
        redis_url=settings.shared_redis_url,
    )
    client = limited_http_client(limiter) if limiter.active else None
    return await open_llm(settings, http_client=client)
