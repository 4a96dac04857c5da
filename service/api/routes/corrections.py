"""Review data and corrections of a job: the article text, the result, versioned corrections.

Everything is scoped to the calling key: another key's job is a 404, and so are its corrections.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from service.api.deps import PrincipalDep, ServicesDep
from service.api.responses import ERRORS
from service.jobs.corrections import (
    CorrectionsRequest,
    CorrectionVersionView,
    ReviewView,
    WhoAmI,
    get_correction,
    list_corrections,
    review_view,
    save_corrections,
)

router = APIRouter(prefix="/v1", tags=["review"])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {**ERRORS[422], "description": "Saved meanwhile (`correction_conflict`)."}
}


@router.get("/whoami", response_model=WhoAmI, summary="The calling API key", responses=ERRORS)
async def whoami(principal: PrincipalDep) -> WhoAmI:
    """The key's id and name (the review page shows who is signed in)."""
    return WhoAmI(key_id=principal.key_id, name=principal.name)


@router.get(
    "/jobs/{job_id}/review",
    response_model=ReviewView,
    summary="A job with its source text and latest corrections",
    responses=ERRORS,
)
async def get_review(job_id: str, services: ServicesDep, principal: PrincipalDep) -> ReviewView:
    """The job, the text its evidence offsets index (the extracted text for HTML input), the
    latest corrections version and the result with those corrections applied."""
    return await review_view(services, job_id, principal)


@router.get(
    "/jobs/{job_id}/corrections",
    response_model=list[CorrectionVersionView],
    summary="Every saved version of a job's corrections",
    responses=ERRORS,
)
async def get_corrections(
    job_id: str, services: ServicesDep, principal: PrincipalDep
) -> list[CorrectionVersionView]:
    """Oldest first; each version names the API key that saved it."""
    return await list_corrections(services, job_id, principal)


@router.get(
    "/jobs/{job_id}/corrections/{version}",
    response_model=CorrectionVersionView,
    summary="One version of a job's corrections",
    responses=ERRORS,
)
async def get_corrections_version(
    job_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    version: int = Path(ge=1),
) -> CorrectionVersionView:
    """A version as it was saved."""
    return await get_correction(services, job_id, version, principal)


@router.post(
    "/jobs/{job_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectionVersionView,
    summary="Save a new version of a job's corrections",
    responses={**ERRORS, **CONFLICT},
)
async def post_corrections(
    job_id: str, body: CorrectionsRequest, services: ServicesDep, principal: PrincipalDep
) -> CorrectionVersionView:
    """Store the whole correction set as the next version (the model's result is never changed).

    `base_version` is the version the editor started from; if another version was saved since,
    the answer is `409 correction_conflict` and nothing is stored.
    """
    return await save_corrections(services, job_id, body, principal)
