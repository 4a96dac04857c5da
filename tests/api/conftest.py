"""Fixtures: an app on a fresh SQLite file with a fake model, an httpx ASGI client, API keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from api_fakes import FakeLLM, make_settings
from fastapi import FastAPI

from service.api import create_app
from service.config import Settings
from service.store.keys import create_key


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def app(settings: Settings, fake_llm: FakeLLM) -> FastAPI:
    return create_app(settings, llm=fake_llm)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture
def api_key(app: FastAPI) -> str:
    _, token = create_key(app.state.summariser.db, "tests")
    return token


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database on 127.0.0.1:5432, dropped after the test."""
    import os
    import uuid

    import psycopg

    admin_url = os.environ.get(
        "SUMMARISER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(
            f"PostgreSQL not reachable at {admin_url} ({type(exc).__name__}); "
            "set SUMMARISER_TEST_PG_URL to run the PostgreSQL tests"
        )
    name = f"summariser_api_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
