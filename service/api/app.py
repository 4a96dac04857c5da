"""The FastAPI app factory: state, middleware, error handlers, routes, and the worker lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api import problems
from service.api.llm_holder import LLMHolder
from service.api.logs import configure_logging
from service.api.metrics import Metrics
from service.api.middleware import BodyGuardMiddleware, RequestContextMiddleware
from service.api.routes import batches, health, jobs, summaries, usage
from service.api.state import AppState
from service.api.worker import JobWorker
from service.config import Settings, get_settings
from service.llm.base import LLM
from service.store import Database

DESCRIPTION = """Grounded structured summaries of news articles for newsroom systems.

Every `/v1` endpoint needs `Authorization: Bearer <key>` (create keys with
`summarise keys create --name NAME`). Errors are RFC 9457 problem details with a stable `code`.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.summariser
    worker: JobWorker = app.state.worker
    state.llm.start()
    if app.state.start_worker:
        await worker.start()
    try:
        yield
    finally:
        await worker.stop()
        await state.llm.aclose()
        if state.http is not None:
            await state.http.aclose()
        state.db.dispose()


def create_app(
    settings: Settings | None = None, *, llm: LLM | None = None, start_worker: bool = True
) -> FastAPI:
    """Build the service.

    Args:
        settings: Defaults to the environment (``SUMMARISER_*``, ``.env``).
        llm: A ready model (tests); by default ``open_llm`` runs in the background at startup.
        start_worker: Run the job worker in this process (on by default).

    Returns:
        The ASGI app; its lifespan opens the model and runs the worker.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    metrics = Metrics()
    state = AppState(
        settings=settings,
        db=Database(settings.database_url),
        metrics=metrics,
        llm=LLMHolder(settings, metrics, llm),
    )
    app = FastAPI(
        title="Newsroom summariser", version="1.0.0", description=DESCRIPTION, lifespan=_lifespan
    )
    app.state.summariser = state
    app.state.worker = JobWorker(state)
    app.state.start_worker = start_worker
    problems.install(app)
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    for module in (summaries, jobs, batches, usage, health):
        app.include_router(module.router)
    return app
