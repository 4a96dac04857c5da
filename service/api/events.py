"""Job progress as a stream of events, read from the database (so it survives restarts)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from service.api.models import JobView
from service.api.state import AppState
from service.api.views import job_view
from service.store import jobs as job_store


async def job_events(state: AppState, job_id: str) -> AsyncIterator[tuple[str, JobView]]:
    """Yield ``("progress", view)`` on every change, then ``("succeeded"|"failed", view)``.

    The first event is the current state, so a client that connects late still gets one.
    """
    last: tuple[object, ...] | None = None
    while True:
        job = await asyncio.to_thread(job_store.get_job, state.db, job_id)
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
        await asyncio.sleep(state.settings.sse_poll_interval_s)
