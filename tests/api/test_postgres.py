"""The whole API flow on PostgreSQL: sync summary, cache hit, job, batch, usage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from api_fakes import ARTICLE, FakeLLM, make_settings

from service.api import create_app
from service.store.keys import create_key

pytestmark = pytest.mark.postgres


async def test_api_on_postgres(tmp_path: Path, pg_url: str) -> None:
    llm = FakeLLM()
    app = create_app(make_settings(tmp_path, database_url=pg_url), llm=llm)
    _, token = create_key(app.state.summariser.db, "pg")
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        assert (await c.post("/v1/summaries", json=ARTICLE, headers=auth)).status_code == 200
        cached = await c.post("/v1/summaries", json=ARTICLE, headers=auth)
        assert cached.headers["x-summariser-cached"] == "true"
        job = await c.post("/v1/jobs", json={**ARTICLE, "title": "pg"}, headers=auth)
        batch = await c.post("/v1/batches", json={"items": [ARTICLE]}, headers=auth)
        for _ in range(100):
            view = (await c.get(job.headers["location"], headers=auth)).json()
            items = (await c.get(batch.headers["location"], headers=auth)).json()
            if view["status"] == "succeeded" and items["counts"]["succeeded"] == 1:
                break
            await asyncio.sleep(0.05)
        assert view["status"] == "succeeded" and items["counts"]["succeeded"] == 1
        usage = (await c.get("/v1/usage", headers=auth)).json()
        assert usage["total"]["requests"] == 4 and usage["total"]["cached"] == 2
        assert (await c.get("/readyz")).status_code == 200
