"""Reading jobs and their delivery logs on behalf of a caller (other keys' jobs are 404s)."""

from __future__ import annotations

import asyncio

from service.api.auth import Principal
from service.api.errors import JobNotFoundError
from service.api.models import DeliveryView
from service.api.state import AppState
from service.api.views import delivery_view
from service.store import jobs as job_store
from service.store.models import Job
from service.store.records import list_deliveries


async def read_job(state: AppState, job_id: str, principal: Principal) -> Job:
    """The caller's job.

    Raises:
        JobNotFoundError: no such job, or it belongs to another key.
    """
    job = await asyncio.to_thread(job_store.get_job, state.db, job_id, principal.key_id)
    if job is None:
        raise JobNotFoundError(f"No job {job_id} for this API key.", job_id=job_id)
    return job


async def read_deliveries(state: AppState, job_id: str, principal: Principal) -> list[DeliveryView]:
    """The webhook delivery attempts of the caller's job, oldest first."""
    job = await read_job(state, job_id, principal)
    rows = await asyncio.to_thread(list_deliveries, state.db, job.id)
    return [delivery_view(row) for row in rows]
