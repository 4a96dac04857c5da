"""Faulty providers: the real client and service against a fake OpenAI-compatible server *process*
(tests/fault_server.py) that injects one fault class per test. Nothing of ours is patched.

Each test checks the outcome: retried then succeeded, repaired, partial with the failed ranges,
503 at once while the circuit breaker is open, or the fallback model used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fault_server import FaultServer
from pydantic import BaseModel, Field

from service.config import Settings
from service.errors import CircuitOpenError, ProviderUnavailableError
from service.llm import open_llm
from service.llm.fallback import FallbackLLM
from service.llm.openai_chat import OpenAIChatLLM
from service.llm.resilience import retry_after_seconds, wait_retry_after

GOLD = Path(__file__).parents[2] / "evals" / "gold"
MESSAGES = [
    {"role": "system", "content": "Extract facts."},
    {"role": "user", "content": "<article>Norway and Chile signed a pact.</article>"},
]


class Reply(BaseModel):
    countries: list[str] = Field(default_factory=list, max_length=3)
    status: str = "unknown"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as fake:
        yield fake


@pytest.fixture
def fake(server: FaultServer) -> FaultServer:
    server.faults()  # no rules, empty log
    return server


def settings_for(fake: FaultServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "llm_base_url": fake.url,
        "llm_model": "main",
        "llm_max_retries": 2,
        "llm_backoff_base_s": 0.01,
        "llm_backoff_max_s": 0.05,
        "llm_timeout_s": 5,
        "llm_repair_attempts": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def complete(settings: Settings) -> Any:
    llm = await open_llm(settings)
    try:
        return await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
    finally:
        await llm.aclose()


def faults_seen(fake: FaultServer) -> list[str]:
    return [r["fault"] for r in fake.log()]


# --- transport faults: retried, then the answer -----------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_error_is_retried_then_succeeds(fake: FaultServer, status: int) -> None:
    fake.faults({"fault": "status", "status": status, "times": 2})
    result = await complete(settings_for(fake))
    assert result.value == Reply()
    assert faults_seen(fake) == ["status", "status", "ok"]
    assert result.usage.calls == 1  # only answered calls count


async def test_rate_limit_with_retry_after_is_retried_then_succeeds(fake: FaultServer) -> None:
    fake.faults({"fault": "status", "status": 429, "retry_after": "1", "times": 1})
    result = await complete(settings_for(fake))
    assert result.value == Reply()
    assert faults_seen(fake) == ["status", "ok"]


async def test_connection_reset_is_retried_then_succeeds(fake: FaultServer) -> None:
    fake.faults({"fault": "reset", "times": 2})
    result = await complete(settings_for(fake))
    assert result.value == Reply()
    assert faults_seen(fake) == ["reset", "reset", "ok"]


async def test_truncated_http_body_is_retried_then_succeeds(fake: FaultServer) -> None:
    fake.faults({"fault": "truncated_body", "times": 1})
    result = await complete(settings_for(fake))
    assert result.value == Reply()
    assert faults_seen(fake) == ["truncated_body", "ok"]


async def test_hung_response_times_out_per_call_then_succeeds(fake: FaultServer) -> None:
    fake.faults({"fault": "hang", "seconds": 20, "times": 1})
    result = await complete(settings_for(fake, llm_timeout_s=0.5))
    assert result.value == Reply()
    assert faults_seen(fake) == ["hang", "ok"]


async def test_latency_under_the_timeout_is_just_slow(fake: FaultServer) -> None:
    fake.faults({"fault": "latency", "ms": 300})
    result = await complete(settings_for(fake))
    assert result.value == Reply()
    assert faults_seen(fake) == ["latency"]  # no retry


async def test_latency_over_the_timeout_is_retried(fake: FaultServer) -> None:
    fake.faults({"fault": "latency", "ms": 3000, "times": 1})
    result = await complete(settings_for(fake, llm_timeout_s=0.5))
    assert result.value == Reply()
    assert faults_seen(fake) == ["latency", "ok"]


async def test_retries_are_bounded(fake: FaultServer) -> None:
    fake.faults({"fault": "status", "status": 503})
    with pytest.raises(ProviderUnavailableError) as info:
        await complete(settings_for(fake, llm_max_retries=3))
    assert faults_seen(fake) == ["status"] * 4
    assert info.value.details["status"] == 503


async def test_request_deadline_stops_retrying_a_hung_endpoint(fake: FaultServer) -> None:
    """Each attempt times out at 0.4 s; the request's 1 s deadline ends it after a few."""
    fake.faults({"fault": "hang", "seconds": 20})
    with pytest.raises(ProviderUnavailableError):
        await complete(
            settings_for(fake, llm_timeout_s=0.4, llm_deadline_s=1.0, llm_max_retries=50)
        )
    assert 1 <= len(fake.log()) <= 3  # not 51 attempts


