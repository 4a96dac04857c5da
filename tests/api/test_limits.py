"""Body size limit (checked before the body is read in full), auth, rate limits, token budgets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from api_fakes import ARTICLE, FakeLLM, make_settings
from fastapi import FastAPI

from service.api import create_app
from service.store.keys import create_key, revoke_key


async def test_oversize_content_length_refused_without_reading(app: FastAPI) -> None:
    limit = app.state.summariser.settings.max_body_bytes
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        raise AssertionError("the body must not be read")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/summaries",
        "raw_path": b"/v1/summaries",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("t", 80),
        "http_version": "1.1",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(limit + 1).encode()),
        ],
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 413


async def test_oversize_stream_stops_at_limit(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    limit = client._transport.app.state.summariser.settings.max_body_bytes  # type: ignore[attr-defined]
    chunk = b" " * 65536
    total = limit // len(chunk) * 3
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(total):
            pulled += 1
            yield chunk

    r = await client.post(
        "/v1/summaries", content=body(), headers={**auth, "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    assert pulled <= limit // len(chunk) + 2 < total


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_api_key"),
        ("Bearer sk_nope", "invalid_api_key"),
        ("Basic abc", "missing_api_key"),
    ],
)
async def test_auth_failures(client: httpx.AsyncClient, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header else {}
    for method, path in (("POST", "/v1/summaries"), ("GET", "/v1/jobs/x"), ("GET", "/v1/usage")):
        r = await client.request(method, path, json=ARTICLE, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == code
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_revoked_key(
    client: httpx.AsyncClient, app: FastAPI, api_key: str, auth: dict[str, str]
) -> None:
    assert (await client.get("/v1/usage", headers=auth)).status_code == 200
    revoke_key(app.state.summariser.db, api_key[:10])
    r = await client.get("/v1/usage", headers=auth)
    assert r.status_code == 401 and r.json()["code"] == "revoked_api_key"


async def test_open_endpoints_need_no_key(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert (await client.get(path)).status_code == 200, path


async def test_auth_can_be_switched_off(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, require_auth=False), llm=FakeLLM())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        assert (await c.post("/v1/summaries", json=ARTICLE)).status_code == 200
        r = await c.post("/v1/jobs", json={**ARTICLE, "callback_url": "http://127.0.0.1:9/h"})
        assert r.status_code == 422 and r.json()["code"] == "webhook_secret_missing"


async def test_rate_limit_per_key(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]
) -> None:
    _, limited = create_key(app.state.summariser.db, "tight", rate_limit_per_minute=2)
    tight = {"Authorization": f"Bearer {limited}"}
    for _ in range(2):
        assert (await client.post("/v1/summaries", json=ARTICLE, headers=tight)).status_code == 200
    r = await client.post("/v1/summaries", json=ARTICLE, headers=tight)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert (await client.post("/v1/summaries", json=ARTICLE, headers=auth)).status_code == 200
    assert (await client.get("/v1/usage", headers=tight)).status_code == 200


async def test_token_budget(client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeLLM) -> None:
    _, token = create_key(app.state.summariser.db, "budget", token_budget_per_day=10)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/v1/summaries", json=ARTICLE, headers=headers)).status_code == 200
    r = await client.post("/v1/jobs", json=ARTICLE, headers=headers)
    assert r.status_code == 429 and r.json()["code"] == "token_budget_exceeded"
    assert 1 <= int(r.headers["retry-after"]) <= 86400


async def test_usage_per_key_and_request(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    await client.post("/v1/summaries", json=ARTICLE, headers={**auth, "X-Request-ID": "req-1"})
    await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    usage = (await client.get("/v1/usage", headers=auth)).json()
    assert usage["total"]["requests"] == 2 and usage["total"]["cached"] == 1
    assert usage["total"]["llm_calls"] == len(fake_llm.calls)
    assert usage["total"]["tokens_in"] == 100 * len(fake_llm.calls)
    first = usage["recent"][-1]
    assert first["request_id"] == "req-1" and first["endpoint"] == "summaries"
    assert usage["recent"][0]["cached"] is True and usage["recent"][0]["tokens_in"] == 0
