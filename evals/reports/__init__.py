"""Reports derived from a ``Report``: JSON (machine), Markdown (CI summary), HTML (per case)."""

from __future__ import annotations

from pathlib import Path

from evals.results import Report


def write_json(report: Report, path: Path) -> None:
    """Stable keys, indented, newline-terminated: diffable between runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