async def test_retry_after_longer_than_the_deadline_is_not_waited_for(fake: FaultServer) -> None:
    fake.faults({"fault": "status", "status": 429, "retry_after": "3600"})
    with pytest.raises(ProviderUnavailableError) as info:
        await complete(settings_for(fake, llm_deadline_s=5))
    assert faults_seen(fake) == ["status"]  # gave up at once instead of sleeping an hour
    assert info.value.details["retry_after"] == 3600  # what the caller is told


# --- output faults: repaired --------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["truncated", "schema", "length"])
async def test_bad_output_is_repaired(fake: FaultServer, fault: str) -> None:
    fake.faults({"fault": fault, "times": 1})
    result = await complete(settings_for(fake))
    assert result.value == Reply()
    assert faults_seen(fake) == [fault, "ok"]
    assert (result.usage.calls, result.usage.repairs) == (2, 1)


# --- the backoff honours Retry-After ----------------------------------------------------------


def test_wait_uses_the_providers_retry_after() -> None:
    wait = wait_retry_after(base_s=0.5, max_s=20)
    hinted = ProviderUnavailableError("limited", retry_after_s=7.0)
    state = SimpleNamespace(
        outcome=SimpleNamespace(exception=lambda: hinted), attempt_number=1, upcoming_sleep=0
    )
    assert wait(state) == 7.0  # type: ignore[arg-type]
    plain = ProviderUnavailableError("down")
    for attempt in range(1, 8):
        state = SimpleNamespace(
            outcome=SimpleNamespace(exception=lambda: plain), attempt_number=attempt
        )
        assert 0 <= wait(state) <= 20  # type: ignore[arg-type]


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds({"retry-after": "12"}) == 12
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert (
        retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470) == 10
    )
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


# --- the circuit breaker ----------------------------------------------------------------------


async def test_breaker_opens_on_a_dead_provider_and_recovers(fake: FaultServer) -> None:
    fake.faults({"fault": "status", "status": 502})
    settings = settings_for(
        fake, llm_max_retries=1, llm_breaker_fail_max=3, llm_breaker_reset_s=0.5
    )
    llm = await open_llm(settings)
    assert isinstance(llm, OpenAIChatLLM)
    try:
        with pytest.raises(ProviderUnavailableError):
            await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")  # attempts 1, 2
        with pytest.raises(CircuitOpenError):  # attempt 3 opens it, so its retry fails fast
            await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
        assert llm.breaker.state == "open"
        sent = len(fake.log())
        assert sent == 3
        for _ in range(5):  # fast failures: nothing reaches the provider
            with pytest.raises(CircuitOpenError) as info:
                await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
            assert 1 <= info.value.details["retry_after"] <= 1
        assert len(fake.log()) == sent
        fake.faults()  # the provider is back
        await asyncio.sleep(0.6)  # past the reset timeout: one trial call is let through
        result = await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
        assert result.value == Reply() and llm.breaker.state == "closed"
    finally:
        await llm.aclose()


async def test_rate_limits_and_client_errors_do_not_trip_the_breaker(fake: FaultServer) -> None:
    fake.faults({"fault": "status", "status": 429, "retry_after": "0"})
    llm = await open_llm(settings_for(fake, llm_max_retries=0, llm_breaker_fail_max=2))
    assert isinstance(llm, OpenAIChatLLM)
    try:
        for _ in range(3):
            with pytest.raises(ProviderUnavailableError) as info:
                await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
            assert not isinstance(info.value, CircuitOpenError)
        assert llm.breaker.state == "closed" and len(fake.log()) == 3
    finally:
        await llm.aclose()


# --- fallback to a second model ---------------------------------------------------------------


async def test_fallback_model_answers_while_the_first_is_down(fake: FaultServer) -> None:
    fake.faults({"fault": "status", "status": 503, "model": "main"})
    settings = settings_for(
        fake, llm_max_retries=1, llm_fallback_model="backup", llm_fallback_base_url=fake.url
    )
    llm = await open_llm(settings)
    assert isinstance(llm, FallbackLLM)
    try:
        result = await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
    finally:
        await llm.aclose()
    assert result.value == Reply()
    assert result.model == "backup" and result.extra["fallback"] is True
    assert [(r["model"], r["fault"]) for r in fake.log()] == [
        ("main", "status"),
        ("main", "status"),
        ("backup", "ok"),
    ]


