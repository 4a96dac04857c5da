"""Quality gates: versioned thresholds and regressions against a baseline report."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.errors import ConfigError

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
MAX_LINES = 20

HIGHER_IS_BETTER = (
    "participants.precision",
    "participants.recall",
    "participants.f1",
    "participants.fuzzy.f1",
    "agreements.precision",
    "agreements.recall",
    "agreements.f1",
    "agreements.fuzzy.f1",
    "agreements.status_accuracy",
    "topics.recall",
    "geopolitical_notes.recall",
    "event.accuracy",
    "grounding_rate",
    "schema_valid_rate",
    "summary.rouge_l",
    "summary.embedding_cosine",
)
LOWER_IS_BETTER = ("hallucinations",)
CASE_PATH = {
    "grounding_rate": "grounding.rate",
    "schema_valid_rate": "schema_validity.valid",
    "hallucinations": "hallucinations.count",
    "event.accuracy": "event.matched",
}
"""Where an aggregate metric's per-case value lives, when the path differs."""


class ThresholdError(ConfigError):
    code = "invalid_thresholds"


class Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)


class BaselineRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tolerance: float = Field(0.02, ge=0)


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    aggregate: Bounds = Field(default_factory=Bounds)
    case: Bounds = Field(default_factory=Bounds)
    baseline: BaselineRule = Field(default_factory=BaselineRule)


@dataclass(frozen=True)
class Failure:
    scope: str
    metric: str
    value: Any
    limit: str
    worst: str = ""

    def line(self) -> str:
        text = f"FAIL {self.scope}: {self.metric} = {_num(self.value)} ({self.limit})"
        return f"{text}; worst: {self.worst}" if self.worst else text


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to every number, bool or null: ``{"participants.f1": 0.5, ...}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{path}."))
        elif value is None or isinstance(value, int | float):
            out[path] = value
    return out


def load_thresholds(path: Path) -> Thresholds:
    """Parse ``thresholds.toml``; a malformed file names the file and the field."""
    try:
        return Thresholds.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ThresholdError(f"{path}: {e}") from e
    except ValidationError as e:
        err = e.errors()[0]
        raise ThresholdError(f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from e


def _case_values(report: dict[str, Any], metric: str) -> list[tuple[str, Any]]:
    path = CASE_PATH.get(metric, metric)
    return [(c["id"], flatten(c).get(path)) for c in report["cases"] if path in flatten(c)]


def _worst(report: dict[str, Any], metric: str, higher_better: bool) -> str:
    values = [(cid, float(v)) for cid, v in _case_values(report, metric) if v is not None]
    values.sort(key=lambda cv: cv[1], reverse=not higher_better)
    return ", ".join(f"{cid} {v:.2f}" for cid, v in values[:3])


def _bound_failures(
    values: dict[str, Any], bounds: Bounds, scope: str, where: str
) -> list[Failure]:
    failures = []
    for kind, limits in (("min", bounds.min), ("max", bounds.max)):
        for metric, limit in limits.items():
            if metric not in values:
                raise ThresholdError(
                    f"thresholds: [{where}.{kind}] {metric!r} is not a metric of the report"
                )
            value = values[metric]
            bad = value is None or (value < limit if kind == "min" else value > limit)
            if bad:
                failures.append(Failure(scope, metric, value, f"{kind} {_num(limit)}"))
    return failures


def check_thresholds(report: dict[str, Any], th: Thresholds) -> list[Failure]:
    """Aggregate bounds (with the worst cases named), then per-case bounds."""
    failures = [
        Failure(
            f.scope, f.metric, f.value, f.limit, _worst(report, f.metric, f.limit.startswith("min"))
        )
        for f in _bound_failures(
            flatten(report["aggregate"]), th.aggregate, "aggregate", "aggregate"
        )
    ]
    for case in report["cases"]:
        failures += _bound_failures(flatten(case), th.case, f"case {case['id']}", "case")
    return failures


def check_baseline(
    report: dict[str, Any], baseline: dict[str, Any], tolerance: float
) -> list[Failure]:
    """Aggregate quality metrics that fell more than ``tolerance`` below the baseline report;
    any increase of hallucinations fails. Metrics null in either report are skipped."""
    now, before = flatten(report["aggregate"]), flatten(baseline["aggregate"])
    failures = []
    for metric in (*HIGHER_IS_BETTER, *LOWER_IS_BETTER):
        cur, old = now.get(metric), before.get(metric)
        if cur is None or old is None:
            continue
        higher = metric in HIGHER_IS_BETTER
        if (old - cur > tolerance) if higher else (cur > old):
            limit = (
                f"baseline {_num(old)}, tolerance {tolerance}"
                if higher
                else f"baseline {_num(old)}"
            )
            failures.append(
                Failure("baseline", metric, cur, limit, _drops(report, baseline, metric, higher))
            )
    return failures


def _drops(report: dict[str, Any], baseline: dict[str, Any], metric: str, higher: bool) -> str:
    old = dict(_case_values(baseline, metric))
    deltas = [
        (cid, float(v) - float(old[cid]))
        for cid, v in _case_values(report, metric)
        if v is not None and old.get(cid) is not None
    ]
    deltas = [d for d in deltas if (d[1] < 0 if higher else d[1] > 0)]
    deltas.sort(key=lambda d: d[1], reverse=not higher)
    return ", ".join(f"{cid} {d:+.2f}" for cid, d in deltas[:3])


def explain(failures: list[Failure]) -> list[str]:
    """At most one screen: one line per failure, then a count of the rest."""
    lines = [f.line() for f in failures[:MAX_LINES]]
    if len(failures) > MAX_LINES:
        lines.append(f"... and {len(failures) - MAX_LINES} more (see the JSON report)")
    return lines
