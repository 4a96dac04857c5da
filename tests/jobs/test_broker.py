"""Broker mode against the real Redis (and RabbitMQ): `summarise worker` processes consume jobs
that the API enqueues; SSE, webhooks and usage as in-process; a worker killed mid-job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE, FakeOpenAI, WebhookReceiver, make_settings
from broker_fakes import flush_redis, require_rabbitmq, require_redis, worker_env, workers
from fastapi import FastAPI
from sqlalchemy import func, select

from service.api import create_app
from service.jobs.webhooks import verify
from service.store.keys import create_key, find_key
from service.store.models import UsageRecord

pytestmark = [pytest.mark.redis, pytest.mark.server]


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = require_redis()
    yield url
    flush_redis()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(delay_s=0.05) as fake:
        yield fake


def api(tmp_path: Path, broker: str, llm_url: str, **extra: Any) -> FastAPI:
    settings = make_settings(
        tmp_path,
        database_url=f"sqlite:///{tmp_path / 'jobs.db'}",
        broker_url=broker,
        llm_base_url=llm_url,
        llm_model="fake",
        llm_max_retries=0,
        webhook_allow_hosts=["127.0.0.1"],  # the loopback webhook receiver
        **extra,
    )
    return create_app(settings)


async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def auth_for(app: FastAPI) -> dict[str, str]:
    _, token = create_key(app.state.summariser.db, "cms")
    return {"Authorization": f"Bearer {token}"}


async def wait_done(c: httpx.AsyncClient, url: str, auth: dict[str, str], tries: int = 600) -> Any:
    for _ in range(tries):
        body = (await c.get(url, headers=auth)).json()
        if body.get("status") in ("succeeded", "failed") or (
            "counts" in body
            and (body["counts"]["succeeded"] + body["counts"]["failed"] == len(body["items"]))
        ):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never finished: {body}")


def usage_rows(app: FastAPI) -> dict[str | None, int]:
    with app.state.summariser.db.session() as s:
        rows = s.execute(select(UsageRecord.job_id, func.count()).group_by(UsageRecord.job_id))
        return {job_id: int(n) for job_id, n in rows}


async def test_two_workers_consume_a_batch(
    tmp_path: Path, redis_url: str, fake_openai: FakeOpenAI
) -> None:
    app = api(tmp_path, redis_url, fake_openai.url)
    auth = auth_for(app)
    env = worker_env(tmp_path, redis_url, fake_openai.url)
    items = [
        {**ARTICLE, "text": f"{ARTICLE['text']}\n\nUpdate {i}.", "ref": f"s{i}"} for i in range(8)
    ]
    with workers(env, "w1", "w2") as (w1, w2):
        async for c in client_for(app):
            r = await c.post("/v1/batches", json={"items": items}, headers=auth)
            assert r.status_code == 202, r.text
            batch = await wait_done(c, r.headers["location"], auth)
    assert batch["counts"]["succeeded"] == 8, batch
    assert all(item["attempts"] == 1 for item in batch["items"])
    assert w1.count("job_succeeded") >= 1 and w2.count("job_succeeded") >= 1
    assert w1.count("job_succeeded") + w2.count("job_succeeded") == 8
    usage = usage_rows(app)
    assert all(usage.get(item["id"]) == 1 for item in batch["items"]), usage


async def test_sse_and_webhook_in_broker_mode(
    tmp_path: Path, redis_url: str, fake_openai: FakeOpenAI
) -> None:
    app = api(tmp_path, redis_url, fake_openai.url)
    auth = auth_for(app)
    env = worker_env(tmp_path, redis_url, fake_openai.url)
    with WebhookReceiver() as hook, workers(env, "w1"):
        async for c in client_for(app):
            body = {**ARTICLE, "callback_url": hook.url}
            job = (await c.post("/v1/jobs", json=body, headers=auth)).json()
            r = await c.get(f"/v1/jobs/{job['id']}/events", headers=auth)
            events = [
                (block.split("event: ")[1].split("\n")[0], block)
                for block in r.text.replace("\r\n", "\n").split("\n\n")
                if "event: " in block
            ]
            assert events[0][0] == "progress" and events[-1][0] == "succeeded", r.text
            assert await asyncio.to_thread(hook.event.wait, 30), "no webhook arrived"
            done = await wait_done(c, f"/v1/jobs/{job['id']}", auth)
            for _ in range(100):  # the delivery is recorded right after the receiver answers
                if (await c.get(f"/v1/jobs/{job['id']}", headers=auth)).json()[
                    "webhook"
                ] == "delivered":
                    break
                await asyncio.sleep(0.1)
            deliveries = (await c.get(f"/v1/jobs/{job['id']}/deliveries", headers=auth)).json()
    assert done["status"] == "succeeded"
    headers, raw = hook.received[0]
    secret = find_key(app.state.summariser.db, auth["Authorization"][7:]).webhook_secret  # type: ignore[union-attr]
    assert verify(secret, headers["x-summariser-timestamp"], raw, headers["x-summariser-signature"])
    assert json.loads(raw)["event"] == "job.succeeded"
    assert len(hook.received) == 1 and [d["ok"] for d in deliveries] == [True]


async def test_worker_killed_mid_job_leaves_it_to_another(tmp_path: Path, redis_url: str) -> None:
    fast_redelivery = {
        "SUMMARISER_BROKER_VISIBILITY_TIMEOUT_S": "3",
        "SUMMARISER_JOB_LEASE_S": "3",
    }
    with FakeOpenAI(delay_s=1.5) as slow:
        app = api(tmp_path, redis_url, slow.url, broker_visibility_timeout_s=3)
        auth = auth_for(app)
        env = worker_env(tmp_path, redis_url, slow.url, **fast_redelivery)
        async for c in client_for(app):
            job = (await c.post("/v1/jobs", json=ARTICLE, headers=auth)).json()
            url = f"/v1/jobs/{job['id']}"
            with workers(env, "doomed") as (doomed,):
                for _ in range(300):  # until the worker is inside the model call
                    if slow.requests:
                        break
                    await asyncio.sleep(0.1)
                assert slow.requests, "the job never reached the model"
                doomed.kill()
            assert (await c.get(url, headers=auth)).json()["status"] == "running"
            with workers(env, "rescuer") as (rescuer,):
                done = await wait_done(c, url, auth)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    assert rescuer.count("job_succeeded") == 1
    assert usage_rows(app) == {job["id"]: 1}  # booked once, by the attempt that finished


@pytest.mark.rabbitmq
async def test_rabbitmq_broker(tmp_path: Path, redis_url: str, fake_openai: FakeOpenAI) -> None:
    amqp = require_rabbitmq()
    app = api(tmp_path, amqp, fake_openai.url, redis_url=redis_url)
    auth = auth_for(app)
    env = worker_env(tmp_path, amqp, fake_openai.url, SUMMARISER_REDIS_URL=redis_url)
    with workers(env, "rabbit"):
        async for c in client_for(app):
            job = (await c.post("/v1/jobs", json=ARTICLE, headers=auth)).json()
            done = await wait_done(c, f"/v1/jobs/{job['id']}", auth)
    assert done["status"] == "succeeded", done
