"""Stored rows to API views (timestamps normalised to UTC)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from service.jobs.models import BatchView, DeliveryView, ErrorInfo, JobView, Progress
from service.schema import StructuredSummary
from service.store.types import BatchRecord, DeliveryEntry, JobRecord

API_PREFIX = "/v1"


def utc(value: datetime | None) -> datetime | None:
    """Attach UTC to naive timestamps (SQLite drops the zone)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def job_links(job_id: str) -> dict[str, str]:
    """Where to poll, stream and audit a job."""
    base = f"{API_PREFIX}/jobs/{job_id}"
    return {"self": base, "events": f"{base}/events", "deliveries": f"{base}/deliveries"}


def job_view(job: JobRecord) -> JobView:
    """The public view of a job."""
    result = StructuredSummary.model_validate(job.result) if job.result else None
    failed = job.status == "failed"
    return JobView(
        id=job.id,
        status=job.status,
        progress=Progress(
            chunks_done=job.chunks_done, chunks_total=job.chunks_total, stage=job.stage
        ),
        ref=job.ref,
        batch_id=job.batch_id,
        cached=job.cached,
        attempts=job.attempts,
        result=None if failed else result,
        partial_result=result if failed else None,
        error=ErrorInfo.model_validate(job.error) if job.error else None,
        webhook=job.webhook_state,
        created_at=utc(job.created_at),
        started_at=utc(job.started_at),
        finished_at=utc(job.finished_at),
        links=job_links(job.id),
    )


def batch_view(batch: BatchRecord, jobs: list[JobRecord]) -> BatchView:
    """The public view of a batch with per-item status."""
    counts = Counter(job.status for job in jobs)
    return BatchView(
        id=batch.id,
        created_at=utc(batch.created_at),
        counts={s: counts.get(s, 0) for s in ("queued", "running", "succeeded", "failed")},
        items=[job_view(job) for job in jobs],
    )


def delivery_view(d: DeliveryEntry) -> DeliveryView:
    """The public view of one webhook delivery attempt."""
    return DeliveryView(
        delivery_id=d.delivery_id,
        event=d.event,
        url=d.url,
        attempt=d.attempt,
        status_code=d.status_code,
        ok=d.ok,
        error=d.error,
        duration_ms=d.duration_ms,
        created_at=utc(d.created_at),
    )
