"""Run a backend over the cases with bounded concurrency and a live progress display."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from evals.backends import Backend
from evals.evaluators.summary import Embedder
from evals.gold import Case
from evals.results import CaseResult
from evals.scoring import Outcome, default_evaluators, score_case


def _display(console: Console, enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
    )


async def run_cases(
    cases: list[Case],
    backend: Backend,
    jobs: int = 1,
    console: Console | None = None,
    show: bool = True,
) -> list[Outcome]:
    """Run every case, at most ``jobs`` at a time; one bar per running case (chunks done/total)."""
    semaphore = asyncio.Semaphore(max(1, jobs))
    with _display(console or Console(stderr=True), show) as bar:
        overall = bar.add_task("cases", total=len(cases))

        async def one(case: Case) -> Outcome:
            async with semaphore:
                task = bar.add_task(f"{case.id}: starting", total=None)

                def on_progress(p: Any) -> None:
                    bar.update(
                        task,
                        total=p.chunks_total or None,
                        completed=p.chunks_done,
                        description=f"{case.id}: {p.stage}",
                    )

                try:
                    return await backend.run(case, on_progress)
                finally:
                    bar.remove_task(task)
                    bar.advance(overall)

        return list(await asyncio.gather(*(one(c) for c in cases)))


def score_all(
    cases: list[Case], outcomes: list[Outcome], embedder: Embedder | None
) -> list[CaseResult]:
    """Score each outcome against its case with the default evaluators."""
    evaluators = default_evaluators(embedder)
    return [score_case(c, o, evaluators) for c, o in zip(cases, outcomes, strict=True)]
