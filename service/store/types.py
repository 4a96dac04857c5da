"""Plain objects the repositories return and accept: no session, no lazy loading, no ORM.

Each mirrors the columns of its table (``service.store.models``); ``from_row`` copies a row.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Self


class _FromRow:
    @classmethod
    def from_row(cls, row: object) -> Self:
        """Copy the mapped columns of an ORM row into a plain object."""
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class JobRecord(_FromRow):
    """A stored job."""

    id: str
    api_key_id: str | None
    batch_id: str | None
    batch_index: int | None
    ref: str | None
    status: str
    article: dict[str, Any]
    callback_url: str | None
    webhook_state: str | None
    request_id: str | None
    attempts: int
    chunks_done: int
    chunks_total: int | None
    stage: str | None
    content_hash: str | None
    cached: bool
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    run_after: datetime | None
    finished_at: datetime | None
    webhook_id: str | None = None
    webhook_attempts: int = 0


@dataclass(frozen=True)
class BatchRecord(_FromRow):
    """A stored batch (its jobs are returned beside it)."""

    id: str
    api_key_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class KeyRecord(_FromRow):
    """A stored API key (only the hash of the token)."""

    id: str
    name: str
    key_hash: str
    key_prefix: str
    webhook_secret: str
    rate_limit_per_minute: int | None
    token_budget_per_day: int | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IdempotencyRecord(_FromRow):
    """A claimed idempotency key."""

    owner: str
    key: str
    request_hash: str
    job_id: str | None


@dataclass(frozen=True)
class UsageEntry(_FromRow):
    """One usage record: what a request or job attempt spent."""

    api_key_id: str | None
    request_id: str | None
    job_id: str | None
    endpoint: str
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_estimate: float = 0.0
    cached: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryEntry(_FromRow):
    """One webhook delivery attempt."""

    delivery_id: str
    job_id: str
    url: str
    event: str
    attempt: int
    status_code: int | None
    ok: bool
    error: str | None
    duration_ms: int
    created_at: datetime | None = None


@dataclass(frozen=True)
class CorrectionRecord:
    """One saved version of the corrections to a job, with the name of the key that saved it."""

    id: int
    job_id: str
    version: int
    api_key_id: str | None
    key_name: str | None
    items: list[dict[str, Any]]
    comment: str | None
    created_at: datetime
