"""The in-process job worker (no broker configured): claims queued jobs from the database.

Durability: jobs live in the database. On startup, jobs left ``running`` by a crash or shutdown go
back to ``queued``, and webhooks that were never delivered are sent again. While the database is
unreachable the worker keeps polling (claims fail quietly), and a job whose run it cut off goes
back to ``queued`` as soon as the database answers again: no restart needed.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from service.errors import DatabaseUnavailableError
from service.jobs.context import Services
from service.jobs.execute import Finished, execute_job
from service.jobs.webhooks import WebhookSender
from service.store import jobs as job_store
from service.store.types import JobRecord

log = structlog.get_logger("service.worker")
MAX_REQUEUE_PAUSE_S = 5.0


class JobWorker:
    """Runs up to ``job_concurrency`` jobs at a time inside the server process."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.webhooks = WebhookSender(services)
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def dispatch(self, job_ids: list[str]) -> None:
        """Jobs were queued: wake the worker now."""
        self._wake.set()

    async def start(self) -> None:
        """Recover from a previous run, then start polling for jobs."""
        db = self.services.db
        requeued = await asyncio.to_thread(job_store.requeue_running, db)
        if requeued:
            log.info("jobs_requeued", count=requeued)
        for job in await asyncio.to_thread(job_store.pending_webhooks, db):
            self.webhooks.schedule(job)
        self._loop_task = asyncio.create_task(self._loop(), name="job-worker")

    async def stop(self) -> None:
        """Stop claiming, cancel running jobs (they are re-queued) and pending webhooks."""
        tasks = [t for t in (self._loop_task, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._loop_task is not None:
            await asyncio.to_thread(job_store.requeue_running, self.services.db)
        await self.webhooks.stop()

    async def _loop(self) -> None:
        settings = self.services.settings
        await self.services.llm.wait()
        while True:
            free = settings.job_concurrency - len(self._running)
            if free > 0:
                try:
                    claimed = await asyncio.to_thread(job_store.claim_jobs, self.services.db, free)
                except DatabaseUnavailableError:  # an outage must not kill the worker
                    log.warning("claim_failed_database_unavailable")
                    claimed = []
                except Exception:  # nor any other hiccup
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
                async with asyncio.timeout(settings.job_poll_interval_s):
                    await self._wake.wait()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _run(self, job: JobRecord) -> None:
        try:
            outcome = await execute_job(self.services, job)
        except DatabaseUnavailableError:
            await self._requeue_when_back(job.id)
            return
        # RetryLater: the job is queued again with run_after; the claim loop picks it up.
        if isinstance(outcome, Finished) and outcome.job is not None:
            self.webhooks.schedule(outcome.job)

    async def _requeue_when_back(self, job_id: str) -> None:
        """Put a job the database outage cut off back in the queue, once the database answers.

        Until then the task keeps its slot (no new claims would succeed anyway); the pause
        between tries grows from the poll interval to ``MAX_REQUEUE_PAUSE_S``.
        """
        pause = self.services.settings.job_poll_interval_s
        while True:
            try:
                await asyncio.to_thread(job_store.release_job, self.services.db, job_id)
            except DatabaseUnavailableError:
                await asyncio.sleep(pause)
                pause = min(MAX_REQUEUE_PAUSE_S, pause * 2)
                continue
            log.info("job_requeued_after_database_outage", job_id=job_id)
            return
