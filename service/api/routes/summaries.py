"""POST /v1/summaries: a structured summary in the response, for short articles."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.api.deps import IdempotencyKeyDep, ServicesDep, SubmitterDep
from service.api.responses import ERRORS
from service.jobs.models import SummaryRequest
from service.jobs.submit import Caller, summarise_now
from service.schema import StructuredSummary

router = APIRouter(prefix="/v1", tags=["summaries"])


@router.post(
    "/summaries",
    response_model=StructuredSummary,
    summary="Summarise an article synchronously",
    responses=ERRORS,
)
async def create_summary(
    body: SummaryRequest,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: SubmitterDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> StructuredSummary:
    """Return the grounded structured summary within ``SUMMARISER_SYNC_DEADLINE_S``.

    Identical content (text, options, prompt versions, model) is answered from the store without
    calling the model (`X-Summariser-Cached: true`). Long articles: use `POST /v1/jobs`.
    """
    caller = Caller(principal, request.state.request_id, idempotency_key)
    outcome = await summarise_now(services, body, caller)
    response.headers["X-Summariser-Cached"] = str(outcome.cached).lower()
    return outcome.summary
