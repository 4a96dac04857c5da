"""Durable jobs: queued -> running -> succeeded | failed, claimed atomically by a worker.

Every function returns plain ``JobRecord`` / ``BatchRecord`` objects, never ORM rows.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from service.store.db import Database
from service.store.models import Batch, Job, UsageRecord, utcnow
from service.store.types import BatchRecord, JobRecord, UsageEntry

TERMINAL = frozenset({"succeeded", "failed"})


@dataclass
class NewJob:
    """What a client submitted for one job."""

    article: dict[str, Any]
    owner: str | None
    callback_url: str | None = None
    request_id: str | None = None
    ref: str | None = None


def _job(new: NewJob, batch_id: str | None = None, index: int | None = None) -> Job:
    return Job(
        id=uuid.uuid4().hex,
        api_key_id=new.owner,
        article=new.article,
        status="queued",
        callback_url=new.callback_url,
        webhook_state="pending" if new.callback_url else None,
        webhook_id=uuid.uuid4().hex if new.callback_url else None,
        webhook_attempts=0,
        request_id=new.request_id,
        ref=new.ref,
        batch_id=batch_id,
        batch_index=index,
        attempts=0,
        chunks_done=0,
        cached=False,
        created_at=utcnow(),
    )


def create_job(db: Database, new: NewJob) -> JobRecord:
    """Persist a queued job and return it."""
    job = _job(new)
    with db.session() as s:
        s.add(job)
        s.flush()
        return JobRecord.from_row(job)


def create_batch(
    db: Database, owner: str | None, items: list[NewJob]
) -> tuple[BatchRecord, list[JobRecord]]:
    """Persist a batch and one queued job per item, in one transaction."""
    batch = Batch(id=uuid.uuid4().hex, api_key_id=owner, created_at=utcnow())
    with db.session() as s:
        s.add(batch)
        s.flush()
        jobs = [_job(item, batch.id, i) for i, item in enumerate(items)]
        s.add_all(jobs)
        s.flush()
        return BatchRecord.from_row(batch), [JobRecord.from_row(j) for j in jobs]


def get_job(db: Database, job_id: str, owner: str | None = None) -> JobRecord | None:
    """The job, or None when it does not exist or belongs to another key."""
    with db.session() as s:
        job = s.get(Job, job_id)
        if job is None or (owner is not None and job.api_key_id != owner):
            return None
        return JobRecord.from_row(job)


def get_jobs(db: Database, job_ids: list[str]) -> list[JobRecord]:
    """The jobs with these ids that exist (any order)."""
    with db.session() as s:
        return [JobRecord.from_row(j) for j in s.scalars(select(Job).where(Job.id.in_(job_ids)))]


def get_batch(
    db: Database, batch_id: str, owner: str | None
) -> tuple[BatchRecord, list[JobRecord]] | None:
    """The batch and its jobs in submission order, or None (missing or another key's)."""
    with db.session() as s:
        batch = s.get(Batch, batch_id)
        if batch is None or (owner is not None and batch.api_key_id != owner):
            return None
        jobs = s.scalars(select(Job).where(Job.batch_id == batch_id).order_by(Job.batch_index))
        return BatchRecord.from_row(batch), [JobRecord.from_row(j) for j in jobs]


def claim_jobs(db: Database, limit: int) -> list[JobRecord]:
    """Atomically move up to ``limit`` oldest queued jobs to running and return them."""
    claimed: list[str] = []
    with db.session() as s:
        due = or_(Job.run_after.is_(None), Job.run_after <= utcnow())
        ids = s.scalars(
            select(Job.id).where(Job.status == "queued", due).order_by(Job.created_at).limit(limit)
        ).all()
        for job_id in ids:
            res = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="running", started_at=utcnow(), attempts=Job.attempts + 1)
            )
            if res.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(job_id)
    return [job for job_id in claimed if (job := get_job(db, job_id)) is not None]


def claim_job(db: Database, job_id: str, *, take_over: bool = False) -> JobRecord | None:
    """Move one job to running (counting an attempt) and return it; None if it is not claimable.

    Args:
        db: The database.
        job_id: The job a queue message names.
        take_over: Also claim a job left ``running`` (its previous worker is known to be gone).
    """
    states = ("queued", "running") if take_over else ("queued",)
    with db.session() as s:
        res = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_(states))
            .values(status="running", started_at=utcnow(), attempts=Job.attempts + 1)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return None
    return get_job(db, job_id)


