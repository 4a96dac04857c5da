"""`summarise run FILE|-` (service/cli_run.py): exit codes, messages, JSON on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openai_fakes import MOCK_LLM_URL, MOCK_MODEL, GuardedRouter
from seed_replies import ScriptedModel, invalid_json
from typer.testing import CliRunner

from service.cli import app
from service.cli_run import EXIT_BAD_INPUT, EXIT_CONFIG, EXIT_LLM, EXIT_OK, EXIT_PARTIAL
from service.schema import StructuredSummary


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    monkeypatch.setenv("SUMMARISER_LLM_BASE_URL", MOCK_LLM_URL)
    monkeypatch.setenv("SUMMARISER_LLM_MODEL", MOCK_MODEL)
    monkeypatch.setenv("SUMMARISER_LLM_MAX_RETRIES", "0")
    return CliRunner()


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Caf\u00e9 r\u00e9union".encode("latin-1"), "UTF-8"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    runner: CliRunner, tmp_path: Path, data: bytes, needle: str
) -> None:
    result = runner.invoke(app, ["run", _file(tmp_path, "article.txt", data)])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert needle in result.stderr and "[" in result.stderr  # the error code is shown
    assert result.stdout == ""


def test_oversize_input_exits_2_naming_the_limit(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARISER_MAX_INPUT_CHARS", "1000")
    result = runner.invoke(app, ["run", _file(tmp_path, "long.txt", b"word " * 400)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "1,000" in result.stderr and "input_too_large" in result.stderr


def test_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope.txt")])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "[bad_input] no such file" in result.stderr


def test_summarises_a_file_to_json(
    runner: CliRunner, openai_mock: GuardedRouter, tmp_path: Path, seed_text: str, seed_gold: dict
) -> None:
    model = ScriptedModel()
    openai_mock.post("/chat/completions").mock(side_effect=model)
    result = runner.invoke(app, ["run", "--quiet", _file(tmp_path, "seed.txt", seed_text.encode())])

    assert result.exit_code == EXIT_OK, result.stderr
    summary = StructuredSummary.model_validate_json(result.stdout)
    assert any("Pax Silica" in a.title for a in summary.agreements)
    for e in [e for a in summary.agreements for e in a.evidence]:
        assert seed_text[e.start : e.end] == e.quote
    assert summary.meta.model == MOCK_MODEL and summary.meta.llm_calls == len(openai_mock.calls) > 0
    for banned in seed_gold["gold"]["must_not_contain"]:
        assert banned not in result.stdout


def test_reads_stdin_and_prints_markdown(
    runner: CliRunner, openai_mock: GuardedRouter, seed_text: str
) -> None:
    openai_mock.post("/chat/completions").mock(side_effect=ScriptedModel())
    result = runner.invoke(
        app, ["run", "-", "--format", "markdown", "--quiet"], input=seed_text.encode()
    )
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stdout.startswith("# Summary")
    assert "Pax Silica" in result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_html_file_is_extracted(
    runner: CliRunner, openai_mock: GuardedRouter, tmp_path: Path, gold_dir: Path
) -> None:
    openai_mock.post("/chat/completions").mock(side_effect=ScriptedModel(items={}))
    page = (gold_dir / "us-australia-critical-minerals-framework-2025.html").read_bytes()
    result = runner.invoke(app, ["run", "-q", _file(tmp_path, "page.html", page)])
    assert result.exit_code == EXIT_OK, result.stderr
    out = json.loads(result.stdout)
    assert out["meta"]["input_format"] == "html"
    assert "Whereas, rare earths" in out["source_text"] and "gtag" not in out["source_text"]


def test_llm_failure_exits_3(
    runner: CliRunner, openai_mock: GuardedRouter, tmp_path: Path, seed_text: str
) -> None:
    openai_mock.post("/chat/completions").mock(
        return_value=httpx.Response(500, json={"error": {"message": "down"}})
    )
    result = runner.invoke(app, ["run", "-q", _file(tmp_path, "seed.txt", seed_text.encode())])
    assert result.exit_code == EXIT_LLM
    assert "[llm_unavailable]" in result.stderr
    assert result.stdout == ""


def test_partial_result_is_printed_and_exits_5(
    runner: CliRunner,
    openai_mock: GuardedRouter,
    tmp_path: Path,
    seed_text: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARISER_CHUNK_TOKENS", "200")
    monkeypatch.setenv("SUMMARISER_LLM_REPAIR_ATTEMPTS", "0")
    openai_mock.post("/chat/completions").mock(
        side_effect=ScriptedModel(override=lambda a: invalid_json() if a.part == 1 else None)
    )
    result = runner.invoke(app, ["run", "-q", _file(tmp_path, "seed.txt", seed_text.encode())])
    assert result.exit_code == EXIT_PARTIAL, result.stderr
    out = json.loads(result.stdout)
    assert out["meta"]["partial"] is True and len(out["meta"]["failed_ranges"]) == 1
    assert "partial result" in result.stderr


def test_endpoint_without_model_exits_4(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_text: str
) -> None:
    monkeypatch.delenv("SUMMARISER_LLM_MODEL")
    result = runner.invoke(app, ["run", "-q", _file(tmp_path, "seed.txt", seed_text.encode())])
    assert result.exit_code == EXIT_CONFIG
    assert "SUMMARISER_LLM_MODEL" in result.stderr
