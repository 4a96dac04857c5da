"""Celery configuration (broker mode) and the dispatcher the API uses to enqueue jobs.

Reliability settings, and why:

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after its
  task returned, so a worker killed mid-task (SIGKILL, OOM, lost machine) leaves it to another.
- ``worker_prefetch_multiplier=1``: a worker holds one reserved message per process, so long
  articles do not wait behind a busy process while another is idle.
- Redis ``visibility_timeout``: an unacknowledged message is redelivered after this long; it must
  exceed the longest job (``SUMMARISER_BROKER_VISIBILITY_TIMEOUT_S``, 2 h by default). A job is
  never run twice at once: its worker holds a lease in Redis (see ``service.jobs.tasks``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from celery import Celery

from service.config import Settings

QUEUE = "summariser"
RUN_JOB = "summariser.run_job"
DELIVER_WEBHOOK = "summariser.deliver_webhook"


def transport_options(settings: Settings) -> dict[str, Any]:
    """Broker transport options: the visibility timeout and how often lost messages are swept."""
    timeout = settings.broker_visibility_timeout_s
    return {
        "visibility_timeout": timeout,
        # restore unacknowledged messages promptly when the timeout is short (tests, small jobs)
        "unacked_restore_interval": max(1, min(10, timeout // 5)),
        "unacked_restore_throttle": 1 if timeout < 600 else 10,
    }


def make_celery(settings: Settings) -> Celery:
    """A Celery app for ``SUMMARISER_BROKER_URL``; results stay in the database, not the backend."""
    if not settings.broker_url:
        raise ValueError("make_celery needs SUMMARISER_BROKER_URL")
    app = Celery(
        "summariser",
        broker=settings.broker_url,
        backend=settings.result_backend or settings.shared_redis_url,
    )
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options=transport_options(settings),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        enable_utc=True,
    )
    return app


class CeleryDispatcher:
    """Sends one ``run_job`` message per queued job (the job itself is already in the database)."""

    def __init__(self, settings: Settings) -> None:
        self.app = make_celery(settings)

    async def dispatch(self, job_ids: list[str]) -> None:
        """Enqueue the jobs (the broker client blocks, so it runs in a thread)."""
        await asyncio.to_thread(self._send, job_ids)

    def _send(self, job_ids: list[str]) -> None:
        with self.app.producer_or_acquire() as producer:
            for job_id in job_ids:
                self.app.send_task(RUN_JOB, args=[job_id], producer=producer)