def retry_later(db: Database, job_id: str, delay_s: float) -> None:
    """Put a running job back in the queue, to be claimed again after ``delay_s`` seconds."""
    with db.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(
                status="queued",
                run_after=utcnow() + timedelta(seconds=delay_s),
                stage="waiting_for_model",
            )
        )


def requeue_running(db: Database) -> int:
    """Put jobs left ``running`` by a crash or shutdown back in the queue; returns how many."""
    with db.session() as s:
        res = s.execute(update(Job).where(Job.status == "running").values(status="queued"))
        return int(res.rowcount)  # type: ignore[attr-defined]


def release_job(db: Database, job_id: str) -> bool:
    """Put one running job back in the queue (its run was cut off); False if it is not running."""
    with db.session() as s:
        res = s.execute(
            update(Job).where(Job.id == job_id, Job.status == "running").values(status="queued")
        )
        return int(res.rowcount) == 1  # type: ignore[attr-defined]


def set_progress(db: Database, job_id: str, done: int, total: int | None, stage: str) -> None:
    """Record pipeline progress of a running job."""
    with db.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(chunks_done=done, chunks_total=total, stage=stage)
        )


def finish_job(
    db: Database,
    job_id: str,
    *,
    result: dict[str, Any] | None,
    error: dict[str, Any] | None = None,
    content_hash: str | None = None,
    cached: bool = False,
    usage: UsageEntry | None = None,
) -> JobRecord | None:
    """Mark a running job succeeded (no ``error``) or failed, with its usage, in one transaction.

    Returns None, and writes nothing, when the job is not running (already finished by another
    worker, or unknown): a job is finished and its usage booked exactly once.
    """
    with db.session() as s:
        job = s.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "running":
            return None
        job.status = "failed" if error else "succeeded"
        job.result, job.error = result, error
        job.content_hash, job.cached = content_hash, cached
        job.finished_at = utcnow()
        if not error and job.chunks_total is not None:
            job.chunks_done = job.chunks_total
        job.stage = "done"
        if usage is not None:
            s.add(UsageRecord(**{k: v for k, v in asdict(usage).items() if v is not None}))
        s.flush()
        return JobRecord.from_row(job)


def queue_depth(db: Database) -> dict[str, int]:
    """Job counts by non-terminal status."""
    with db.session() as s:
        rows = s.execute(
            select(Job.status, func.count())
            .where(Job.status.in_(("queued", "running")))
            .group_by(Job.status)
        ).all()
    depth = {"queued": 0, "running": 0}
    depth.update({status: int(n) for status, n in rows})
    return depth


def pending_webhooks(db: Database) -> list[JobRecord]:
    """Finished jobs whose webhook was not yet delivered (e.g. cut off by a restart)."""
    with db.session() as s:
        rows = s.scalars(
            select(Job).where(Job.status.in_(TERMINAL), Job.webhook_state == "pending")
        )
        return [JobRecord.from_row(j) for j in rows]


def begin_webhook_attempt(db: Database, job_id: str, max_attempts: int) -> tuple[str, int] | None:
    """Count one more delivery attempt of a job's webhook, before it is sent.

    The count and the webhook id live in the job row, so a restart neither resets the attempt
    budget nor changes the id receivers deduplicate on; an attempt cut off by a crash counts.

    Returns:
        The webhook id and this attempt's number, or None when the webhook is not pending or
        its ``max_attempts`` are used up.
    """
    with db.session() as s:
        job = s.get(Job, job_id, with_for_update=True)
        if job is None or job.webhook_state != "pending" or job.webhook_attempts >= max_attempts:
            return None
        if job.webhook_id is None:  # a job from before the column existed
            job.webhook_id = uuid.uuid4().hex
        job.webhook_attempts += 1
        return job.webhook_id, job.webhook_attempts


def set_webhook_state(db: Database, job_id: str, state: str) -> None:
    """Record the webhook outcome of a job: ``pending``, ``delivered`` or ``failed``."""
    with db.session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(webhook_state=state))
