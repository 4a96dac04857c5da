"""A second configured model that takes over while the first is unavailable."""

from __future__ import annotations

import structlog

from service.errors import ProviderUnavailableError
from service.llm.base import LLM, Completion, Message, SupportsHealth, T, Usage

log = structlog.get_logger("service.llm")


class FallbackLLM:
    """``LLM`` that asks ``primary`` and, when it is unavailable (down, timing out, rate limiting
    after its retries, or its circuit breaker open), asks ``fallback`` instead.

    Invalid output and 4xx refusals are not unavailability: they are reported as they are. The
    completion names the model that answered (``Completion.model``, ``extra["fallback"]``).
    """

    def __init__(self, primary: LLM, fallback: LLM) -> None:
        self.primary = primary
        self.fallback = fallback
        self.model_name = primary.model_name
        self.context_window = min(primary.context_window, fallback.context_window)
        self.fallback_calls = 0

    async def complete(
        self, messages: list[Message], schema: type[T], *, max_tokens: int, name: str
    ) -> Completion[T]:
        try:
            return await self.primary.complete(messages, schema, max_tokens=max_tokens, name=name)
        except ProviderUnavailableError as exc:
            spent = exc.details.get("usage")
            log.warning(
                "llm_fallback",
                primary=self.primary.model_name,
                fallback=self.fallback.model_name,
                reason=exc.code,
            )
        self.fallback_calls += 1
        try:
            done = await self.fallback.complete(messages, schema, max_tokens=max_tokens, name=name)
        except ProviderUnavailableError as exc:
            failed = exc.details.get("usage")
            if isinstance(spent, Usage) and isinstance(failed, Usage):
                failed.add(spent)
            raise
        if isinstance(spent, Usage):
            done.usage.add(spent)
        done.extra["fallback"] = True
        return done

    async def health(self, timeout_s: float) -> None:
        """Healthy when either model answers."""
        try:
            if isinstance(self.primary, SupportsHealth):
                await self.primary.health(timeout_s)
            return
        except ProviderUnavailableError:
            if not isinstance(self.fallback, SupportsHealth):
                raise
        await self.fallback.health(timeout_s)

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()
