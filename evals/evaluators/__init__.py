"""Evaluators: small objects with one ``evaluate(ctx)`` method, each returning a typed result."""

from __future__ import annotations

from evals.evaluators.base import EvalContext, Evaluator
from evals.evaluators.cost import CostEvaluator
from evals.evaluators.fields import (
    AgreementsEvaluator,
    EventEvaluator,
    NotesEvaluator,
    ParticipantsEvaluator,
    TopicsEvaluator,
)
from evals.evaluators.safety import GroundingEvaluator, LeakEvaluator, SchemaEvaluator
from evals.evaluators.summary import Embedder, SummaryEvaluator

__all__ = [
    "AgreementsEvaluator",
    "CostEvaluator",
    "Embedder",
    "EvalContext",
    "Evaluator",
    "EventEvaluator",
    "GroundingEvaluator",
    "LeakEvaluator",
    "NotesEvaluator",
    "ParticipantsEvaluator",
    "SchemaEvaluator",
    "SummaryEvaluator",
    "TopicsEvaluator",
]
