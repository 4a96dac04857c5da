"""Input errors found at submission, never a 500 or a job that fails later (issue 9, 1-2 and 7):
lone surrogates, oversize titles, invisible-only text, strict option types, the schema's one-of
rule and its examples, 405 with ``Allow``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from api_fakes import ARTICLE, FakeLLM
from fastapi import FastAPI

from service.clean import MAX_TITLE_CHARS
from service.store import jobs as job_store

ENDPOINTS = ("/v1/summaries", "/v1/jobs", "/v1/batches")


def _body(endpoint: str, article: dict[str, Any]) -> dict[str, Any]:
    """The request body that submits ``article`` to ``endpoint`` (a batch holds it second)."""
    if endpoint == "/v1/batches":
        return {"items": [ARTICLE, article]}
    return article


def _problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["type"] == f"urn:summariser:problem:{code}"
    return body


def _count_jobs(app: FastAPI) -> int:
    return sum(job_store.queue_depth(app.state.summariser.db).values())


# --- 1. lone surrogates ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("field", ["text", "title", "url", "language"])
async def test_lone_surrogate_is_invalid_text_at_submission(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    fake_llm: FakeLLM,
    endpoint: str,
    field: str,
) -> None:
    article = {**ARTICLE, field: "Bad \ud800 text"}
    # json.dumps escapes the surrogate as \ud800, exactly what a hostile client sends
    raw = json.dumps(_body(endpoint, article)).encode()
    assert b"\\ud800" in raw
    r = await client.post(
        endpoint, content=raw, headers={**auth, "Content-Type": "application/json"}
    )
    body = _problem(r, 422, "invalid_text")
    assert field in body["field"] and "\\ud800" in body["detail"]
    if endpoint == "/v1/batches":
        assert body["field"] == f"items[1].{field}"
    assert _count_jobs(app) == 0 and fake_llm.calls == []


async def test_lone_surrogate_in_html_ref_and_keys(
    client: httpx.AsyncClient, app: FastAPI, auth: dict[str, str]
) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    bodies = [
        {"html": "<p>caf\udce9</p>"},
        {"items": [{**ARTICLE, "ref": "story-\udfff"}]},
        {"items": [ARTICLE], "callback_url": "https://cms.example.org/\ud83d"},
        {**ARTICLE, "\ud800": 1},
    ]
    for body in bodies:
        endpoint = "/v1/batches" if "items" in body else "/v1/jobs"
        r = await client.post(endpoint, content=json.dumps(body).encode(), headers=headers)
        _problem(r, 422, "invalid_text")
        assert "\ud800" not in r.text  # the answer itself is valid UTF-8
    assert _count_jobs(app) == 0


# --- 1. oversize title --------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_oversize_title_refused_at_submission(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    fake_llm: FakeLLM,
    endpoint: str,
) -> None:
    article = {**ARTICLE, "title": "Headline " * (MAX_TITLE_CHARS // 9 + 1)}
    r = await client.post(endpoint, json=_body(endpoint, article), headers=auth)
    body = _problem(r, 422, "title_too_long")
    assert body["limit"] == MAX_TITLE_CHARS
    if endpoint == "/v1/batches":
        assert body["item"] == 1
    assert _count_jobs(app) == 0 and fake_llm.calls == []
    ok = {**ARTICLE, "title": "H" * MAX_TITLE_CHARS}
    assert (await client.post(endpoint, json=_body(endpoint, ok), headers=auth)).status_code < 300


# --- 2. empty in disguise -----------------------------------------------------------------------

INVISIBLE = [
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width space, non-joiner, joiner, word joiner, BOM
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",  # bidi controls
    "\u17b4\u17b5" * 20,  # Khmer inherent vowels (the probe's answer said language "km")
    "\u3164\u115f\u1160\uffa0\u2800",  # Hangul fillers, braille blank
    "\U000e0041\U000e0042\ufe0f\u034f",  # tag characters, a variation selector, the CGJ
    "\u00a0\u2028\u2029\u3000 \n\t",  # separators
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("text", INVISIBLE)
async def test_invisible_only_text_is_empty_input(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    fake_llm: FakeLLM,
    endpoint: str,
    text: str,
) -> None:
    r = await client.post(endpoint, json=_body(endpoint, {"text": text * 3}), headers=auth)
    _problem(r, 422, "empty_input")
    assert _count_jobs(app) == 0 and fake_llm.calls == []


async def test_text_with_zero_width_characters_inside_is_still_an_article(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    text = "\u200b" + ARTICLE["text"].replace(" ", " \u200b")
    r = await client.post("/v1/summaries", json={"text": text}, headers=auth)
    assert r.status_code == 200, r.text


# --- 7. strict types, the schema's one-of rule, its examples, methods ---------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"keep_ungrounded": 0},
        {"keep_ungrounded": "true"},
        {"chunk_tokens": "500"},
        {"chunk_tokens": 500.0},
        {"chunk_overlap": True},
    ],
)
async def test_option_types_are_strict(
    client: httpx.AsyncClient, auth: dict[str, str], options: dict[str, Any]
) -> None:
    r = await client.post("/v1/summaries", json={**ARTICLE, "options": options}, headers=auth)
    body = _problem(r, 422, "validation_error")
    assert body["errors"][0]["loc"][:2] == ["body", "options"]


async def test_strict_options_still_accept_their_types(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    options = {"keep_ungrounded": True, "chunk_tokens": 500, "chunk_overlap": 50}
    r = await client.post("/v1/summaries", json={**ARTICLE, "options": options}, headers=auth)
    assert r.status_code == 200, r.text


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _branches_matched(schema: dict[str, Any], body: dict[str, Any]) -> int:
    """How many one-of branches a body satisfies (each names a required string property)."""
    n = 0
    for branch in schema["oneOf"]:
        (name,) = branch["required"]
        n += isinstance(body.get(name), str)
    return n


async def test_schema_says_text_or_html_is_required(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    for name in ("SummaryRequest", "JobRequest", "BatchItem"):
        schema = doc["components"]["schemas"][name]
        assert _branches_matched(schema, {}) == 0, name  # {} is invalid by the schema
        assert _branches_matched(schema, {"title": "t"}) == 0
        assert _branches_matched(schema, {"text": "x"}) == 1
        assert _branches_matched(schema, {"text": "x", "html": None}) == 1
        assert _branches_matched(schema, {"text": "x", "html": "<p>x</p>"}) == 2  # not one


@pytest.mark.parametrize("body", [{}, {"title": "t"}, {"text": None, "html": None}])
async def test_no_text_nor_html_is_missing_text(
    client: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any]
) -> None:
    _problem(await client.post("/v1/summaries", json=body, headers=auth), 422, "missing_text")


@pytest.mark.parametrize("path", ["/v1/summaries", "/v1/jobs", "/v1/batches"])
async def test_openapi_request_examples_are_accepted(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    def no_dns(host: str, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # the examples' CMS host never resolves
    doc = (await client.get("/openapi.json")).json()
    schema = _resolve(
        doc, doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    )
    assert schema["examples"]
    for example in schema["examples"]:
        r = await client.post(path, json=example, headers=auth)
        assert r.status_code in (200, 202), (example, r.text)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/v1/summaries", "POST"),
        ("TRACE", "/healthz", "GET"),
        ("DELETE", "/v1/jobs", "POST"),
        ("PUT", "/v1/jobs/abc", "GET"),
        ("BREW", "/v1/batches", "POST"),
    ],
)
async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, auth: dict[str, str], method: str, path: str, allow: str
) -> None:
    r = await client.request(method, path, headers=auth)
    body = _problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == allow and body["allow"] == allow
