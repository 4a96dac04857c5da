"""Everything a request or the worker needs, built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from service.api.auth import RateLimiter
from service.api.llm_holder import LLMHolder
from service.api.metrics import Metrics
from service.config import Settings
from service.store import Database


@dataclass
class AppState:
    """Settings, database, model, metrics, limits and the outbound HTTP client of one app."""

    settings: Settings
    db: Database
    metrics: Metrics
    llm: LLMHolder
    limiter: RateLimiter = field(default_factory=RateLimiter)
    http: httpx.AsyncClient | None = None

    def webhook_client(self) -> httpx.AsyncClient:
        """The shared client webhooks are sent with (created on first use)."""
        if self.http is None:
            self.http = httpx.AsyncClient(
                timeout=self.settings.webhook_timeout_s, follow_redirects=False
            )
        return self.http
