"""The FastAPI app factory: services, middleware, error handlers, routes, and the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api import problems
from service.api.middleware import BodyGuardMiddleware, RequestContextMiddleware
from service.api.routes import batches, corrections, health, jobs, review, summaries, usage
from service.config import Settings, get_settings
from service.jobs.context import Services, build_services
from service.jobs.logs import configure_logging
from service.jobs.worker import JobWorker
from service.llm.base import LLM

DESCRIPTION = """Grounded structured summaries of news articles for newsroom systems.

Every `/v1` endpoint needs `Authorization: Bearer <key>` (create keys with
`summarise keys create --name NAME`). Errors are RFC 9457 problem details with a stable `code`.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    services: Services = app.state.summariser
    worker: JobWorker | None = app.state.worker
    services.llm.start()  # sync summaries run here, in broker mode too
    if worker is not None:
        await worker.start()
    try:
        yield
    finally:
        if worker is not None:
            await worker.stop()
        await services.aclose()


def create_app(
    settings: Settings | None = None, *, llm: LLM | None = None, start_worker: bool = True
) -> FastAPI:
    """Build the service.

    Args:
        settings: Defaults to the environment (``SUMMARISER_*``, ``.env``).
        llm: A ready model (tests); by default ``open_llm`` runs in the background at startup.
        start_worker: Run the in-process job worker (on by default; ignored with a broker, where
            ``summarise worker`` processes run the jobs).

    Returns:
        The ASGI app; its lifespan opens the model and runs the worker.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    services = build_services(settings, llm)
    app = FastAPI(
        title="Newsroom summariser", version="1.0.0", description=DESCRIPTION, lifespan=_lifespan
    )
    app.state.summariser = services
    app.state.worker = None
    if settings.broker_url:
        from service.jobs.queue import CeleryDispatcher

        services.dispatcher = CeleryDispatcher(settings)
    else:
        worker = JobWorker(services)
        services.dispatcher = worker
        app.state.worker = worker if start_worker else None
    problems.install(app)
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=services.metrics)
    for module in (summaries, jobs, batches, usage, health):
        app.include_router(module.router)
    app.include_router(corrections.router)
    review.install(app)  # the editor review page at /review
    return app
