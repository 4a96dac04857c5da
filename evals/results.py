"""Per-case results and their aggregation (micro and macro). Reports are derived from these."""

from __future__ import annotations

from statistics import mean
from typing import Any, Literal

from pydantic import BaseModel, Field

from evals.evaluators.cost import CostResult
from evals.evaluators.fields import (
    AgreementResult,
    CoverageResult,
    EventResult,
    FieldResult,
    prf,
    ratio,
)
from evals.evaluators.safety import GroundingResult, LeakResult, SchemaResult
from evals.evaluators.summary import SummaryResult

REPORT_VERSION = 1
Status = Literal["ok", "partial", "error", "missing"]


class CaseResult(BaseModel):
    """Everything measured on one case. ``error`` says why output is missing or partial."""

    id: str
    status: Status
    error: str | None = None
    participants: FieldResult
    agreements: AgreementResult
    topics: CoverageResult
    geopolitical_notes: CoverageResult
    event: EventResult
    hallucinations: LeakResult
    grounding: GroundingResult
    schema_validity: SchemaResult
    summary: SummaryResult
    cost: CostResult


class Report(BaseModel):
    """The JSON report: run description, aggregate metrics and per-case results."""

    version: int = REPORT_VERSION
    run: dict[str, Any] = Field(default_factory=dict)
    aggregate: dict[str, Any]
    cases: list[CaseResult]


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 4) if present else None


def _prf_block(results: list[FieldResult] | list[Any], fuzzy: bool = False) -> dict[str, Any]:
    scores = [r.fuzzy if fuzzy else r for r in results]
    tp, pred, gold = (sum(getattr(s, k) for s in scores) for k in ("tp", "predicted", "gold"))
    p, r, f = prf(tp, pred, gold)
    block: dict[str, Any] = {
        "precision": p,
        "recall": r,
        "f1": f,
        "tp": tp,
        "predicted": pred,
        "gold": gold,
    }
    block["macro"] = {
        k: _mean([getattr(s, k) for s in scores]) for k in ("precision", "recall", "f1")
    }
    if not fuzzy:
        block["fuzzy"] = _prf_block(results, fuzzy=True)
    return block


def _coverage_block(results: list[CoverageResult]) -> dict[str, Any]:
    covered, gold = sum(r.covered for r in results), sum(r.gold for r in results)
    fuzzy = sum(r.fuzzy_covered for r in results)
    return {
        "recall": ratio(covered, gold),
        "covered": covered,
        "gold": gold,
        "macro": {"recall": _mean([r.recall for r in results])},
        "fuzzy": {
            "recall": ratio(fuzzy, gold),
            "macro": {"recall": _mean([r.fuzzy_recall for r in results])},
        },
    }


def _agreements_block(results: list[AgreementResult]) -> dict[str, Any]:
    block = _prf_block(results)
    checked = sum(r.status_checked for r in results)
    block["status_accuracy"] = ratio(sum(r.status_correct for r in results), checked)
    block["status_checked"] = checked
    return block


def _summary_block(results: list[SummaryResult]) -> dict[str, Any]:
    errors = sorted({r.embedding_error for r in results if r.embedding_error})
    return {
        "rouge_l": _mean([r.rouge_l for r in results]),
        "embedding_cosine": _mean([r.embedding_cosine for r in results]),
        "embedding_error": errors[0] if errors else None,
    }


def _cost_blocks(results: list[CostResult]) -> dict[str, Any]:
    latencies = [r.latency_ms for r in results if r.latency_ms is not None]
    prompt, completion = (
        sum(r.prompt_tokens for r in results),
        sum(r.completion_tokens for r in results),
    )
    return {
        "tokens": {"prompt": prompt, "completion": completion, "total": prompt + completion},
        "llm_calls": sum(r.llm_calls for r in results),
        "latency_ms": {
            "total": sum(latencies) if latencies else None,
            "mean": round(mean(latencies)) if latencies else None,
            "max": max(latencies) if latencies else None,
        },
    }


def aggregate(cases: list[CaseResult]) -> dict[str, Any]:
    """Aggregate metrics. Top-level P/R/F1 and rates are micro (pooled over all items);
    ``macro`` blocks average the per-case values."""
    grounding = [c.grounding for c in cases]
    items, grounded = sum(g.items for g in grounding), sum(g.grounded for g in grounding)
    events = [c.event.matched for c in cases if c.event.matched is not None]
    return {
        "cases": len(cases),
        "failed_cases": sum(c.status in ("error", "missing") for c in cases),
        "partial_cases": sum(c.status == "partial" for c in cases),
        "participants": _prf_block([c.participants for c in cases]),
        "agreements": _agreements_block([c.agreements for c in cases]),
        "topics": _coverage_block([c.topics for c in cases]),
        "geopolitical_notes": _coverage_block([c.geopolitical_notes for c in cases]),
        "event": {"accuracy": ratio(sum(events), len(events))},
        "hallucinations": sum(c.hallucinations.count for c in cases),
        "hallucinated": {c.id: c.hallucinations.found for c in cases if c.hallucinations.found},
        "grounding_rate": ratio(grounded, items),
        "grounding": {
            "items": items,
            "grounded": grounded,
            "macro": _mean([g.rate for g in grounding]),
        },
        "schema_valid_rate": ratio(sum(c.schema_validity.valid for c in cases), len(cases)),
        "summary": _summary_block([c.summary for c in cases]),
        **_cost_blocks([c.cost for c in cases]),
    }


def build_report(cases: list[CaseResult], run: dict[str, Any]) -> Report:
    """Derive the report from case results (never hand-built)."""
    return Report(run=run, aggregate=aggregate(cases), cases=cases)
