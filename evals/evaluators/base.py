"""What an evaluator sees, and the one-method protocol every evaluator follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from evals.gold import Case
from evals.prediction import LooseSummary, loose_view


@dataclass(frozen=True)
class EvalContext:
    """One case and the output to judge.

    Attributes:
        case: the gold case (annotation and article).
        raw: the output as parsed JSON; ``None`` when the run produced nothing.
        error: why there is no (or only a partial) output, if so.
        latency_ms: wall-clock time the harness measured or replayed; ``None`` if unknown.
    """

    case: Case
    raw: object | None
    error: str | None = None
    latency_ms: int | None = None

    @property
    def view(self) -> LooseSummary:
        return loose_view(self.raw)

    @property
    def source(self) -> str:
        """The text evidence offsets index: ``source_text`` if present, else the article."""
        return self.view.source_text or self.case.article


class Evaluator(Protocol):
    """One metric family; ``name`` is its key in a case result."""

    name: str

    def evaluate(self, ctx: EvalContext) -> BaseModel: ...
