"""Reading jobs and their delivery logs on behalf of a caller (other keys' jobs are 404s)."""

from __future__ import annotations

import asyncio

from service.jobs.auth import Principal
from service.jobs.context import Services
from service.jobs.errors import BatchNotFoundError, JobNotFoundError
from service.jobs.models import BatchView, DeliveryView
from service.jobs.views import batch_view, delivery_view
from service.store import jobs as job_store
from service.store.records import list_deliveries
from service.store.types import JobRecord


async def read_job(services: Services, job_id: str, principal: Principal) -> JobRecord:
    """The caller's job.

    Raises:
        JobNotFoundError: no such job, or it belongs to another key.
    """
    job = await asyncio.to_thread(job_store.get_job, services.db, job_id, principal.key_id)
    if job is None:
        raise JobNotFoundError(f"No job {job_id} for this API key.", job_id=job_id)
    return job


async def read_deliveries(
    services: Services, job_id: str, principal: Principal
) -> list[DeliveryView]:
    """The webhook delivery attempts of the caller's job, oldest first."""
    job = await read_job(services, job_id, principal)
    rows = await asyncio.to_thread(list_deliveries, services.db, job.id)
    return [delivery_view(row) for row in rows]


async def read_batch(services: Services, batch_id: str, principal: Principal) -> BatchView:
    """The caller's batch with every item's job.

    Raises:
        BatchNotFoundError: no such batch, or it belongs to another key.
    """
    found = await asyncio.to_thread(job_store.get_batch, services.db, batch_id, principal.key_id)
    if found is None:
        raise BatchNotFoundError(f"No batch {batch_id} for this API key.")
    return batch_view(*found)
