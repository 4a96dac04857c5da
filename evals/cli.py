"""``summarise eval`` (and ``python -m evals``): run, score, report and gate.

Exit codes: 0 passed; 1 a gate failed; 2 bad usage or bad input (gold, thresholds, recording);
3 replay asked for requests that are not in the recording.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from evals.gates import (
    DEFAULT_THRESHOLDS,
    check_baseline,
    check_thresholds,
    explain,
    load_thresholds,
)
from evals.gold import DEFAULT_GOLD_DIR
from evals.reports import write_json
from evals.reports.html import render_html
from evals.reports.markdown import render_markdown
from evals.run import EvalRequest, EvalRun, Mode, execute, save_predictions
from service.errors import SummariserError

EXIT_GATE, EXIT_INPUT, EXIT_REPLAY = 1, 2, 3
out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)

Opt = typer.Option
PathOpt = Annotated[Path | None, Opt()]


def _fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _mode(live: bool, replay: Path | None, predictions: Path | None, record: Path | None) -> Mode:
    chosen = [
        name
        for name, on in (("--live", live), ("--replay", replay), ("--predictions", predictions))
        if on
    ]
    if len(chosen) != 1:
        raise _fail(
            "choose exactly one of --live, --replay DIR, --predictions DIR (or --compare A B)"
        )
    if record and not live:
        raise _fail("--record DIR needs --live (it saves the exchanges of a live run)")
    return "live" if live else "replay" if replay else "predictions"


def _load_report(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise _fail(f"{path}: not a JSON report: {e}") from e
    if "aggregate" not in data or "cases" not in data:
        raise _fail(f"{path}: not an eval report (no 'aggregate' / 'cases')")
    return data


def _gate(
    run: EvalRun, thresholds: Path | None, baseline: Path | None, tolerance: float | None
) -> list[str]:
    report = json.loads(run.report.model_dump_json())
    failures = []
    rules = load_thresholds(thresholds) if thresholds else None
    if rules:
        failures += check_thresholds(report, rules)
    if baseline:
        tol = tolerance if tolerance is not None else (rules.baseline.tolerance if rules else 0.02)
        failures += check_baseline(report, _load_report(baseline), tol)
    return explain(failures)


def _write_reports(
    run: EvalRun,
    gate_lines: list[str] | None,
    json_path: PathOpt,
    md_path: PathOpt,
    html_path: PathOpt,
) -> str:
    markdown = render_markdown(run.report, gate_lines)
    if json_path:
        write_json(run.report, json_path)
    if md_path:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(markdown, encoding="utf-8")
    if html_path:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(render_html(run.report, run.cases, run.raws), encoding="utf-8")
    if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(markdown)
    return markdown


def eval_command(
    gold: Annotated[
        list[Path] | None, Opt("--gold", help="Gold directory (repeatable). Default: evals/gold.")
    ] = None,
    case: Annotated[list[str] | None, Opt("--case", help="Only this case id (repeatable).")] = None,
    split: Annotated[
        str | None,
        Opt("--split", help="Only the cases of this split of evals/splits.toml (tune, check)."),
    ] = None,
    live: Annotated[
        bool, Opt("--live", help="Run the pipeline on the configured LLM (embedded by default).")
    ] = False,
    record: Annotated[
        Path | None, Opt(help="With --live: save every LLM HTTP exchange here.")
    ] = None,
    replay: Annotated[
        Path | None, Opt(help="Re-run the pipeline offline from this recording.")
    ] = None,
    predictions: Annotated[
        Path | None, Opt(help="Score DIR/<case id>.json produced elsewhere.")
    ] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        Opt(metavar="A.json B.json", help="Print metric deltas B − A and exit."),
    ] = None,
    report_json: Annotated[Path | None, Opt(help="Write the JSON report here.")] = None,
    report_md: Annotated[Path | None, Opt(help="Write the Markdown summary here.")] = None,
    report_html: Annotated[
        Path | None, Opt(help="Write the self-contained HTML report here.")
    ] = None,
    save_outputs: Annotated[
        Path | None, Opt("--save-predictions", help="Save each output as DIR/<case id>.json.")
    ] = None,
    thresholds: Annotated[Path, Opt(help="Thresholds file.")] = DEFAULT_THRESHOLDS,
    gate: Annotated[bool, Opt("--gate/--no-gate", help="Apply the thresholds.")] = True,
    baseline: Annotated[
        Path | None, Opt(help="Fail on regressions against this JSON report.")
    ] = None,
    tolerance: Annotated[
        float | None, Opt(help="Allowed drop vs --baseline (default: thresholds file).")
    ] = None,
    jobs: Annotated[int, Opt(min=1, help="Cases run concurrently.")] = 1,
    embedding: Annotated[
        bool, Opt("--embedding/--no-embedding", help="Summary embedding cosine (MiniLM).")
    ] = True,
    progress: Annotated[
        bool, Opt("--progress/--no-progress", help="Live progress display.")
    ] = True,
) -> None:
    """Score structured summaries against gold annotations; exit non-zero when a gate fails."""
    if compare:
        from evals.compare import print_comparison

        print_comparison(
            _load_report(compare[0]),
            _load_report(compare[1]),
            (str(compare[0]), str(compare[1])),
            out,
        )
        return
    mode = _mode(live, replay, predictions, record)
    if split:
        case = [*(case or []), *_split_cases(split)]
    request = EvalRequest(
        mode=mode,
        gold_dirs=gold or [DEFAULT_GOLD_DIR],
        source=replay or predictions,
        record=record,
        case_ids=case or [],
        jobs=jobs,
        embedding=embedding,
        progress=progress,
    )
    try:
        if gate:
            load_thresholds(thresholds)  # a broken file fails before a long run, not after
        from service.config import Settings

        run = asyncio.run(execute(request, Settings(), err))
        gate_lines = (
            _gate(run, thresholds if gate else None, baseline, tolerance)
            if gate or baseline
            else None
        )
    except (SummariserError, RuntimeError) as e:
        raise _fail(getattr(e, "message", str(e))) from e
    if save_outputs:
        save_predictions(run, save_outputs)
    sys.stdout.write(_write_reports(run, gate_lines, report_json, report_md, report_html))
    sys.stdout.flush()
    _exit(run, gate_lines)


SPLITS = Path(__file__).resolve().parent / "splits.toml"


def _split_cases(name: str) -> list[str]:
    """Case ids of one split: cases tuned on (``tune``) and cases only checked against."""
    import tomllib

    splits = tomllib.loads(SPLITS.read_text(encoding="utf-8"))
    if name not in splits or not isinstance(splits[name].get("cases"), list):
        raise _fail(f"{SPLITS}: no split {name!r} (have: {', '.join(sorted(splits))})")
    return [str(c) for c in splits[name]["cases"]]


def _exit(run: EvalRun, gate_lines: list[str] | None) -> None:
    if run.replay_misses:
        err.print(
            f"[red]replay: {len(run.replay_misses)} request(s) are not in the recording[/red] "
            "(prompts, chunking or settings changed since it was made: "
            "re-record with --live --record)"
        )
        for miss in run.replay_misses[:10]:
            err.print(
                f"  {miss['case']}: {miss['path']} {miss['key']} ({miss['why']})", highlight=False
            )
        raise typer.Exit(EXIT_REPLAY)
    if gate_lines:
        err.print("[red]eval gate failed:[/red]")
        for line in gate_lines:
            err.print("  " + line, highlight=False, markup=False)
        raise typer.Exit(EXIT_GATE)


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to the ``summarise`` app."""
    app.command("eval", help="Score summaries against gold cases; gate on thresholds.")(
        eval_command
    )
