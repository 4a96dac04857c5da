"""Batches: many articles in one request, one job each, with per-item status."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response, status

from service.api.deps import PrincipalDep, StateDep, SubmitterDep, WorkerDep
from service.api.errors import BatchNotFoundError
from service.api.models import BatchRequest, BatchView
from service.api.responses import ERRORS
from service.api.submit import Caller, submit_batch
from service.api.views import API_PREFIX, batch_view
from service.store import jobs as job_store

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchView,
    summary="Queue many articles",
    responses=ERRORS,
)
async def create_batch(
    body: BatchRequest,
    request: Request,
    response: Response,
    state: StateDep,
    worker: WorkerDep,
    principal: SubmitterDep,
) -> BatchView:
    """Validate every item, queue one job per item, and return `202` with the batch."""
    caller = Caller(principal, request.state.request_id)
    batch, jobs = await submit_batch(state, worker, body, caller)
    response.headers["Location"] = f"{API_PREFIX}/batches/{batch.id}"
    return batch_view(batch, jobs)


@router.get(
    "/{batch_id}", response_model=BatchView, summary="Batch status per item", responses=ERRORS
)
async def get_batch(batch_id: str, state: StateDep, principal: PrincipalDep) -> BatchView:
    """Counts by status and every item's job view, in submission order."""
    found = await asyncio.to_thread(job_store.get_batch, state.db, batch_id, principal.key_id)
    if found is None:
        raise BatchNotFoundError(f"No batch {batch_id} for this API key.")
    return batch_view(*found)
