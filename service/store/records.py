"""Cached results, idempotency keys, usage records and the webhook delivery log."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service.store.db import Database
from service.store.models import (
    CachedResult,
    IdempotencyKey,
    ResultOwner,
    UsageRecord,
    WebhookDelivery,
)
from service.store.types import DeliveryEntry, IdempotencyRecord, UsageEntry


def get_result(db: Database, content_hash: str) -> dict[str, Any] | None:
    """The stored summary for this content hash, or None."""
    with db.session() as s:
        row = s.get(CachedResult, content_hash)
        return row.result if row else None


def put_result(
    db: Database, content_hash: str, result: dict[str, Any], owner: str | None = None
) -> None:
    """Store a summary under its content hash (first writer wins), owned by ``owner``."""
    try:
        with db.session() as s:
            if s.get(CachedResult, content_hash) is None:
                s.add(CachedResult(content_hash=content_hash, result=result))
    except IntegrityError:  # a concurrent writer stored the same content first
        pass
    if owner is not None:
        add_result_owner(db, content_hash, owner)


def get_result_for(
    db: Database, content_hash: str, owner: str
) -> tuple[dict[str, Any] | None, bool]:
    """The stored summary for this content hash (or None), and whether ``owner`` had it before."""
    with db.session() as s:
        row = s.get(CachedResult, content_hash)
        if row is None:
            return None, False
        return row.result, s.get(ResultOwner, (content_hash, owner)) is not None


def add_result_owner(db: Database, content_hash: str, owner: str) -> None:
    """Record that ``owner`` obtained the summary stored under ``content_hash``."""
    try:
        with db.session() as s:
            if s.get(ResultOwner, (content_hash, owner)) is None:
                s.add(ResultOwner(content_hash=content_hash, owner=owner))
    except IntegrityError:  # the same key, concurrently
        pass


def claim_idempotency_key(
    db: Database, owner: str, key: str, request_hash: str, job_id: str | None = None
) -> IdempotencyRecord:
    """Store ``key`` for ``owner``, or return the row stored earlier under it.

    The caller compares ``request_hash`` of the returned row with its own to detect reuse of a
    key for a different request.
    """
    try:
        with db.session() as s:
            existing = s.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.owner == owner, IdempotencyKey.key == key
                )
            )
            if existing is not None:
                return IdempotencyRecord.from_row(existing)
            row = IdempotencyKey(owner=owner, key=key, request_hash=request_hash, job_id=job_id)
            s.add(row)
            return IdempotencyRecord.from_row(row)
    except IntegrityError:  # lost a race with an identical request: read the winner's row
        return claim_idempotency_key(db, owner, key, request_hash, job_id)


@dataclass
class UsageTotals:
    """Summed usage over a period."""

    requests: int = 0
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_estimate: float = 0.0
    cached: int = 0


def _values(entry: UsageEntry | DeliveryEntry) -> dict[str, Any]:
    return {k: v for k, v in asdict(entry).items() if v is not None or k != "created_at"}


def record_usage(db: Database, entry: UsageEntry) -> None:
    """Append one usage record."""
    with db.session() as s:
        s.add(UsageRecord(**_values(entry)))


def usage_totals(db: Database, owner: str | None, since: datetime | None = None) -> UsageTotals:
    """Usage of one key (None: requests made without auth) since a moment (None: ever)."""
    query = select(
        func.count(),
        func.coalesce(func.sum(UsageRecord.llm_calls), 0),
        func.coalesce(func.sum(UsageRecord.tokens_in), 0),
        func.coalesce(func.sum(UsageRecord.tokens_out), 0),
        func.coalesce(func.sum(UsageRecord.cost_estimate), 0.0),
        func.coalesce(func.sum(func.cast(UsageRecord.cached, type_=UsageRecord.llm_calls.type)), 0),
    ).where(UsageRecord.api_key_id.is_(None) if owner is None else UsageRecord.api_key_id == owner)
    if since is not None:
        query = query.where(UsageRecord.created_at >= since)
    with db.session() as s:
        n, calls, t_in, t_out, cost, cached = s.execute(query).one()
    return UsageTotals(int(n), int(calls), int(t_in), int(t_out), float(cost), int(cached))


def recent_usage(db: Database, owner: str | None, limit: int = 50) -> list[UsageEntry]:
    """The newest usage records of one key."""
    where = UsageRecord.api_key_id.is_(None) if owner is None else UsageRecord.api_key_id == owner
    with db.session() as s:
        rows = s.scalars(
            select(UsageRecord).where(where).order_by(UsageRecord.id.desc()).limit(limit)
        )
        return [UsageEntry.from_row(r) for r in rows]


def record_delivery(db: Database, delivery: DeliveryEntry) -> None:
    """Append one webhook delivery attempt to the log."""
    with db.session() as s:
        s.add(WebhookDelivery(**_values(delivery)))


def list_deliveries(db: Database, job_id: str) -> list[DeliveryEntry]:
    """Every delivery attempt for a job, oldest first."""
    with db.session() as s:
        rows = s.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.job_id == job_id)
            .order_by(WebhookDelivery.id)
        )
        return [DeliveryEntry.from_row(r) for r in rows]


def find_idempotency_key(db: Database, owner: str, key: str) -> IdempotencyRecord | None:
    """The row stored under ``key`` for ``owner``, or None."""
    with db.session() as s:
        row = s.scalar(
            select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        )
        return IdempotencyRecord.from_row(row) if row else None


def webhook_secret(db: Database, key_id: str) -> str | None:
    """The webhook signing secret of an API key, or None when the key does not exist."""
    from service.store.models import ApiKey

    with db.session() as s:
        key = s.get(ApiKey, key_id)
        return key.webhook_secret if key else None
