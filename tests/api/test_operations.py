"""Health, readiness, Prometheus metrics, OpenAPI and the JSON logs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from api_fakes import ARTICLE, FakeOpenAI, make_settings

from service.api import create_app
from service.jobs.logs import configure_logging


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_readyz_ok(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"]["database"]["ok"] and r.json()["checks"]["model"]["ok"]


async def test_readyz_probes_remote_model(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = make_settings(tmp_path, llm_base_url=fake.url, llm_model="fake")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                for _ in range(50):
                    r = await c.get("/readyz")
                    if r.status_code == 200:
                        break
                assert r.status_code == 200, r.text
            fake.server.shutdown()
            fake.server.server_close()
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                r = await c.get("/readyz")
                assert r.status_code == 503 and r.json()["checks"]["model"]["ok"] is False


async def test_model_not_ready_is_503(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_model=None)
    app = create_app(settings)  # no model name: open_llm refuses, the model never becomes ready
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        _, token = __import__("service.store.keys", fromlist=["x"]).create_key(
            app.state.summariser.db, "k"
        )
        r = await c.post(
            "/v1/summaries", json=ARTICLE, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 503 and r.json()["code"] == "llm_unavailable"
        assert int(r.headers["retry-after"]) == settings.llm_retry_after_s
        ready = await c.get("/readyz")
        assert ready.status_code == 503 and "SUMMARISER_LLM_MODEL" in ready.text


async def test_metrics(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    text = (await client.get("/metrics")).text
    assert (
        'summariser_http_requests_total{method="POST",route="/v1/summaries",status="200"} 2.0'
        in text
    )
    assert "summariser_http_request_duration_seconds_bucket" in text
    assert (
        "summariser_llm_calls_total" in text
        and 'summariser_llm_tokens_total{direction="in"}' in text
    )
    assert "summariser_cache_hits_total 1.0" in text
    assert 'summariser_queue_depth{status="queued"}' in text


async def test_openapi_documents_endpoints_with_examples(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    for path in (
        "/v1/summaries",
        "/v1/jobs",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/events",
        "/v1/jobs/{job_id}/deliveries",
        "/v1/batches",
        "/v1/batches/{batch_id}",
        "/v1/usage",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in doc["paths"], path
    schemas = doc["components"]["schemas"]
    assert schemas["SummaryRequest"]["examples"] and schemas["JobRequest"]["examples"]
    assert "ApiKey" in doc["components"]["securitySchemes"]
    assert "422" in doc["paths"]["/v1/summaries"]["post"]["responses"]


async def test_logs_are_json_without_article_text_or_key(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    api_key: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO")  # bind the handler to the captured stderr
    await client.post("/v1/summaries", json=ARTICLE, headers={**auth, "X-Request-ID": "trace-42"})
    r = await client.post("/v1/jobs", json=ARTICLE, headers=auth)
    status = None
    for _ in range(200):  # up to 10 s: under load 100 back-to-back polls could end before it did
        status = (await client.get(r.headers["location"], headers=auth)).json()["status"]
        if status == "succeeded":
            break
        await asyncio.sleep(0.05)
    assert status == "succeeded"
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(e.get("request_id") == "trace-42" and e["event"] == "request" for e in lines)
    assert any(e.get("job_id") == r.json()["id"] and e["event"] == "job_succeeded" for e in lines)
    assert "fisheries" not in err and api_key not in err


async def test_embedded_model_failing_to_start_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object, **__: object) -> str:
        raise RuntimeError("llama.cpp could not bind")

    monkeypatch.setattr("service.llm.local.ensure_local_server", broken)
    app = create_app(make_settings(tmp_path, llm_base_url=None))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        assert (await c.get("/healthz")).status_code == 200
        ready = await c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["model"]["ok"] is False
        assert ready.json()["checks"]["database"]["ok"] is True
