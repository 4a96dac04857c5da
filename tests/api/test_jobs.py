"""Jobs, SSE progress, webhooks with signatures and retries, delivery log, batches."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE, FakeLLM, WebhookReceiver
from fastapi import FastAPI
from standardwebhooks import Webhook, WebhookVerificationError

from service.errors import InvalidOutputError, ProviderUnavailableError
from service.jobs.webhooks import verify
from service.store import jobs as job_store
from service.store.keys import create_key, find_key, new_webhook_secret


async def wait_for(
    client: httpx.AsyncClient,
    url: str,
    auth: dict[str, str],
    until: tuple[str, ...] = ("succeeded", "failed"),
) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = (await client.get(url, headers=auth)).json()
        if body["status"] in until:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never reached {until}")


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


async def test_job_lifecycle(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.post("/v1/jobs", json=ARTICLE, headers=auth)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["status"] in ("queued", "running")
    done = await wait_for(client, r.headers["location"], auth)
    assert done["status"] == "succeeded", done
    assert done["result"]["meta"]["model"] == "fake-model"
    assert done["progress"]["chunks_done"] == done["progress"]["chunks_total"] >= 1


async def test_sse_streams_progress_then_result(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    fake_llm.delay_s = 0.1
    job = (await client.post("/v1/jobs", json=ARTICLE, headers=auth)).json()
    r = await client.get(f"/v1/jobs/{job['id']}/events", headers=auth)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    names = [name for name, _ in events]
    assert names[0] == "progress" and names[-1] == "succeeded"
    assert events[-1][1]["result"]["meta"]["model"] == "fake-model"


async def test_unknown_and_foreign_jobs_are_404(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]
) -> None:
    for path in (
        "/v1/jobs/nope",
        "/v1/jobs/nope/events",
        "/v1/jobs/nope/deliveries",
        "/v1/batches/nope",
    ):
        r = await client.get(path, headers=auth)
        assert r.status_code == 404 and r.json()["code"] in ("job_not_found", "batch_not_found")
    job = (await client.post("/v1/jobs", json=ARTICLE, headers=auth)).json()
    _, other = create_key(app.state.summariser.db, "other newsroom")
    r = await client.get(f"/v1/jobs/{job['id']}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404 and r.json()["code"] == "job_not_found"


async def test_job_idempotency_key(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    headers = {**auth, "Idempotency-Key": "story-1041-v1"}
    first = await client.post("/v1/jobs", json=ARTICLE, headers=headers)
    await wait_for(client, first.headers["location"], auth)
    calls = len(fake_llm.calls)
    again = await client.post("/v1/jobs", json=ARTICLE, headers=headers)
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    fresh = await client.post("/v1/jobs", json=ARTICLE, headers=auth)
    done = await wait_for(client, fresh.headers["location"], auth)
    assert done["cached"] is True and len(fake_llm.calls) == calls
    clash = await client.post("/v1/jobs", json={**ARTICLE, "title": "other"}, headers=headers)
    assert clash.status_code == 422 and clash.json()["code"] == "idempotency_key_reused"


async def test_job_input_errors_rejected_at_submission(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    r = await client.post("/v1/jobs", json={"text": "   "}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "empty_input"
    r = await client.post("/v1/jobs", json={**ARTICLE, "callback_url": "not a url"}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_failed_job_reports_error(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    fake_llm.fail = InvalidOutputError("model kept answering nonsense")
    r = await client.post("/v1/jobs", json=ARTICLE, headers=auth)
    done = await wait_for(client, r.headers["location"], auth)
    assert done["status"] == "failed"
    assert done["error"]["code"] == "llm_invalid_output" and done["result"] is None
    events = parse_sse((await client.get(f"/v1/jobs/{done['id']}/events", headers=auth)).text)
    assert events == [("failed", events[0][1])]


async def test_webhook_signed_retried_and_logged(
    client: httpx.AsyncClient, app: FastAPI, api_key: str, auth: dict[str, str]
) -> None:
    secret = find_key(app.state.summariser.db, api_key).webhook_secret  # type: ignore[union-attr]
    app.state.summariser.settings.webhook_allow_hosts = ["127.0.0.1"]  # the receiver's host
    with WebhookReceiver(statuses=[500, 503]) as hook:
        r = await client.post("/v1/jobs", json={**ARTICLE, "callback_url": hook.url}, headers=auth)
        job_id = r.json()["id"]
        for _ in range(200):
            if hook.event.is_set():
                break
            await asyncio.sleep(0.05)
        assert len(hook.received) == 3
        headers, body = hook.received[-1]
        assert verify(
            secret, headers["x-summariser-timestamp"], body, headers["x-summariser-signature"]
        )
        assert not verify(
            "whsec_wrong",
            headers["x-summariser-timestamp"],
            body,
            headers["x-summariser-signature"],
        )
        assert not verify(secret, "1000", body, headers["x-summariser-signature"])
        # the Standard Webhooks headers verify with the off-the-shelf library
        assert Webhook(secret).verify(body, headers)["job"]["id"] == job_id
        with pytest.raises(WebhookVerificationError):
            Webhook(new_webhook_secret()).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body + b" ", headers)
        ids = {h["webhook-id"] for h, _ in hook.received}
        assert len(ids) == 1 and ids == {h["x-summariser-delivery"] for h, _ in hook.received}
        payload = json.loads(body)
        assert payload["event"] == "job.succeeded" and payload["job"]["id"] == job_id
    await asyncio.sleep(0.1)
    log = (await client.get(f"/v1/jobs/{job_id}/deliveries", headers=auth)).json()
    assert [(d["attempt"], d["status_code"], d["ok"]) for d in log] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert len({d["delivery_id"] for d in log}) == 1
    assert (await client.get(f"/v1/jobs/{job_id}", headers=auth)).json()["webhook"] == "delivered"


async def test_webhook_gives_up_after_max_attempts(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]
) -> None:
    app.state.summariser.settings.webhook_max_attempts = 2
    app.state.summariser.settings.webhook_allow_hosts = ["127.0.0.0/8"]
    with WebhookReceiver(statuses=[500] * 5) as hook:
        r = await client.post("/v1/jobs", json={**ARTICLE, "callback_url": hook.url}, headers=auth)
        job = await wait_for(client, r.headers["location"], auth)
        for _ in range(100):
            job = (await client.get(r.headers["location"], headers=auth)).json()
            if job["webhook"] != "pending":
                break
            await asyncio.sleep(0.05)
    assert job["webhook"] == "failed" and len(hook.received) == 2
    stored = job_store.get_job(app.state.summariser.db, job["id"])
    assert stored is not None and stored.webhook_attempts == 2


async def test_batch(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    items = [
        {**ARTICLE, "ref": "a"},
        {
            "html": "<html><body><article><p>" + ARTICLE["text"] + "</p></article></body></html>",
            "ref": "b",
        },
    ]
    r = await client.post("/v1/batches", json={"items": items}, headers=auth)
    assert r.status_code == 202, r.text
    batch = r.json()
    assert r.headers["location"] == f"/v1/batches/{batch['id']}"
    assert [i["ref"] for i in batch["items"]] == ["a", "b"]
    for _ in range(200):
        batch = (await client.get(r.headers["location"], headers=auth)).json()
        if batch["counts"]["succeeded"] + batch["counts"]["failed"] == 2:
            break
        await asyncio.sleep(0.05)
    assert batch["counts"]["succeeded"] == 2, batch
    assert all(i["batch_id"] == batch["id"] for i in batch["items"])


async def test_batch_errors(client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]) -> None:
    r = await client.post("/v1/batches", json={"items": [ARTICLE, {"text": " "}]}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "empty_input" and r.json()["item"] == 1
    assert (await client.post("/v1/batches", json={"items": []}, headers=auth)).status_code == 422
    app.state.summariser.settings.batch_max_items = 1
    r = await client.post("/v1/batches", json={"items": [ARTICLE, ARTICLE]}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "batch_too_large"


async def test_job_waits_for_unavailable_model_then_finishes(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    app.state.summariser.settings.llm_retry_after_s = 1
    fake_llm.fail, fake_llm.fail_calls = ProviderUnavailableError("down", retry_after=1), 1
    r = await client.post("/v1/jobs", json=ARTICLE, headers=auth)
    waiting = await wait_for(client, r.headers["location"], auth, until=("queued",))
    assert waiting["progress"]["stage"] in ("waiting_for_model", None)
    done = await wait_for(client, r.headers["location"], auth)
    assert done["status"] == "succeeded" and done["attempts"] == 2


async def test_job_fails_when_model_stays_unavailable(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    app.state.summariser.settings.job_max_attempts = 1
    fake_llm.fail = ProviderUnavailableError("down", retry_after=1)
    r = await client.post("/v1/jobs", json=ARTICLE, headers=auth)
    done = await wait_for(client, r.headers["location"], auth)
    assert done["status"] == "failed" and done["error"]["code"] == "llm_unavailable"
