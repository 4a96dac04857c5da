"""Job change notifications, and a job's progress as a stream of events.

Workers ``publish`` a job id whenever they write its progress or outcome; an event stream reads the
job from the database when notified (and at most once per ``sse_poll_interval_s`` otherwise), so
the stream survives restarts and works whichever process runs the job. In-process the channel is
an ``asyncio`` condition; with Redis (``SUMMARISER_REDIS_URL`` or a ``redis://`` broker) it is
Redis pub/sub, so a job run by a Celery worker on another machine reaches the API's streams.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

import structlog

if TYPE_CHECKING:
    from service.jobs.context import Services
    from service.jobs.models import JobView

log = structlog.get_logger("service.jobs")
CHANNEL_PREFIX = "summariser:job:"


class JobEvents(Protocol):
    """Publish "job X changed" and wait for it."""

    async def publish(self, job_id: str) -> None: ...

    def subscribe(self, job_id: str) -> contextlib.AbstractAsyncContextManager[Subscription]: ...

    async def aclose(self) -> None: ...


class Subscription(Protocol):
    async def wait(self, timeout: float) -> None:
        """Return on the next change of the job, or after ``timeout`` seconds."""
        ...


class _LocalSubscription:
    def __init__(self) -> None:
        self.changed = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), timeout)
        self.changed.clear()


class LocalEvents:
    """Notifications inside one process (the default, in-process worker)."""

    def __init__(self) -> None:
        self._subs: dict[str, set[_LocalSubscription]] = {}

    async def publish(self, job_id: str) -> None:
        for sub in self._subs.get(job_id, ()):
            sub.changed.set()

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str) -> AsyncIterator[_LocalSubscription]:
        sub = _LocalSubscription()
        self._subs.setdefault(job_id, set()).add(sub)
        try:
            yield sub
        finally:
            self._subs[job_id].discard(sub)
            if not self._subs[job_id]:
                del self._subs[job_id]

    async def aclose(self) -> None:
        return None


class _RedisSubscription:
    def __init__(self, pubsub: object) -> None:
        self.pubsub = pubsub

    async def wait(self, timeout: float) -> None:
        # get_message(timeout) blocks on the socket; it does not poll.
        msg = await self.pubsub.get_message(  # type: ignore[attr-defined]
            ignore_subscribe_messages=True, timeout=timeout
        )
        while msg is not None:  # drain what queued up meanwhile: one re-read covers them all
            msg = await self.pubsub.get_message(  # type: ignore[attr-defined]
                ignore_subscribe_messages=True, timeout=0
            )


class RedisEvents:
    """Notifications through Redis pub/sub, across processes and machines."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)

    async def publish(self, job_id: str) -> None:
        try:
            await self._redis.publish(CHANNEL_PREFIX + job_id, b"1")
        except Exception:  # a lost notification only delays a stream to its next read
            log.warning("job_event_publish_failed", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str) -> AsyncIterator[_RedisSubscription]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(CHANNEL_PREFIX + job_id)
        try:
            yield _RedisSubscription(pubsub)
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    async def aclose(self) -> None:
        await self._redis.aclose()


async def job_events(services: Services, job_id: str) -> AsyncIterator[tuple[str, JobView]]:
    """Yield ``("progress", view)`` on every change, then ``("succeeded"|"failed", view)``.

    The first event is the current state, so a client that connects late still gets one.
    """
    from service.jobs.views import job_view
    from service.store import jobs as job_store

    last: tuple[object, ...] | None = None
    async with services.events.subscribe(job_id) as sub:
        while True:
            job = await asyncio.to_thread(job_store.get_job, services.db, job_id)
            if job is None:
                return
            view = job_view(job)
            if view.status in job_store.TERMINAL:
                yield view.status, view
                return
            current = (
                view.status,
                view.progress.chunks_done,
                view.progress.chunks_total,
                view.progress.stage,
            )
            if current != last:
                last = current
                yield "progress", view
            await sub.wait(services.settings.sse_poll_interval_s)
