"""The summary store is shared by all keys, but only a key that had a summary is told it came
from the store (issue 9, item 5): another key submitting the same article gets it as its own run
(``cached: false``, its own usage with the run's tokens, progress events), no model call."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from api_fakes import ARTICLE, FakeLLM
from fastapi import FastAPI
from test_jobs import parse_sse, wait_for

from service.store.keys import create_key


def _key(app: FastAPI, name: str) -> dict[str, str]:
    _, token = create_key(app.state.summariser.db, name)
    return {"Authorization": f"Bearer {token}"}


async def _usage(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get("/v1/usage", headers=auth)).json()
    return body


async def test_another_key_is_not_told_the_summary_was_stored(
    client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeLLM
) -> None:
    desk_a, desk_b = _key(app, "desk a"), _key(app, "desk b")
    first = await client.post("/v1/summaries", json=ARTICLE, headers=desk_a)
    assert first.headers["x-summariser-cached"] == "false"
    calls = len(fake_llm.calls)
    assert (await client.post("/v1/summaries", json=ARTICLE, headers=desk_a)).headers[
        "x-summariser-cached"
    ] == "true"

    other = await client.post("/v1/summaries", json=ARTICLE, headers=desk_b)
    assert other.status_code == 200
    assert other.headers["x-summariser-cached"] == "false"  # no tell...
    assert other.json() == first.json()  # ...but the same summary
    assert len(fake_llm.calls) == calls  # ...and no model call
    again = await client.post("/v1/summaries", json=ARTICLE, headers=desk_b)
    assert again.headers["x-summariser-cached"] == "true"  # desk b has had it now

    meta = first.json()["meta"]
    b = await _usage(client, desk_b)
    assert b["total"]["requests"] == 2 and b["total"]["cached"] == 1
    assert b["total"]["tokens_in"] == meta["tokens_in"] > 0
    assert b["total"]["llm_calls"] == meta["llm_calls"]
    reused = b["recent"][-1]
    assert reused["cached"] is False and reused["tokens_out"] == meta["tokens_out"]
    a = await _usage(client, desk_a)
    assert a["total"]["requests"] == 2 and a["total"]["tokens_in"] == meta["tokens_in"]


async def test_another_keys_job_runs_as_its_own(
    client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeLLM
) -> None:
    desk_a, desk_b = _key(app, "desk a"), _key(app, "desk b")
    r = await client.post("/v1/jobs", json=ARTICLE, headers=desk_a)
    done_a = await wait_for(client, r.headers["location"], desk_a)
    assert done_a["status"] == "succeeded" and done_a["cached"] is False
    calls = len(fake_llm.calls)

    r = await client.post("/v1/jobs", json=ARTICLE, headers=desk_b)
    assert r.status_code == 202 and r.json()["id"] != done_a["id"]
    events = parse_sse((await client.get(r.headers["location"] + "/events", headers=desk_b)).text)
    done_b = events[-1][1]
    assert events[-1][0] == "succeeded" and done_b["cached"] is False
    assert done_b["result"] == done_a["result"] and len(fake_llm.calls) == calls
    stages = {v["progress"]["stage"] for name, v in events if name == "progress"}
    assert "extract" in stages  # progress is reported as a run reports it
    assert done_b["progress"] == done_a["progress"]
    b = await _usage(client, desk_b)
    assert b["total"]["cached"] == 0
    assert b["total"]["tokens_in"] == done_a["result"]["meta"]["tokens_in"]

    r = await client.post("/v1/jobs", json=ARTICLE, headers=desk_b)
    assert (await wait_for(client, r.headers["location"], desk_b))["cached"] is True


async def test_batch_items_of_another_key_are_not_cached(
    client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeLLM
) -> None:
    desk_a, desk_b = _key(app, "desk a"), _key(app, "desk b")
    assert (await client.post("/v1/summaries", json=ARTICLE, headers=desk_a)).status_code == 200
    calls = len(fake_llm.calls)
    r = await client.post("/v1/batches", json={"items": [{**ARTICLE, "ref": "x"}]}, headers=desk_b)
    assert r.status_code == 202, r.text
    for _ in range(200):
        batch = (await client.get(r.headers["location"], headers=desk_b)).json()
        if batch["counts"]["succeeded"]:
            break
        await asyncio.sleep(0.05)
    assert batch["items"][0]["status"] == "succeeded" and batch["items"][0]["cached"] is False
    assert len(fake_llm.calls) == calls
