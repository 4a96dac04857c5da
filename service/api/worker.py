"""The in-process job worker: claims queued jobs from the database with bounded concurrency.

Durability: jobs live in the database. On startup, jobs left ``running`` by a crash or shutdown go
back to ``queued``, and webhooks that were never delivered are sent again.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from pydantic import BaseModel

from service.api.runner import RunContext, run_summary
from service.api.state import AppState
from service.api.webhooks import WebhookSender
from service.errors import PartialResultError, ProviderUnavailableError, SummariserError
from service.pipeline import Progress
from service.schema import ArticleInput
from service.store import jobs as job_store
from service.store.models import Job

log = structlog.get_logger("service.worker")


class JobWorker:
    """Runs up to ``job_concurrency`` jobs at a time inside the server process."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.webhooks = WebhookSender(state)
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Recover from a previous run, then start polling for jobs."""
        db = self.state.db
        requeued = await asyncio.to_thread(job_store.requeue_running, db)
        if requeued:
            log.info("jobs_requeued", count=requeued)
        for job in await asyncio.to_thread(job_store.pending_webhooks, db):
            self.webhooks.schedule(job)
        self._loop_task = asyncio.create_task(self._loop(), name="job-worker")

    def notify(self) -> None:
        """Wake the worker now (a job was just queued)."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming, cancel running jobs (they are re-queued) and pending webhooks."""
        tasks = [t for t in (self._loop_task, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await asyncio.to_thread(job_store.requeue_running, self.state.db)
        await self.webhooks.stop()

    async def _loop(self) -> None:
        settings = self.state.settings
        await self.state.llm.wait()
        while True:
            free = settings.job_concurrency - len(self._running)
            if free > 0:
                try:
                    claimed = await asyncio.to_thread(job_store.claim_jobs, self.state.db, free)
                except Exception:  # a database hiccup must not kill the worker
                    log.exception("claim_failed")
                    claimed = []
                for job in claimed:
                    task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
                    self._running.add(task)
                    task.add_done_callback(self._finished)
                if claimed:
                    continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), settings.job_poll_interval_s)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _run(self, job: Job) -> None:
        with structlog.contextvars.bound_contextvars(job_id=job.id, request_id=job.request_id):
            if job.attempts > self.state.settings.job_max_attempts:
                await self._fail(
                    job,
                    SummariserError(
                        f"The job was started {job.attempts - 1} times without finishing.",
                    ),
                    code="too_many_attempts",
                )
                return
            log.info("job_started", attempt=job.attempts)
            try:
                await self._execute(job)
            except asyncio.CancelledError:
                log.info("job_interrupted")
                raise
            except ProviderUnavailableError as exc:
                await self._retry_or_fail(job, exc)
            except SummariserError as exc:
                await self._fail(job, exc, code=exc.code)
            except Exception as exc:  # never lose a job to an unexpected bug: fail it visibly
                log.exception("job_crashed")
                await self._fail(job, exc, code="internal_error")

    async def _execute(self, job: Job) -> None:
        article = ArticleInput.model_validate(job.article)
        ctx = RunContext(job.api_key_id, job.request_id, "jobs", job.id)
        db = self.state.db

        async def progress(p: Progress) -> None:
            await asyncio.to_thread(
                job_store.set_progress, db, job.id, p.chunks_done, p.chunks_total, p.stage
            )

        outcome = await run_summary(self.state, article, ctx, progress)
        result = outcome.summary.model_dump(mode="json")
        done = await asyncio.to_thread(
            job_store.finish_job,
            db,
            job.id,
            result=result,
            content_hash=outcome.content_hash,
            cached=outcome.cached,
        )
        self.state.metrics.jobs.labels(status="succeeded").inc()
        log.info(
            "job_succeeded",
            cached=outcome.cached,
            llm_calls=0 if outcome.cached else outcome.summary.meta.llm_calls,
        )
        if done is not None:
            self.webhooks.schedule(done)

    async def _retry_or_fail(self, job: Job, exc: ProviderUnavailableError) -> None:
        """The model is unreachable: queue the job again after a pause, while attempts remain."""
        if job.attempts >= self.state.settings.job_max_attempts:
            await self._fail(job, exc, code=exc.code)
            return
        hint = exc.details.get("retry_after")
        delay = self.state.settings.llm_retry_after_s
        if isinstance(hint, (int, float)):
            delay = min(delay, max(1, int(hint)))
        await asyncio.to_thread(job_store.retry_later, self.state.db, job.id, delay)
        log.warning("job_waiting_for_model", code=exc.code, retry_in_s=delay)

    async def _fail(self, job: Job, exc: Exception, *, code: str) -> None:
        message = exc.message if isinstance(exc, SummariserError) else "Internal error."
        partial = exc.result if isinstance(exc, PartialResultError) else None
        result = partial.model_dump(mode="json") if isinstance(partial, BaseModel) else None
        done = await asyncio.to_thread(
            job_store.finish_job,
            self.state.db,
            job.id,
            result=result,
            error={"code": code, "message": message},
        )
        self.state.metrics.jobs.labels(status="failed").inc()
        log.warning("job_failed", code=code)
        if done is not None:
            self.webhooks.schedule(done)
