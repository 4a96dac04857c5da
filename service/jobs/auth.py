"""API-key authentication, per-key rate limits and per-key daily token budgets."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.config import Settings
from service.jobs.errors import (
    AuthError,
    InvalidKeyError,
    RevokedKeyError,
    TokenBudgetExceededError,
)
from service.store import Database
from service.store.keys import find_key
from service.store.records import usage_totals

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key, or anonymous when auth is switched off."""

    key_id: str | None
    name: str
    webhook_secret: str | None
    rate_limit_per_minute: int
    token_budget_per_day: int | None

    @property
    def owner(self) -> str:
        """The id that scopes jobs and idempotency keys."""
        return self.key_id or ANONYMOUS


async def authenticate(authorization: str | None, settings: Settings, db: Database) -> Principal:
    """Resolve the ``Authorization`` header to a principal.

    Raises:
        AuthError: no bearer token; InvalidKeyError / RevokedKeyError for bad keys.
    """
    if not settings.require_auth:
        return Principal(
            None,
            ANONYMOUS,
            settings.webhook_secret,
            settings.rate_limit_per_minute,
            settings.token_budget_per_day,
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(
            "Send your API key as 'Authorization: Bearer <key>' "
            "(create one with `summarise keys create --name NAME`)."
        )
    key = await asyncio.to_thread(find_key, db, token.strip())
    if key is None:
        raise InvalidKeyError("The API key is not valid.")
    if key.revoked_at is not None:
        raise RevokedKeyError("The API key was revoked; ask an operator for a new one.")
    return Principal(
        key.id,
        key.name,
        key.webhook_secret,
        key.rate_limit_per_minute or settings.rate_limit_per_minute,
        key.token_budget_per_day or settings.token_budget_per_day,
    )


def start_of_day(now: datetime | None = None) -> datetime:
    """Midnight UTC of the current day."""
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def check_budget(principal: Principal, db: Database) -> None:
    """Raise ``TokenBudgetExceededError`` when the key used up today's token budget."""
    budget = principal.token_budget_per_day
    if budget is None:
        return
    today = start_of_day()
    used = await asyncio.to_thread(usage_totals, db, principal.key_id, today)
    if used.tokens_in + used.tokens_out >= budget:
        reset = today + timedelta(days=1)
        wait = math.ceil((reset - datetime.now(UTC)).total_seconds())
        raise TokenBudgetExceededError(
            f"The daily token budget of {budget:,} is used up; it resets at {reset:%H:%M} UTC.",
            retry_after=max(1, wait),
            budget=budget,
        )
