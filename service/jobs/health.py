"""Readiness probes: the database answers and the model seam's ``health()`` passes."""

from __future__ import annotations

import asyncio

import structlog

from service.errors import DatabaseUnavailableError
from service.jobs.context import Services
from service.jobs.models import Check, Readiness
from service.llm.base import SupportsHealth
from service.store import jobs as job_store
from service.store.db import describe

log = structlog.get_logger("service.health")
PROBE_TIMEOUT_S = 3.0


async def check_database(services: Services) -> Check:
    """``SELECT 1`` on the database; when it fails, the code and the driver error's class."""
    try:
        await asyncio.wait_for(asyncio.to_thread(services.db.ping), PROBE_TIMEOUT_S)
    except DatabaseUnavailableError as exc:  # the driver's message names hosts: logs only
        log.warning("database_unavailable", reason=describe(exc))
        return Check(ok=False, detail=f"{exc.code}: {type(exc.__cause__).__name__}")
    except Exception as exc:  # any driver error (or a probe timeout) means "not ready"
        return Check(ok=False, detail=type(exc).__name__)
    return Check(ok=True)


async def check_model(services: Services) -> Check:
    """The model is open and answers its own health check."""
    holder = services.llm
    if not holder.ready:
        return Check(ok=False, detail=holder.error or "loading")
    llm = holder.get()
    try:
        if isinstance(llm, SupportsHealth):
            await asyncio.wait_for(llm.health(PROBE_TIMEOUT_S), PROBE_TIMEOUT_S + 1)
    except Exception as exc:  # a probe reports, it never fails the request
        return Check(ok=False, detail=getattr(exc, "message", None) or type(exc).__name__)
    return Check(ok=True, detail=llm.model_name)


async def readiness(services: Services) -> Readiness:
    """Both checks."""
    db, model = await asyncio.gather(check_database(services), check_model(services))
    return Readiness(ready=db.ok and model.ok, checks={"database": db, "model": model})


async def refresh_queue_gauge(services: Services) -> None:
    """Set ``summariser_queue_depth`` from the database (left as it was while it is down, so
    ``/metrics`` keeps answering during an outage)."""
    try:
        depth = await asyncio.to_thread(job_store.queue_depth, services.db)
    except DatabaseUnavailableError:
        return
    for status, n in depth.items():
        services.metrics.queue_depth.labels(status=status).set(n)
