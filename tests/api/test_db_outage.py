"""The database going away: 503 ``database_unavailable`` with ``Retry-After`` (never a 500),
``/readyz`` reports it, and the service recovers by itself when the database is back, including
a job whose run the outage cut off.

PostgreSQL is reached through a loopback TCP proxy (tests/api/db_proxy.py) that the test closes
(connection refused), turns into a black hole that drops every connection, and restores.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE, FakeOpenAI, make_settings
from db_proxy import DatabaseProxy
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from service.api import create_app
from service.store.keys import create_key

pytestmark = pytest.mark.postgres
DEADLINE_S = 60


@pytest.fixture
def proxy() -> Iterator[DatabaseProxy]:
    proxy = DatabaseProxy(5432)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def app(tmp_path: Path, pg_url: str, proxy: DatabaseProxy, model: FakeOpenAI) -> FastAPI:
    url = make_url(pg_url).set(host="127.0.0.1", port=proxy.port)
    settings = make_settings(
        tmp_path,
        database_url=url.render_as_string(hide_password=False),
        llm_base_url=model.url,
        llm_model="fake",
        llm_max_retries=0,
    )
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    _, token = create_key(app.state.summariser.db, "outage")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://t",
            headers={"Authorization": f"Bearer {token}"},
        ) as c,
    ):
        await until_ready(c)
        yield c


async def until_ready(c: httpx.AsyncClient) -> httpx.Response:
    deadline = time.monotonic() + DEADLINE_S
    while (r := await c.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, r.text
        await asyncio.sleep(0.05)
    return r


async def until_finished(c: httpx.AsyncClient, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_S
    while (job := (await c.get(url)).json())["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.05)
    return job


def assert_database_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "database_unavailable"
    assert body["type"] == "urn:summariser:problem:database_unavailable"
    assert int(r.headers["retry-after"]) == body["retry_after"] > 0
    assert "127.0.0.1" not in r.text and "5432" not in r.text  # no driver message leaks


@pytest.mark.parametrize("outage", ["refused", "dropped"])
async def test_requests_get_503_and_recover(
    client: httpx.AsyncClient, proxy: DatabaseProxy, outage: str
) -> None:
    assert (await client.post("/v1/summaries", json=ARTICLE)).status_code == 200
    before = await client.post("/v1/jobs", json={**ARTICLE, "title": "before"})
    assert before.status_code == 202
    assert (await until_finished(client, before.headers["location"]))["status"] == "succeeded"

    proxy.stop() if outage == "refused" else proxy.reject()
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    database = ready.json()["checks"]["database"]
    assert database["ok"] is False and database["detail"].startswith("database_unavailable: ")
    fresh = {**ARTICLE, "title": f"during {outage}"}
    for r in (
        await client.post("/v1/summaries", json=fresh),
        await client.post("/v1/jobs", json=fresh),
        await client.post("/v1/batches", json={"items": [fresh]}),
        await client.get(before.headers["location"]),
        await client.get("/v1/usage"),
    ):
        assert_database_unavailable(r)
    assert (await client.get("/healthz")).status_code == 200  # alive, only not ready
    assert (await client.get("/metrics")).status_code == 200  # monitoring keeps working

    proxy.start()
    await until_ready(client)
    assert (await client.post("/v1/summaries", json=fresh)).status_code == 200
    after = await client.post("/v1/jobs", json={**ARTICLE, "title": "after"})
    assert after.status_code == 202
    assert (await until_finished(client, after.headers["location"]))["status"] == "succeeded"
    assert (await client.get(before.headers["location"])).json()["status"] == "succeeded"


async def test_job_cut_off_by_an_outage_runs_again_without_restart(
    client: httpx.AsyncClient, proxy: DatabaseProxy, model: FakeOpenAI
) -> None:
    model.gate.clear()  # the job's first model call waits until the database is gone
    model.arrived.clear()
    r = await client.post("/v1/jobs", json={**ARTICLE, "title": "cut off"})
    assert r.status_code == 202
    url = r.headers["location"]
    assert await asyncio.to_thread(model.arrived.wait, DEADLINE_S)
    assert (await client.get(url)).json()["status"] == "running"

    proxy.reject()
    seen = proxy.rejected
    model.gate.set()  # the call returns; saving the job's progress finds no database
    deadline = time.monotonic() + DEADLINE_S
    while proxy.rejected < seen + 3:  # the job's write, then the worker's tries to requeue it
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert_database_unavailable(await client.get(url))

    proxy.start()
    job = await until_finished(client, url)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2  # cut off once, never failed for the outage
    assert job["result"]["meta"]["model"] == "fake"