async def test_no_fallback_for_invalid_output(fake: FaultServer) -> None:
    fake.faults({"fault": "schema", "model": "main"})
    settings = settings_for(fake, llm_repair_attempts=0, llm_fallback_model="backup")
    llm = await open_llm(settings)
    try:
        with pytest.raises(Exception, match="stayed invalid"):
            await llm.complete(MESSAGES, Reply, max_tokens=50, name="reply")
    finally:
        await llm.aclose()
    assert {r["model"] for r in fake.log()} == {"main"}


# --- through the service: partial results and fast 503s ---------------------------------------


def _app_client(tmp_path: Path, settings: Settings) -> Any:
    from service.api import create_app

    values = settings.model_dump(include=_LLM_FIELDS)
    values.update(database_url=f"sqlite:///{tmp_path / 'faults.db'}", log_level="WARNING")
    return create_app(Settings(_env_file=None, **values))  # type: ignore[call-arg]


_LLM_FIELDS = {
    "llm_base_url",
    "llm_model",
    "llm_max_retries",
    "llm_backoff_base_s",
    "llm_backoff_max_s",
    "llm_timeout_s",
    "llm_repair_attempts",
    "llm_breaker_fail_max",
    "llm_breaker_reset_s",
    "llm_fallback_model",
    "llm_fallback_base_url",
}


async def _serve(app: Any) -> Any:
    from service.store.keys import create_key

    _, token = create_key(app.state.summariser.db, "faults")
    return {"Authorization": f"Bearer {token}"}


async def _wait_ready(c: httpx.AsyncClient) -> None:
    for _ in range(100):
        if (await c.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the app never became ready")


async def test_failed_chunk_gives_a_partial_summary_with_its_range(
    fake: FaultServer, tmp_path: Path
) -> None:
    text = (GOLD / "us-china-geneva-trade-talks-2025.txt").read_text(encoding="utf-8")
    fake.faults({"fault": "status", "status": 500, "match": "Part 2 of"})
    app = _app_client(tmp_path, settings_for(fake, llm_max_retries=1, llm_breaker_fail_max=50))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        await _wait_ready(c)
        auth = await _serve(app)
        r = await c.post(
            "/v1/summaries",
            json={"text": text, "options": {"chunk_tokens": 300, "chunk_overlap": 0}},
            headers=auth,
        )
    assert r.status_code == 200, r.text
    meta = r.json()["meta"]
    assert meta["chunks"] >= 3
    assert meta["partial"] is True
    assert len(meta["failed_ranges"]) == 1
    failed = meta["failed_ranges"][0]
    assert 0 < failed["start"] < failed["end"] <= len(text)
    assert "llm_unavailable" in failed["error"]
    parts = [r["part"] for r in fake.log()]
    assert any(p and p.startswith("Part 2 of") for p in parts)
    assert any(p and p.startswith("Part 1 of") for p in parts)


async def test_open_breaker_gives_fast_503_with_retry_after(
    fake: FaultServer, tmp_path: Path
) -> None:
    fake.faults({"fault": "status", "status": 503})
    settings = settings_for(fake, llm_max_retries=0, llm_breaker_fail_max=2, llm_breaker_reset_s=60)
    app = _app_client(tmp_path, settings)
    article = {"text": "Norway and Chile signed a fisheries pact in Geneva on Tuesday."}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        await _wait_ready(c)
        auth = await _serve(app)
        first = await c.post("/v1/summaries", json=article, headers=auth)
        second = await c.post(
            "/v1/summaries", json={"text": article["text"] + " More."}, headers=auth
        )
        sent = len(fake.log())
        later = [
            await c.post("/v1/summaries", json={"text": f"{article['text']} {i}"}, headers=auth)
            for i in range(3)
        ]
    assert first.status_code == 503 and second.status_code == 503
    assert sent == 2  # the breaker opened after two failed attempts
    for r in later:
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "llm_unavailable" and "circuit breaker" in r.json()["detail"]
        assert 1 <= int(r.headers["retry-after"]) <= 60
    assert len(fake.log()) == sent  # no request reached the dead provider


async def test_fallback_through_the_service(fake: FaultServer, tmp_path: Path) -> None:
    fake.faults({"fault": "status", "status": 502, "model": "main"})
    settings = settings_for(
        fake, llm_max_retries=0, llm_fallback_model="backup", llm_fallback_base_url=fake.url
    )
    app = _app_client(tmp_path, settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        await _wait_ready(c)
        auth = await _serve(app)
        r = await c.post(
            "/v1/summaries", json={"text": "Norway and Chile signed a pact."}, headers=auth
        )
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["partial"] is False
    models = [entry["model"] for entry in fake.log()]
    assert "backup" in models and models.count("main") >= 1
