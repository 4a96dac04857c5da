"""Everything submitting and running work needs, built once per process (API or worker)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from service.config import Settings
from service.jobs.egress import EgressPolicy, PinnedTransport
from service.jobs.events import JobEvents, LocalEvents
from service.jobs.limits import KeyRateLimiter
from service.jobs.llm_holder import LLMHolder
from service.jobs.metrics import Metrics
from service.store import Database


class Dispatcher(Protocol):
    """Hands queued jobs to whatever runs them: the in-process worker or Celery."""

    async def dispatch(self, job_ids: list[str]) -> None:
        """The jobs were committed as ``queued``: make sure a worker will run them."""
        ...


class _NoDispatch:
    async def dispatch(self, job_ids: list[str]) -> None:
        return None


@dataclass
class Services:
    """Settings, database, model, metrics, limits, job events and the outbound HTTP client."""

    settings: Settings
    db: Database
    metrics: Metrics
    llm: LLMHolder
    limiter: KeyRateLimiter
    events: JobEvents = field(default_factory=LocalEvents)
    dispatcher: Dispatcher = field(default_factory=_NoDispatch)
    http: httpx.AsyncClient | None = None

    def egress_policy(self) -> EgressPolicy:
        """Where webhooks may go: public destinations and ``webhook_allow_hosts``."""
        return EgressPolicy.from_entries(self.settings.webhook_allow_hosts)

    def webhook_client(self) -> httpx.AsyncClient:
        """The shared client webhooks are sent with (created on first use).

        Each request's destination is checked, and connected to by the address checked
        (``PinnedTransport``); redirects are not followed; proxies from the environment are not
        used (they would connect on their own).
        """
        if self.http is None:
            self.http = httpx.AsyncClient(
                transport=PinnedTransport(self.egress_policy),
                timeout=self.settings.webhook_timeout_s,
                follow_redirects=False,
                trust_env=False,
            )
        return self.http

    async def aclose(self) -> None:
        """Close the model, the HTTP client, the event channel and the database pool."""
        await self.llm.aclose()
        if self.http is not None:
            await self.http.aclose()
        await self.events.aclose()
        self.db.dispose()


def build_services(settings: Settings, llm: object | None = None) -> Services:
    """Services for one process; Redis-backed events and limits when ``redis_url`` is set."""
    from service.jobs.events import RedisEvents
    from service.llm.base import LLM

    metrics = Metrics()
    redis_url = settings.shared_redis_url
    given: LLM | None = llm  # type: ignore[assignment]
    return Services(
        settings=settings,
        db=Database(settings.database_url),
        metrics=metrics,
        llm=LLMHolder(settings, metrics, given),
        limiter=KeyRateLimiter(redis_url),
        events=RedisEvents(redis_url) if redis_url else LocalEvents(),
    )
