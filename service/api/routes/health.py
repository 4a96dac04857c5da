"""Liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.deps import ServicesDep
from service.jobs.health import readiness, refresh_queue_gauge
from service.jobs.models import Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness",
    responses={503: {"model": Readiness, "description": "Not ready."}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready when the database answers and the model is reachable; `503` otherwise."""
    result = await readiness(services)
    return JSONResponse(result.model_dump(), status_code=200 if result.ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(services: ServicesDep) -> Response:
    """Requests, latencies, LLM calls/tokens/errors, queue depth, cache hits, webhooks."""
    await refresh_queue_gauge(services)
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
