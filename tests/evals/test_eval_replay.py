"""Record a run against a fake OpenAI-compatible server, then replay it offline."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from eval_fakes import FakeOpenAI, write_case

from evals import sessions
from evals.recording import ReplayTransport, request_key
from evals.run import EvalRequest, execute
from service.config import Settings


@pytest.fixture
def recording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, FakeOpenAI]:
    """A recorded live run of the tiny case through the real pipeline and LLM client."""
    gold = tmp_path / "gold"
    write_case(gold)
    fake = FakeOpenAI()
    monkeypatch.setattr(sessions, "_inner_transport", lambda: fake)
    settings = Settings(
        llm_base_url="http://fake-llm.test/v1", llm_model="fake-model", llm_context_window=8192
    )
    rec = tmp_path / "rec"
    request = EvalRequest(
        mode="live", gold_dirs=[gold], record=rec, embedding=False, progress=False
    )
    run = asyncio.run(execute(request, settings))
    assert run.report.cases[0].status == "ok", run.report.cases[0].error
    (tmp_path / "live.json").write_text(json.dumps(run.raws["tiny-case"]))
    return gold, rec, fake


async def _replay(gold: Path, rec: Path) -> str:
    request = EvalRequest(
        mode="replay", gold_dirs=[gold], source=rec, embedding=False, progress=False
    )
    run = await execute(request, Settings())
    assert not run.replay_misses
    live = json.loads((rec.parent / "live.json").read_text())
    replayed = run.raws["tiny-case"]
    for output in (live, replayed):
        output["meta"].pop("latency_ms")
    assert replayed == live  # the replay reproduces the recorded run's output exactly
    return run.report.model_dump_json()


async def test_two_replays_give_identical_reports(recording: tuple[Path, Path, FakeOpenAI]) -> None:
    gold, rec, fake = recording
    calls = fake.calls
    first, second = await _replay(gold, rec), await _replay(gold, rec)
    assert first == second
    assert fake.calls == calls  # the replay never reached the fake server
    report = json.loads(first)
    case = report["cases"][0]
    assert case["cost"]["llm_calls"] == calls and case["cost"]["prompt_tokens"] == 50 * calls
    assert case["cost"]["latency_ms"] is not None


def test_recording_is_one_readable_json_file_per_exchange(
    recording: tuple[Path, Path, FakeOpenAI],
) -> None:
    _, rec, fake = recording
    files = sorted(p for p in rec.glob("*.json") if p.name != "manifest.json")
    assert len(files) == fake.calls >= 2
    exchange = json.loads(files[0].read_text())
    assert exchange["request"]["path"] == "/chat/completions" and exchange["case"] == "tiny-case"
    body = json.dumps(exchange["request"]["body"]).encode()
    assert exchange["key"] == request_key("POST", "/v1/chat/completions", body)
    manifest = json.loads((rec / "manifest.json").read_text())
    assert manifest["model"] == "fake-model" and manifest["context_window"] == 8192
    assert "llm_api_key" not in manifest["settings"] and "llm_base_url" not in manifest["settings"]


async def test_unrecorded_request_fails_loudly(recording: tuple[Path, Path, FakeOpenAI]) -> None:
    gold, rec, _ = recording
    for file in rec.glob("*-0.json"):
        data = json.loads(file.read_text())
        if data["request"]["body"]["response_format"]["json_schema"]["name"] != "summary":
            file.unlink()
    request = EvalRequest(
        mode="replay", gold_dirs=[gold], source=rec, embedding=False, progress=False
    )
    run = await execute(request, Settings())
    assert run.replay_misses and run.replay_misses[0]["why"] == "never recorded"
    assert run.report.cases[0].status == "error" and "replay miss" in (
        run.report.cases[0].error or ""
    )


def test_request_key_ignores_model_and_base_path() -> None:
    a = request_key("POST", "/v1/chat/completions", b'{"model": "a", "messages": [1]}')
    b = request_key("post", "/proxy/v1/chat/completions", b'{"messages": [1], "model": "b"}')
    c = request_key("POST", "/v1/chat/completions", b'{"messages": [2]}')
    assert a == b != c


def test_replay_of_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no such recording"):
        ReplayTransport(tmp_path / "nope")
