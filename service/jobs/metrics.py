"""Prometheus metrics (one registry per app) and an ``LLM`` wrapper that meters every call."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from service.errors import ProviderError
from service.llm.base import LLM, Completion, Message, SupportsHealth, T


class Metrics:
    """Every metric the service exports, registered on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "summariser_http_requests", "HTTP requests.", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "summariser_http_request_duration_seconds",
            "Request latency.",
            ["method", "route"],
            registry=r,
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
        )
        self.llm_calls = Counter("summariser_llm_calls", "LLM completions.", registry=r)
        self.llm_tokens = Counter("summariser_llm_tokens", "LLM tokens.", ["direction"], registry=r)
        self.llm_errors = Counter("summariser_llm_errors", "LLM failures.", ["code"], registry=r)
        self.queue_depth = Gauge(
            "summariser_queue_depth", "Jobs not finished.", ["status"], registry=r
        )
        self.cache_hits = Counter(
            "summariser_cache_hits", "Summaries served from the store.", registry=r
        )
        self.jobs = Counter("summariser_jobs_finished", "Jobs finished.", ["status"], registry=r)
        self.webhooks = Counter(
            "summariser_webhook_deliveries", "Webhook delivery attempts.", ["outcome"], registry=r
        )


class MeteredLLM:
    """Wraps an ``LLM``, counting calls, tokens and errors; behaviour is otherwise unchanged."""

    def __init__(self, inner: LLM, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.model_name = inner.model_name
        self.context_window = inner.context_window

    async def complete(
        self, messages: list[Message], schema: type[T], *, max_tokens: int, name: str
    ) -> Completion[T]:
        """Delegate to the wrapped model and record what the call cost."""
        try:
            done = await self.inner.complete(messages, schema, max_tokens=max_tokens, name=name)
        except ProviderError as exc:
            self.metrics.llm_errors.labels(code=exc.code).inc()
            raise
        self.metrics.llm_calls.inc(max(1, done.usage.calls))
        self.metrics.llm_tokens.labels(direction="in").inc(done.usage.prompt_tokens)
        self.metrics.llm_tokens.labels(direction="out").inc(done.usage.completion_tokens)
        return done

    async def health(self, timeout_s: float) -> None:
        """The wrapped model's health check (a model without one is taken as healthy)."""
        if isinstance(self.inner, SupportsHealth):
            await self.inner.health(timeout_s)

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()
