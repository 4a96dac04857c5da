"""GET /v1/usage: what the calling key has spent."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import PrincipalDep, ServicesDep
from service.api.responses import ERRORS
from service.jobs.models import UsageView
from service.jobs.usage import usage_view

router = APIRouter(prefix="/v1", tags=["usage"])


@router.get(
    "/usage", response_model=UsageView, summary="Usage of the calling API key", responses=ERRORS
)
async def get_usage(services: ServicesDep, principal: PrincipalDep) -> UsageView:
    """Tokens, LLM calls and estimated cost today (UTC) and in total, plus the latest requests."""
    return await usage_view(services, principal)
