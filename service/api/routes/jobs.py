"""Jobs: submit, poll, stream progress (SSE) and read the webhook delivery log."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from service.api.deps import IdempotencyKeyDep, PrincipalDep, ServicesDep, SubmitterDep
from service.api.responses import ERRORS, SSE_RESPONSE
from service.jobs.events import job_events
from service.jobs.models import DeliveryView, JobRequest, JobView
from service.jobs.reads import read_deliveries, read_job
from service.jobs.submit import Caller, submit_job
from service.jobs.views import job_view

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobView,
    summary="Queue an article for summarising",
    responses=ERRORS,
)
async def create_job(
    body: JobRequest,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: SubmitterDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JobView:
    """Accept the article and return `202` with the job and its `Location`.

    With `callback_url`, the finished job is POSTed there, signed (see the README). Repeating a
    request with the same `Idempotency-Key` returns the same job (`Idempotent-Replayed: true`).
    """
    caller = Caller(principal, request.state.request_id, idempotency_key)
    job, replayed = await submit_job(services, body, caller)
    view = job_view(job)
    response.headers["Location"] = view.links["self"]
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return view


@router.get(
    "/{job_id}", response_model=JobView, summary="Job status, progress and result", responses=ERRORS
)
async def get_job(job_id: str, services: ServicesDep, principal: PrincipalDep) -> JobView:
    """Status (`queued|running|succeeded|failed`), progress in chunks, and the result."""
    return job_view(await read_job(services, job_id, principal))


@router.get(
    "/{job_id}/events",
    summary="Stream job progress (Server-Sent Events)",
    responses={**ERRORS, **SSE_RESPONSE},
    response_class=EventSourceResponse,
)
async def stream_job(
    job_id: str, services: ServicesDep, principal: PrincipalDep
) -> EventSourceResponse:
    """`progress` events while the job runs, then one `succeeded` or `failed` event with the job."""
    job = await read_job(services, job_id, principal)

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for name, view in job_events(services, job.id):
            yield ServerSentEvent(data=view.model_dump_json(), event=name)

    return EventSourceResponse(events(), ping=15)


@router.get(
    "/{job_id}/deliveries",
    response_model=list[DeliveryView],
    summary="Webhook delivery log of a job",
    responses=ERRORS,
)
async def get_deliveries(
    job_id: str, services: ServicesDep, principal: PrincipalDep
) -> list[DeliveryView]:
    """Every attempt to deliver the job's webhook: status code, error, duration."""
    return await read_deliveries(services, job_id, principal)
