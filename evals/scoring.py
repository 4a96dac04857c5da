"""Score one output against its gold case by running every evaluator."""

from __future__ import annotations

from dataclasses import dataclass

from evals.evaluators import (
    AgreementsEvaluator,
    CostEvaluator,
    EvalContext,
    Evaluator,
    EventEvaluator,
    GroundingEvaluator,
    LeakEvaluator,
    NotesEvaluator,
    ParticipantsEvaluator,
    SchemaEvaluator,
    SummaryEvaluator,
    TopicsEvaluator,
)
from evals.evaluators.summary import Embedder
from evals.gold import Case
from evals.results import CaseResult, Status


@dataclass(frozen=True)
class Outcome:
    """What a backend produced for one case: the output JSON (or None) and how it went."""

    case_id: str
    raw: object | None
    status: Status = "ok"
    error: str | None = None
    latency_ms: int | None = None


def default_evaluators(embedder: Embedder | None) -> list[Evaluator]:
    """The evaluator set every run uses; ``embedder=None`` skips the embedding cosine."""
    return [
        ParticipantsEvaluator(),
        AgreementsEvaluator(),
        TopicsEvaluator(),
        NotesEvaluator(),
        EventEvaluator(),
        LeakEvaluator(),
        GroundingEvaluator(),
        SchemaEvaluator(),
        SummaryEvaluator(embedder),
        CostEvaluator(),
    ]


def score_case(case: Case, outcome: Outcome, evaluators: list[Evaluator]) -> CaseResult:
    """Run each evaluator on the case and assemble the typed case result."""
    ctx = EvalContext(
        case=case, raw=outcome.raw, error=outcome.error, latency_ms=outcome.latency_ms
    )
    parts = {e.name: e.evaluate(ctx) for e in evaluators}
    return CaseResult.model_validate(
        {"id": case.id, "status": outcome.status, "error": outcome.error, **parts}
    )
