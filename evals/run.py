"""One eval run end to end: load gold, get outputs from a backend, score, build the report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from evals.backends import Backend, PredictionsBackend
from evals.evaluators.summary import MiniLMEmbedder
from evals.gold import Case, load_cases
from evals.results import Report, build_report
from evals.runner import run_cases, score_all
from service.config import Settings

Mode = Literal["live", "replay", "predictions"]


@dataclass(frozen=True)
class EvalRequest:
    """What to run. ``source`` is the recording (replay) or predictions directory."""

    mode: Mode
    gold_dirs: list[Path]
    source: Path | None = None
    record: Path | None = None
    case_ids: list[str] = field(default_factory=list)
    jobs: int = 1
    embedding: bool = True
    progress: bool = True


@dataclass
class EvalRun:
    """The report plus what the HTML report and the exit code need."""

    report: Report
    cases: dict[str, Case]
    raws: dict[str, Any]
    replay_misses: list[dict[str, str]]


async def open_backend(request: EvalRequest, settings: Settings) -> Backend:
    """The backend for the request's mode (the pipeline is imported only when needed)."""
    from evals import sessions

    if request.mode == "predictions":
        assert request.source is not None
        return PredictionsBackend(request.source)
    if request.mode == "replay":
        assert request.source is not None
        return await sessions.open_replay(settings, request.source)
    return await sessions.open_live(settings, request.record)


def describe(request: EvalRequest) -> dict[str, Any]:
    """The report's ``run`` block: no timestamps, so identical runs give identical reports."""
    return {
        "mode": request.mode if not request.record else "live+record",
        "source": str(request.source or request.record or "configured LLM"),
        "gold": [str(d) for d in request.gold_dirs],
        "cases": request.case_ids or "all",
    }


async def execute(
    request: EvalRequest, settings: Settings, console: Console | None = None
) -> EvalRun:
    """Run and score every selected case.

    Raises:
        GoldError: a gold file is malformed (before any model work starts).
        SummariserError: the backend cannot be opened (missing recording, model, endpoint).
    """
    cases = load_cases(request.gold_dirs, request.case_ids or None)
    backend = await open_backend(request, settings)
    try:
        outcomes = await run_cases(cases, backend, request.jobs, console, request.progress)
    finally:
        await backend.aclose()
    results = score_all(cases, outcomes, MiniLMEmbedder() if request.embedding else None)
    replay = getattr(backend, "replay", None)
    return EvalRun(
        report=build_report(results, describe(request)),
        cases={c.id: c for c in cases},
        raws={o.case_id: o.raw for o in outcomes},
        replay_misses=list(replay.misses) if replay else [],
    )


def save_predictions(run: EvalRun, directory: Path) -> None:
    """Write each output as ``<case id>.json``, so it can be re-scored with ``--predictions``."""
    directory.mkdir(parents=True, exist_ok=True)
    for case_id, raw in sorted(run.raws.items()):
        if raw is not None:
            text = json.dumps(raw, indent=1, ensure_ascii=False, sort_keys=True)
            (directory / f"{case_id}.json").write_text(text + "\n", encoding="utf-8")
