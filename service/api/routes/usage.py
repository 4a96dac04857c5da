"""GET /v1/usage: what the calling key has spent."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import PrincipalDep, StateDep
from service.api.models import UsageView
from service.api.responses import ERRORS
from service.api.usage import usage_view

router = APIRouter(prefix="/v1", tags=["usage"])


@router.get(
    "/usage", response_model=UsageView, summary="Usage of the calling API key", responses=ERRORS
)
async def get_usage(state: StateDep, principal: PrincipalDep) -> UsageView:
    """Tokens, LLM calls and estimated cost today (UTC) and in total, plus the latest requests."""
    return await usage_view(state, principal)
