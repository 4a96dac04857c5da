"""POST /v1/summaries: results, caching/idempotency, and every input and protocol error."""

from __future__ import annotations

import httpx
from api_fakes import ARTICLE, FakeLLM

from service.errors import ProviderUnavailableError


async def test_summary_returns_structured_summary(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    r = await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"]["model"] == "fake-model"
    assert body["meta"]["llm_calls"] == len(fake_llm.calls) > 0
    assert r.headers["x-summariser-cached"] == "false"
    assert r.headers["x-request-id"]


async def test_identical_article_is_served_from_store(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    first = await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    calls = len(fake_llm.calls)
    second = await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    assert second.status_code == 200
    assert second.headers["x-summariser-cached"] == "true"
    assert len(fake_llm.calls) == calls
    assert second.json() == first.json()
    changed = await client.post(
        "/v1/summaries", headers=auth, json={**ARTICLE, "options": {"keep_ungrounded": True}}
    )
    assert changed.headers["x-summariser-cached"] == "false"
    assert len(fake_llm.calls) > calls


async def test_idempotency_key_reused_for_other_body(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "Idempotency-Key": "abc-1"}
    assert (await client.post("/v1/summaries", json=ARTICLE, headers=headers)).status_code == 200
    again = await client.post("/v1/summaries", json=ARTICLE, headers=headers)
    assert again.status_code == 200 and again.headers["x-summariser-cached"] == "true"
    other = await client.post("/v1/summaries", json={**ARTICLE, "title": "x"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def _problem(r: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code
    assert body["type"] == f"urn:summariser:problem:{code}"
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in r.text
    return dict(body)


async def test_invalid_json(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.post(
        "/v1/summaries", content=b'{"text": ', headers={**auth, "Content-Type": "application/json"}
    )
    _problem(r, 400, "invalid_json")


async def test_missing_text(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    _problem(
        await client.post("/v1/summaries", json={"title": "t"}, headers=auth), 422, "missing_text"
    )


async def test_empty_and_whitespace_article(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    for text in ("", "  \n\t  "):
        r = await client.post("/v1/summaries", json={"text": text}, headers=auth)
        _problem(r, 422, "empty_input")


async def test_non_utf8_body(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    body = '{"text": "Caf\u00e9 society"}'.encode("latin-1")
    r = await client.post(
        "/v1/summaries", content=body, headers={**auth, "Content-Type": "application/json"}
    )
    _problem(r, 400, "bad_encoding")


async def test_non_utf8_charset_is_unsupported(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    r = await client.post(
        "/v1/summaries",
        content=b'{"text": "x"}',
        headers={**auth, "Content-Type": "application/json; charset=latin-1"},
    )
    _problem(r, 415, "unsupported_media_type")


async def test_unsupported_media_type(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.post(
        "/v1/summaries", content=b"plain words", headers={**auth, "Content-Type": "text/plain"}
    )
    _problem(r, 415, "unsupported_media_type")


async def test_schema_violation(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.post("/v1/summaries", json={"text": "x", "colour": "red"}, headers=auth)
    body = _problem(r, 422, "validation_error")
    assert body["errors"]


async def test_oversize_article(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    settings = client._transport.app.state.summariser.settings  # type: ignore[attr-defined]
    text = "word " * (settings.max_input_chars // 5 + 10)
    _problem(
        await client.post("/v1/summaries", json={"text": text}, headers=auth),
        413,
        "input_too_large",
    )


async def test_llm_unavailable_is_503_with_retry_after(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    fake_llm.fail = ProviderUnavailableError("endpoint down", retry_after=7)
    r = await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    _problem(r, 503, "llm_unavailable")
    assert r.headers["retry-after"] == "7"


async def test_deadline_exceeded(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    client._transport.app.state.summariser.settings.sync_deadline_s = 0.05  # type: ignore[attr-defined]
    fake_llm.delay_s = 1.0
    r = await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    _problem(r, 504, "deadline_exceeded")


async def test_unknown_route_and_method(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    _problem(await client.get("/v1/nothing", headers=auth), 404, "not_found")
    _problem(await client.get("/v1/summaries", headers=auth), 405, "method_not_allowed")


async def test_unexpected_error_is_a_problem_without_trace(
    app: object, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    fake_llm.fail = RuntimeError("secret internals at /srv/app.py line 3")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/v1/summaries", json=ARTICLE, headers=auth)
    body = _problem(r, 500, "internal_error")
    assert "secret internals" not in r.text and body["detail"] == "Internal error."


async def test_503_always_has_retry_after(
    client: httpx.AsyncClient, auth: dict[str, str], fake_llm: FakeLLM
) -> None:
    fake_llm.fail = ProviderUnavailableError("embedded model did not start")
    r = await client.post("/v1/summaries", json=ARTICLE, headers=auth)
    _problem(r, 503, "llm_unavailable")
    assert int(r.headers["retry-after"]) >= 1
