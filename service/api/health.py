"""Readiness probes: the database answers and the model can be reached."""

from __future__ import annotations

import asyncio

import httpx

from service.api.models import Check, Readiness
from service.api.state import AppState
from service.store import jobs as job_store

PROBE_TIMEOUT_S = 3.0


async def check_database(state: AppState) -> Check:
    """``SELECT 1`` on the database."""
    try:
        await asyncio.wait_for(asyncio.to_thread(state.db.ping), PROBE_TIMEOUT_S)
    except Exception as exc:  # any driver error means "not ready"
        return Check(ok=False, detail=type(exc).__name__)
    return Check(ok=True)


async def check_model(state: AppState) -> Check:
    """The model is open and its endpoint answers (``/models``, or the embedded ``/health``)."""
    holder, settings = state.llm, state.settings
    if not holder.ready:
        return Check(ok=False, detail=holder.error or "loading")
    try:
        if settings.llm_base_url:
            url = settings.llm_base_url.rstrip("/") + "/models"
            headers = (
                {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
            )
            async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S) as client:
                resp = await client.get(url, headers=headers)
            if resp.status_code >= 500:
                return Check(ok=False, detail=f"HTTP {resp.status_code}")
        elif not holder.given:
            from service.llm.local import ensure_local_server

            await asyncio.wait_for(ensure_local_server(settings), PROBE_TIMEOUT_S)
    except Exception as exc:  # a probe reports, it never fails the request
        return Check(ok=False, detail=type(exc).__name__)
    return Check(ok=True, detail=holder.get().model_name)


async def readiness(state: AppState) -> Readiness:
    """Both checks; also refreshes the queue-depth gauge."""
    db, model = await asyncio.gather(check_database(state), check_model(state))
    return Readiness(ready=db.ok and model.ok, checks={"database": db, "model": model})


async def refresh_queue_gauge(state: AppState) -> None:
    """Set ``summariser_queue_depth`` from the database."""
    depth = await asyncio.to_thread(job_store.queue_depth, state.db)
    for status, n in depth.items():
        state.metrics.queue_depth.labels(status=status).set(n)
