"""``--compare A.json B.json``: metric deltas between two reports (prompt or model A/B tests)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from evals.gates import HIGHER_IS_BETTER, LOWER_IS_BETTER, flatten

COST = ("tokens.total", "llm_calls", "latency_ms.total", "latency_ms.mean")
CASE_METRICS = (
    "participants.f1",
    "agreements.f1",
    "topics.recall",
    "geopolitical_notes.recall",
    "hallucinations.count",
)


def delta_rows(
    a: dict[str, Any], b: dict[str, Any]
) -> list[tuple[str, Any, Any, float | None, bool | None]]:
    """(metric, A, B, B − A, whether B is better) for every aggregate metric in either report."""
    fa, fb = flatten(a["aggregate"]), flatten(b["aggregate"])
    rows = []
    for metric in (*HIGHER_IS_BETTER, *LOWER_IS_BETTER, *COST):
        va, vb = fa.get(metric), fb.get(metric)
        delta = None if va is None or vb is None else round(float(vb) - float(va), 4)
        better = None if not delta else (delta > 0) == (metric in HIGHER_IS_BETTER)
        rows.append((metric, va, vb, delta, better))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else f"{value:,}"


def _delta(metric: str, delta: float | None, better: bool | None) -> str:
    if delta is None:
        return "n/a"
    text = f"{delta:+,.0f}" if metric in (*COST, *LOWER_IS_BETTER) else f"{delta:+.3f}"
    return text if better is None else f"[{'green' if better else 'red'}]{text}[/]"


def case_rows(a: dict[str, Any], b: dict[str, Any]) -> list[list[str]]:
    """Per shared case: B − A of the main per-case metrics."""
    by_id = {c["id"]: flatten(c) for c in a["cases"]}
    rows = []
    for case in b["cases"]:
        old, new = by_id.get(case["id"]), flatten(case)
        if old is None:
            continue
        cells = [case["id"]]
        for metric in CASE_METRICS:
            va, vb = old.get(metric), new.get(metric)
            cells.append("n/a" if va is None or vb is None else f"{float(vb) - float(va):+.2f}")
        rows.append(cells)
    return rows


def print_comparison(
    a: dict[str, Any], b: dict[str, Any], names: tuple[str, str], console: Console
) -> None:
    """Print the aggregate delta table and the per-case delta table."""
    table = Table(title=f"A = {names[0]}   B = {names[1]}")
    for column in ("metric", "A", "B", "B − A"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, va, vb, delta, better in delta_rows(a, b):
        table.add_row(metric, _cell(va), _cell(vb), _delta(metric, delta, better))
    console.print(table)
    per_case = Table(title="per case, B − A")
    for column in ("case", *CASE_METRICS):
        per_case.add_column(column)
    for row in case_rows(a, b):
        per_case.add_row(*row)
    console.print(per_case)
