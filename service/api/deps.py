"""Typed FastAPI dependencies: settings, database, model, the caller and its limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.auth import Principal, authenticate, check_budget
from service.api.state import AppState
from service.api.worker import JobWorker
from service.config import Settings
from service.llm.base import LLM
from service.store import Database


def get_state(request: Request) -> AppState:
    """The app's shared state."""
    state: AppState = request.app.state.summariser
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    """The app's settings."""
    return state.settings


def get_db(state: StateDep) -> Database:
    """The app's database."""
    return state.db


def get_llm(state: StateDep) -> LLM:
    """The model; 503 ``llm_unavailable`` while it loads."""
    return state.llm.get()


def get_worker(request: Request) -> JobWorker:
    """The app's job worker."""
    worker: JobWorker = request.app.state.worker
    return worker


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
LLMDep = Annotated[LLM, Depends(get_llm)]
WorkerDep = Annotated[JobWorker, Depends(get_worker)]


_bearer = HTTPBearer(
    auto_error=False, scheme_name="ApiKey", description="An API key from `summarise keys create`."
)


async def get_principal(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, authenticated by its API key."""
    header = f"Bearer {credentials.credentials}" if credentials else None
    principal = await authenticate(header, state.settings, state.db)
    request.state.api_key_id = principal.key_id
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_submitter(principal: PrincipalDep, state: StateDep) -> Principal:
    """The caller of a work-creating request, after its rate limit and token budget checks."""
    state.limiter.hit(principal.owner, principal.rate_limit_per_minute)
    await check_budget(principal, state.db)
    return principal


SubmitterDep = Annotated[Principal, Depends(get_submitter)]
IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a request safely: the same key returns the same job/result.",
    ),
]
