"""Participants, agreements, topics, notes and event: gold-format matching, plain and fuzzy."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from evals.evaluators.base import EvalContext
from evals.text import MATCHERS, Matcher, one_to_one


def ratio(num: int, den: int) -> float | None:
    """``num / den`` rounded to 4 places, or ``None`` when there is nothing to divide by."""
    return round(num / den, 4) if den else None


def prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Precision, recall, F1. Nothing predicted and nothing expected is a perfect score;
    nothing predicted against a non-empty gold list scores 0."""
    if predicted == 0 and gold == 0:
        return 1.0, 1.0, 1.0
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


class MatchScore(BaseModel):
    """Matching of one field under one matcher. ``gold_to_pred[i]``: predicted index or null."""

    tp: int
    predicted: int
    gold: int
    precision: float | None
    recall: float | None
    f1: float | None
    gold_to_pred: list[int | None]


class FieldResult(MatchScore):
    """Plain substring scores at the top level (the comparable floor), fuzzy beside them."""

    fuzzy: MatchScore
    missed: list[str]
    false_positives: list[str]


class AgreementResult(FieldResult):
    status_checked: int = 0
    status_correct: int = 0
    status_accuracy: float | None = None
    status_errors: list[str] = []


def _score(gold: Sequence[Sequence[str]], predicted: Sequence[str], matcher: Matcher) -> MatchScore:
    pairs = one_to_one(gold, predicted, matcher)
    p, r, f = prf(len(pairs), len(predicted), len(gold))
    return MatchScore(
        tp=len(pairs),
        predicted=len(predicted),
        gold=len(gold),
        precision=p,
        recall=r,
        f1=f,
        gold_to_pred=[pairs.get(i) for i in range(len(gold))],
    )


def _field(
    gold: Sequence[Sequence[str]], labels: Sequence[str], predicted: Sequence[str]
) -> dict[str, object]:
    plain = _score(gold, predicted, MATCHERS["plain"])
    hit = {j for j in plain.gold_to_pred if j is not None}
    return {
        **plain.model_dump(),
        "fuzzy": _score(gold, predicted, MATCHERS["fuzzy"]),
        "missed": [labels[i] for i, j in enumerate(plain.gold_to_pred) if j is None],
        "false_positives": [t for j, t in enumerate(predicted) if j not in hit],
    }


class ParticipantsEvaluator:
    """P/R/F1 of participants; gold ``match`` strings are tested against name + role."""

    name = "participants"

    def evaluate(self, ctx: EvalContext) -> FieldResult:
        gold = ctx.case.gold.gold.participants
        labels = [g.name or g.role or g.match[0] for g in gold]
        return FieldResult.model_validate(
            _field([g.match for g in gold], labels, [p.text for p in ctx.view.participants])
        )


class AgreementsEvaluator:
    """P/R/F1 of agreements (matched on title) and status accuracy on matched pairs."""

    name = "agreements"

    def evaluate(self, ctx: EvalContext) -> AgreementResult:
        gold = ctx.case.gold.gold.agreements
        predicted = ctx.view.agreements
        result = AgreementResult.model_validate(
            _field([g.match for g in gold], [g.title for g in gold], [a.title for a in predicted])
        )
        pairs = [
            (gold[i], predicted[j]) for i, j in enumerate(result.gold_to_pred) if j is not None
        ]
        wrong = [
            f"{p.title}: {p.status} (gold: {g.status})" for g, p in pairs if p.status != g.status
        ]
        result.status_checked = len(pairs)
        result.status_correct = len(pairs) - len(wrong)
        result.status_accuracy = ratio(result.status_correct, len(pairs))
        result.status_errors = wrong
        return result


class CoverageResult(BaseModel):
    """Recall over gold items: how many are covered by some predicted string."""

    covered: int
    gold: int
    predicted: int
    recall: float | None
    fuzzy_covered: int
    fuzzy_recall: float | None
    missed: list[str]


def _coverage(
    groups: list[list[Sequence[str]]], labels: list[str], predicted: list[str]
) -> CoverageResult:
    def covered(matcher: Matcher) -> list[bool]:
        return [any(all(matcher(g, p) for g in gs) for p in predicted) for gs in groups]

    plain, fuzzy = covered(MATCHERS["plain"]), covered(MATCHERS["fuzzy"])
    return CoverageResult(
        covered=sum(plain),
        gold=len(groups),
        predicted=len(predicted),
        recall=ratio(sum(plain), len(groups)),
        fuzzy_covered=sum(fuzzy),
        fuzzy_recall=ratio(sum(fuzzy), len(groups)),
        missed=[label for label, ok in zip(labels, plain, strict=True) if not ok],
    )


class TopicsEvaluator:
    """Topic recall: a gold topic is covered when a predicted topic contains one of its strings."""

    name = "topics"

    def evaluate(self, ctx: EvalContext) -> CoverageResult:
        gold = ctx.case.gold.gold.topics
        return _coverage([[t.match] for t in gold], [t.label for t in gold], ctx.view.topics)


class NotesEvaluator:
    """Geopolitical-note coverage: one predicted note must satisfy every ``match_all`` group."""

    name = "geopolitical_notes"

    def evaluate(self, ctx: EvalContext) -> CoverageResult:
        gold = ctx.case.gold.gold.geopolitical_notes
        notes = [n.note for n in ctx.view.geopolitical_notes]
        return _coverage([list(n.match_all) for n in gold], [n.note for n in gold], notes)


class EventResult(BaseModel):
    matched: bool | None
    fuzzy_matched: bool | None
    predicted: str | None


class EventEvaluator:
    """Whether the predicted event name (and place) identifies the gold event; null if none."""

    name = "event"

    def evaluate(self, ctx: EvalContext) -> EventResult:
        gold = ctx.case.gold.gold.event
        event = ctx.view.event
        text = " ".join(p for p in (event.name, event.place) if p) if event else ""
        if gold is None:
            return EventResult(matched=None, fuzzy_matched=None, predicted=text or None)
        return EventResult(
            matched=MATCHERS["plain"](gold.match, text),
            fuzzy_matched=MATCHERS["fuzzy"](gold.match, text),
            predicted=text or None,
        )
