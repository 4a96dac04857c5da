"""Batches: many articles in one request, one job each, with per-item status."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from service.api.deps import PrincipalDep, ServicesDep, SubmitterDep
from service.api.responses import ERRORS
from service.jobs.models import BatchRequest, BatchView
from service.jobs.reads import read_batch
from service.jobs.submit import Caller, submit_batch
from service.jobs.views import API_PREFIX, batch_view

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
    services: ServicesDep,
    principal: SubmitterDep,
) -> BatchView:
    """Validate every item, queue one job per item, and return `202` with the batch."""
    caller = Caller(principal, request.state.request_id)
    batch, jobs = await submit_batch(services, body, caller)
    response.headers["Location"] = f"{API_PREFIX}/batches/{batch.id}"
    return batch_view(batch, jobs)


@router.get(
    "/{batch_id}", response_model=BatchView, summary="Batch status per item", responses=ERRORS
)
async def get_batch(batch_id: str, services: ServicesDep, principal: PrincipalDep) -> BatchView:
    """Counts by status and every item's job view, in submission order."""
    return await read_batch(services, batch_id, principal)
