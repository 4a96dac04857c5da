"""Leaks of forbidden strings, evidence grounding, and schema validity."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from evals.evaluators.base import EvalContext
from evals.evaluators.fields import ratio
from evals.prediction import LooseEvidence, schema_errors
from evals.text import plain

SKIPPED_KEYS = frozenset({"source_text"})
"""``source_text`` echoes the input article; a leak is what the summary itself says."""


def output_strings(value: object) -> Iterator[str]:
    """Every string value in the output JSON, except the echoed ``source_text``."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in SKIPPED_KEYS:
                yield from output_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from output_strings(item)


class LeakResult(BaseModel):
    count: int
    found: list[str]


class LeakEvaluator:
    """``must_not_contain`` strings found anywhere in the output (whitespace and case folded)."""

    name = "hallucinations"

    def evaluate(self, ctx: EvalContext) -> LeakResult:
        texts = [plain(s) for s in output_strings(ctx.raw)]
        found = [
            s for s in ctx.case.gold.gold.must_not_contain if any(plain(s) in t for t in texts)
        ]
        return LeakResult(count=len(found), found=found)


class GroundingResult(BaseModel):
    items: int
    grounded: int
    rate: float | None
    ungrounded: list[str]


def quote_at_offsets(ev: LooseEvidence, source: str) -> bool:
    """``source[start:end] == quote`` exactly, with offsets inside the source."""
    if ev.start is None or ev.end is None or not ev.quote:
        return False
    return 0 <= ev.start <= ev.end <= len(source) and source[ev.start : ev.end] == ev.quote


class GroundingEvaluator:
    """Share of participants, agreements and notes whose every evidence quote sits at its offsets.

    An item without evidence is ungrounded: an editor cannot check it.
    """

    name = "grounding"

    def evaluate(self, ctx: EvalContext) -> GroundingResult:
        view, source = ctx.view, ctx.source
        items: list[tuple[str, list[LooseEvidence]]] = [
            *((f"participant {p.text!r}", p.evidence) for p in view.participants),
            *((f"agreement {a.title!r}", a.evidence) for a in view.agreements),
            *((f"note {n.note[:60]!r}", n.evidence) for n in view.geopolitical_notes),
        ]
        bad = [
            label + (": no evidence" if not evs else ": quote not at its offsets")
            for label, evs in items
            if not evs or not all(quote_at_offsets(e, source) for e in evs)
        ]
        grounded = len(items) - len(bad)
        return GroundingResult(
            items=len(items), grounded=grounded, rate=ratio(grounded, len(items)), ungrounded=bad
        )


class SchemaResult(BaseModel):
    valid: bool
    errors: list[str]


class SchemaEvaluator:
    """Does the output validate against the published ``StructuredSummary``?"""

    name = "schema_validity"
    max_errors = 5

    def evaluate(self, ctx: EvalContext) -> SchemaResult:
        errors = schema_errors(ctx.raw)
        return SchemaResult(valid=not errors, errors=errors[: self.max_errors])
