"""Celery tasks, run by `summarise worker`: the same ``execute_job`` as the in-process worker.

Each worker process keeps one event loop and one ``Services`` (database pool, Redis clients and the
model, opened once per process on its first task, not per task).

Exactly-once: a task first takes the job's lease in Redis (a ``redis-py`` lock with a TTL,
renewed while the job runs). A duplicate delivery while the lease is held is acknowledged and
dropped; a redelivery after a worker died finds the lease expired and takes the job over. The job
is finished, and its usage booked, in one transaction that only succeeds while it is ``running``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from celery import Celery, Task
from celery.signals import worker_process_shutdown

from service.config import Settings
from service.errors import DatabaseUnavailableError, ProviderUnavailableError, SummariserError
from service.jobs.context import Services, build_services
from service.jobs.execute import Finished, RetryLater, execute_job
from service.jobs.queue import DELIVER_WEBHOOK, RUN_JOB, make_celery
from service.jobs.webhooks import WebhookSender
from service.store import jobs as job_store
from service.store.db import RETRY_AFTER_S

log = structlog.get_logger("service.worker")
LEASE_PREFIX = "summariser:lease:"
LEASE_HELD = "lease_held"


class Runtime:
    """The per-process state of a worker: an event loop, the services and the model."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.services: Services | None = None
        self._redis: Any = None

    def run(self, coro: Any) -> Any:
        """Run a coroutine on this process's loop."""
        return self.loop.run_until_complete(coro)

    async def ready(self) -> Services:
        """The services, with the model open (opened on the first call in this process)."""
        if self.services is None:
            from service.jobs.limits import open_limited_llm

            llm = await open_limited_llm(
                self.settings
            )  # ProviderUnavailableError: the task retries
            self.services = build_services(self.settings, llm)
            url = self.settings.shared_redis_url
            if url:
                from redis.asyncio import Redis

                self._redis = Redis.from_url(url)
        return self.services

    @contextlib.asynccontextmanager
    async def lease(self, job_id: str) -> AsyncIterator[bool]:
        """Hold the job's lease while the block runs; yields False when another worker holds it.

        Without Redis (an AMQP broker and no ``SUMMARISER_REDIS_URL``) there is no lease: yields
        True, and a job left running is only taken over on a redelivered message.
        """
        if self._redis is None:
            yield True
            return
        ttl = self.settings.job_lease_s
        lock = self._redis.lock(LEASE_PREFIX + job_id, timeout=ttl, blocking=False)
        if not await lock.acquire():
            yield False
            return
        renew = asyncio.create_task(_renew(lock, ttl / 3))
        try:
            yield True
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await renew
            with contextlib.suppress(Exception):  # expired meanwhile: nothing to release
                await lock.release()

    def close(self) -> None:
        """Close the services and the loop (worker process shutdown)."""
        if self.services is not None:
            llm = self.services.llm.get() if self.services.llm.ready else None
            self.run(self.services.aclose())
            if llm is not None:
                self.run(llm.aclose())
        if self._redis is not None:
            self.run(self._redis.aclose())
        self.loop.close()


async def _renew(lock: Any, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        await lock.reacquire()


async def run_job(runtime: Runtime, job_id: str, redelivered: bool) -> RetryLater | str | bool:
    """Run one job message.

    Returns:
        ``RetryLater`` (the model is unavailable), ``LEASE_HELD`` (look again when the lease
        would have expired), or whether the finished job's webhook is due.
    """
    services = await runtime.ready()
    async with runtime.lease(job_id) as held:
        if not held:  # running elsewhere, or its worker died and the lease has not expired yet
            log.info("job_leased_elsewhere", job_id=job_id)
            return LEASE_HELD
        take_over = runtime._redis is not None or redelivered
        job = await asyncio.to_thread(job_store.claim_job, services.db, job_id, take_over=take_over)
        if job is None:  # finished already, or unknown: nothing to do (the message is acked)
            log.info("job_not_claimable", job_id=job_id)
            return False
        outcome = await execute_job(services, job)
    if isinstance(outcome, RetryLater):
        return outcome
    return (
        isinstance(outcome, Finished) and outcome.job is not None and bool(outcome.job.callback_url)
    )


async def deliver_webhook(runtime: Runtime, job_id: str) -> None:
    """Deliver a finished job's webhook, unless it was delivered or given up on already."""
    services = await runtime.ready()
    job = await asyncio.to_thread(job_store.get_job, services.db, job_id)
    if job is None or job.status not in job_store.TERMINAL or job.webhook_state != "pending":
        return
    await WebhookSender(services).deliver(job)


def create_worker_app(settings: Settings) -> Celery:
    """The Celery app of `summarise worker`, with the job and webhook tasks registered."""
    app = make_celery(settings)
    state: dict[str, Runtime] = {}

    def runtime() -> Runtime:
        if "rt" not in state:
            state["rt"] = Runtime(settings)
        return state["rt"]

    @worker_process_shutdown.connect(weak=False)
    def _close(**_: object) -> None:
        if "rt" in state:
            state.pop("rt").close()

    @app.task(name=RUN_JOB, bind=True, max_retries=None)
    def run_job_task(self: Task, job_id: str, resume: bool = False) -> None:
        # resume: a retry after a database outage, which may have cut the job off running.
        redelivered = resume or bool((self.request.delivery_info or {}).get("redelivered"))
        try:
            result = runtime().run(run_job(runtime(), job_id, redelivered))
        except ProviderUnavailableError as exc:  # the model could not even be opened
            raise self.retry(countdown=settings.llm_retry_after_s, exc=exc) from exc
        except DatabaseUnavailableError as exc:  # never lose the job: look again later
            log.warning("job_deferred_database_unavailable", job_id=job_id)
            raise self.retry(
                args=[job_id], kwargs={"resume": True}, countdown=RETRY_AFTER_S, exc=exc
            ) from exc
        if isinstance(result, RetryLater):  # job back in the queue: bounded by job_max_attempts
            raise self.retry(countdown=result.delay_s, exc=result.error)
        if result == LEASE_HELD:  # finished by then (nothing to do) or taken over, never dropped
            raise self.retry(countdown=settings.job_lease_s)
        if result:
            app.send_task(DELIVER_WEBHOOK, args=[job_id])

    @app.task(name=DELIVER_WEBHOOK, bind=True, max_retries=3)
    def deliver_webhook_task(self: Task, job_id: str) -> None:
        try:
            runtime().run(deliver_webhook(runtime(), job_id))
        except SummariserError as exc:
            raise self.retry(countdown=settings.webhook_backoff_s, exc=exc) from exc

    return app
