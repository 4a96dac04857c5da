"""The command: gates and exit codes, baseline, compare, scoring the shared peers' predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from eval_fakes import PERFECT, prediction, write_case
from typer.testing import CliRunner

from evals.cli import register

SHARED = Path(__file__).resolve().parents[3] / "shared" / "evals"
SEED = "us-taiwan-epp-dialogue-2026"
app = typer.Typer()
register(app)
app.command("noop", hidden=True)(lambda: None)  # keep "eval" a subcommand, as in `summarise`
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["eval", "--no-embedding", "--no-progress", *args])
    return result.exit_code, result.output


def preds(tmp_path: Path, raw: dict[str, object], name: str = "preds") -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "tiny-case.json").write_text(json.dumps(raw))
    return directory


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    write_case(tmp_path / "gold")
    return tmp_path / "gold"


def test_perfect_predictions_pass_the_gate(tmp_path: Path, gold: Path) -> None:
    report = tmp_path / "r.json"
    code, out = run(
        "--gold",
        str(gold),
        "--predictions",
        str(preds(tmp_path, PERFECT)),
        "--report-json",
        str(report),
        "--report-md",
        str(tmp_path / "r.md"),
        "--report-html",
        str(tmp_path / "r.html"),
    )
    assert code == 0, out
    data = json.loads(report.read_text())
    assert data["aggregate"]["participants"]["f1"] == 1.0 and data["cases"][0]["id"] == "tiny-case"
    assert "| participants P / R / F1 |" in (tmp_path / "r.md").read_text()
    assert "<mark" in (tmp_path / "r.html").read_text()


def test_leak_fails_the_gate_and_names_case_and_field(tmp_path: Path, gold: Path) -> None:
    raw = {**PERFECT, "topics": ["Cookie settings"]}
    code, out = run("--gold", str(gold), "--predictions", str(preds(tmp_path, raw)))
    assert code == 1
    assert "FAIL case tiny-case: hallucinations.count = 1 (max 0)" in out
    assert "FAIL aggregate: hallucinations = 1" in out


def test_custom_thresholds_and_no_gate(tmp_path: Path, gold: Path) -> None:
    loose = tmp_path / "t.toml"
    loose.write_text('version = 1\n[aggregate.min]\n"participants.f1" = 0.0\n')
    empty = preds(tmp_path, prediction())
    assert run("--gold", str(gold), "--predictions", str(empty), "--thresholds", str(loose))[0] == 0
    assert run("--gold", str(gold), "--predictions", str(empty))[0] == 1
    assert run("--gold", str(gold), "--predictions", str(empty), "--no-gate")[0] == 0
    loose.write_text('version = 1\n[aggregate.min]\n"participants.f2" = 0.5\n')
    code, out = run("--gold", str(gold), "--predictions", str(empty), "--thresholds", str(loose))
    assert code == 2 and "participants.f2" in out


def test_baseline_regression_fails_beyond_tolerance(tmp_path: Path, gold: Path) -> None:
    base = tmp_path / "base.json"
    assert (
        run(
            "--gold",
            str(gold),
            "--predictions",
            str(preds(tmp_path, PERFECT)),
            "--report-json",
            str(base),
        )[0]
        == 0
    )
    worse = {**PERFECT, "participants": PERFECT["participants"][:1]}  # type: ignore[index]
    worse_dir = preds(tmp_path, worse, "worse")
    code, out = run(
        "--gold", str(gold), "--predictions", str(worse_dir), "--no-gate", "--baseline", str(base)
    )
    assert (
        code == 1 and "FAIL baseline: participants.recall = 0.5" in out and "tiny-case -0.50" in out
    )
    assert (
        run(
            "--gold",
            str(gold),
            "--predictions",
            str(worse_dir),
            "--no-gate",
            "--baseline",
            str(base),
            "--tolerance",
            "0.6",
        )[0]
        == 0
    )


def test_compare_prints_deltas(tmp_path: Path, gold: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run(
        "--gold",
        str(gold),
        "--predictions",
        str(preds(tmp_path, prediction(), "p1")),
        "--no-gate",
        "--report-json",
        str(a),
    )
    run(
        "--gold",
        str(gold),
        "--predictions",
        str(preds(tmp_path, PERFECT, "p2")),
        "--no-gate",
        "--report-json",
        str(b),
    )
    code, out = run("--compare", str(a), str(b))
    assert code == 0 and "participants.f1" in out and "+1.000" in out


def test_usage_and_gold_errors_exit_2(tmp_path: Path, gold: Path) -> None:
    assert run("--gold", str(gold))[0] == 2
    assert run("--gold", str(gold), "--replay", "x", "--record", "y")[0] == 2
    (gold / "tiny-case.gold.json").write_text('{"id": "tiny-case"}')
    code, out = run("--gold", str(gold), "--predictions", str(tmp_path))
    assert code == 2 and "tiny-case.gold.json" in out and "text_file" in out


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/evals not present")
@pytest.mark.parametrize(
    ("peer", "participants_f1", "agreements_f1", "topics", "notes"),
    [
        ("naive", 0.0, 0.6667, 3, 2),
        ("langchain", 0.0, 0.6667, 4, 2),
        ("langextract", 0.3636, 0.1667, 5, 1),
    ],
)
def test_shared_peer_predictions_reproduce_peers_md(
    tmp_path: Path, peer: str, participants_f1: float, agreements_f1: float, topics: int, notes: int
) -> None:
    report = tmp_path / "peer.json"
    code, _ = run(
        "--gold",
        str(SHARED / "gold"),
        "--case",
        SEED,
        "--no-gate",
        "--predictions",
        str(SHARED / "peers" / peer),
        "--report-json",
        str(report),
    )
    case = json.loads(report.read_text())["cases"][0]
    assert code == 0
    assert (
        case["participants"]["f1"] == participants_f1 and case["agreements"]["f1"] == agreements_f1
    )
    assert (case["topics"]["covered"], case["geopolitical_notes"]["covered"]) == (topics, notes)
    assert case["grounding"]["rate"] == 0.0  # no evidence: counted as ungrounded


def test_the_line_layout_recording_replays_to_its_committed_report(tmp_path: Path) -> None:
    """``evals/recordings/lines`` holds the embedded model's replies to the line-layout grammar
    (``SUMMARISER_LLM_COMPACT_JSON=true``, the manifest says so): replaying the seed case rebuilds
    every recorded request (a changed grammar would miss) and scores what the live run scored."""
    root = Path(__file__).resolve().parents[2]
    report = tmp_path / "r.json"
    code, out = run(
        "--gold",
        str(root / "evals" / "gold"),
        "--case",
        SEED,
        "--replay",
        str(root / "evals" / "recordings" / "lines"),
        "--no-gate",
        "--report-json",
        str(report),
    )
    assert code == 0, out
    case = json.loads(report.read_text())["cases"][0]
    live = json.loads((root / "evals" / "baselines" / "lines-local.json").read_text())
    recorded = next(c for c in live["cases"] if c["id"] == SEED)
    assert case["status"] == "ok" and case["cost"]["llm_calls"] == 3
    for field in ("participants", "agreements"):
        assert case[field]["f1"] == recorded[field]["f1"], field
    assert case["cost"]["completion_tokens"] == recorded["cost"]["completion_tokens"] == 395
