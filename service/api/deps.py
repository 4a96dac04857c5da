"""Typed FastAPI dependencies: services, settings, store, model, the caller and its limits.

The getters are ``async def`` although they only read attributes: FastAPI runs a plain ``def``
dependency in its thread pool, a thread hop per dependency per request (measured: most of a cached
request's time went to those hops).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.config import Settings
from service.jobs.auth import Principal, authenticate, check_budget
from service.jobs.context import Services
from service.llm.base import LLM
from service.store import Database


async def get_services(request: Request) -> Services:
    """The app's services (settings, store, model, limits, job dispatch)."""
    services: Services = request.app.state.summariser
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    """The app's settings."""
    return services.settings


async def get_store(services: ServicesDep) -> Database:
    """The app's database (its repositories live in ``service.store``)."""
    return services.db


async def get_llm(services: ServicesDep) -> LLM:
    """The model; 503 ``llm_unavailable`` while it loads."""
    return services.llm.get()


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Database, Depends(get_store)]
LLMDep = Annotated[LLM, Depends(get_llm)]


_bearer = HTTPBearer(
    auto_error=False, scheme_name="ApiKey", description="An API key from `summarise keys create`."
)


async def get_principal(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, authenticated by its API key."""
    header = f"Bearer {credentials.credentials}" if credentials else None
    principal = await authenticate(header, settings, store)
    request.state.api_key_id = principal.key_id
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_submitter(
    principal: PrincipalDep, services: ServicesDep, store: StoreDep
) -> Principal:
    """The caller of a work-creating request, after its rate limit and token budget checks."""
    services.limiter.hit(principal.owner, principal.rate_limit_per_minute)
    await check_budget(principal, store)
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
