"""Running one claimed job to its end, the same way for the in-process worker and Celery tasks.

A job is finished, and its usage booked, in one transaction that only succeeds while the job is
still ``running`` (``finish_job``), so a job that two workers ran ends with one result and one
usage record.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog
from pydantic import BaseModel

from service.errors import (
    DatabaseUnavailableError,
    PartialResultError,
    ProviderUnavailableError,
    SummariserError,
)
from service.jobs.context import Services
from service.jobs.runner import RunContext, RunFailed, run_summary
from service.pipeline import Progress
from service.schema import ArticleInput
from service.store import jobs as job_store
from service.store.records import record_usage
from service.store.types import JobRecord, UsageEntry

log = structlog.get_logger("service.jobs")


@dataclass
class Finished:
    """The job ended (succeeded or failed); ``job`` is None when another worker finished it."""

    job: JobRecord | None


@dataclass
class RetryLater:
    """The model is unavailable: the job went back to the queue for ``delay_s`` seconds."""

    delay_s: int
    error: ProviderUnavailableError


async def execute_job(services: Services, job: JobRecord) -> Finished | RetryLater:
    """Run a job the caller has claimed; record its result, error or retry in the store.

    Raises:
        DatabaseUnavailableError: the store could not be reached; the job is left ``running``
            (never failed for it) and the caller puts it back in the queue once it can.
    """
    with structlog.contextvars.bound_contextvars(job_id=job.id, request_id=job.request_id):
        if job.attempts > services.settings.job_max_attempts:
            exc = SummariserError(
                f"The job was started {job.attempts - 1} times without finishing."
            )
            return await fail_job(services, job, exc, code="too_many_attempts")
        log.info("job_started", attempt=job.attempts)
        await services.events.publish(job.id)
        try:
            return await _succeed(services, job)
        except asyncio.CancelledError:
            log.info("job_interrupted")
            raise
        except DatabaseUnavailableError:  # not the job's fault: the caller queues it again
            log.warning("job_interrupted_database_unavailable")
            raise
        except RunFailed as failed:
            if isinstance(failed.error, DatabaseUnavailableError):  # e.g. saving progress
                log.warning("job_interrupted_database_unavailable")
                raise failed.error from None
            if isinstance(failed.error, ProviderUnavailableError):
                await asyncio.to_thread(record_usage, services.db, failed.usage)
                return await _retry_or_fail(services, job, failed.error)
            return await fail_job(
                services, job, failed.error, code=failed.error.code, usage=failed.usage
            )
        except Exception as exc:  # never lose a job to an unexpected bug: fail it visibly
            log.exception("job_crashed")
            return await fail_job(services, job, exc, code="internal_error")


async def _succeed(services: Services, job: JobRecord) -> Finished:
    article = ArticleInput.model_validate(job.article)
    ctx = RunContext(job.api_key_id, job.request_id, "jobs", job.id)
    db = services.db

    async def progress(p: Progress) -> None:
        await asyncio.to_thread(
            job_store.set_progress, db, job.id, p.chunks_done, p.chunks_total, p.stage
        )
        await services.events.publish(job.id)

    outcome = await run_summary(services, article, ctx, progress)
    done = await asyncio.to_thread(
        job_store.finish_job,
        db,
        job.id,
        result=outcome.summary.model_dump(mode="json"),
        content_hash=outcome.content_hash,
        cached=outcome.cached,
        usage=outcome.usage,
    )
    await services.events.publish(job.id)
    if done is None:
        log.warning("job_already_finished")
        return Finished(None)
    services.metrics.jobs.labels(status="succeeded").inc()
    log.info(
        "job_succeeded",
        cached=outcome.cached,
        llm_calls=0 if outcome.cached else outcome.summary.meta.llm_calls,
    )
    return Finished(done)


async def _retry_or_fail(
    services: Services, job: JobRecord, exc: ProviderUnavailableError
) -> Finished | RetryLater:
    """The model is unreachable: queue the job again after a pause, while attempts remain."""
    settings = services.settings
    if job.attempts >= settings.job_max_attempts:
        return await fail_job(services, job, exc, code=exc.code)
    hint = exc.details.get("retry_after")
    delay = settings.llm_retry_after_s
    if isinstance(hint, (int, float)):
        delay = min(delay, max(1, int(hint)))
    await asyncio.to_thread(job_store.retry_later, services.db, job.id, delay)
    await services.events.publish(job.id)
    log.warning("job_waiting_for_model", code=exc.code, retry_in_s=delay)
    return RetryLater(delay, exc)


async def fail_job(
    services: Services,
    job: JobRecord,
    exc: Exception,
    *,
    code: str,
    usage: UsageEntry | None = None,
) -> Finished:
    """Mark the job failed with its error (the dead-letter state) and any partial result."""
    message = exc.message if isinstance(exc, SummariserError) else "Internal error."
    partial = exc.result if isinstance(exc, PartialResultError) else None
    result = partial.model_dump(mode="json") if isinstance(partial, BaseModel) else None
    done = await asyncio.to_thread(
        job_store.finish_job,
        services.db,
        job.id,
        result=result,
        error={"code": code, "message": message},
        usage=usage,
    )
    await services.events.publish(job.id)
    if done is not None:
        services.metrics.jobs.labels(status="failed").inc()
        log.warning("job_failed", code=code)
    return Finished(done)
