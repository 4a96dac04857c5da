"""Metrics on hand-made predictions with known answers."""

from __future__ import annotations

import copy

import pytest
from eval_fakes import ARTICLE, PERFECT, evidence, prediction

from evals.evaluators.summary import EmbeddingUnavailable, SummaryEvaluator
from evals.gold import Case
from evals.results import CaseResult, aggregate
from evals.scoring import Outcome, default_evaluators, score_case
from evals.text import fuzzy_match, one_to_one, plain_match


class FakeEmbedder:
    def cosine(self, a: str, b: str) -> float:
        return 1.0 if a == b else 0.5


def score(case: Case, raw: object, embedder: object | None = None) -> CaseResult:
    return score_case(case, Outcome(case.id, raw), default_evaluators(embedder))  # type: ignore[arg-type]


def test_perfect_prediction_scores_one_everywhere(tiny_case: Case) -> None:
    r = score(tiny_case, PERFECT, FakeEmbedder())
    assert (r.participants.precision, r.participants.recall, r.participants.f1) == (1.0, 1.0, 1.0)
    assert r.agreements.f1 == 1.0 and r.agreements.status_accuracy == 1.0
    assert r.topics.recall == 1.0 and r.geopolitical_notes.recall == 1.0 and r.event.matched
    assert r.hallucinations.count == 0 and r.grounding.rate == 1.0 and r.schema_validity.valid
    assert r.summary.rouge_l == 1.0 and r.summary.embedding_cosine == 1.0
    assert (r.cost.prompt_tokens, r.cost.completion_tokens, r.cost.llm_calls) == (100, 20, 2)


def test_empty_prediction_scores_zero(tiny_case: Case) -> None:
    r = score(tiny_case, prediction())
    assert (r.participants.precision, r.participants.recall, r.participants.f1) == (0.0, 0.0, 0.0)
    assert r.agreements.f1 == 0.0 and r.agreements.status_accuracy is None
    assert r.topics.recall == 0.0 and r.geopolitical_notes.recall == 0.0
    assert r.grounding.rate is None and r.grounding.items == 0
    assert r.schema_validity.valid and r.summary.rouge_l == 0.0
    assert r.participants.missed == ["Jane Roe", "John Poe"]


def test_no_output_is_invalid_and_scores_zero(tiny_case: Case) -> None:
    r = score_case(
        tiny_case, Outcome(tiny_case.id, None, "error", "boom"), default_evaluators(None)
    )
    assert r.status == "error" and not r.schema_validity.valid and r.participants.f1 == 0.0


def test_all_wrong_prediction(tiny_case: Case) -> None:
    raw = prediction(
        participants=[
            {"name": "Mary Major", "role": "Envoy"},
            {"name": "Sam Minor", "role": "Aide"},
        ],
        agreements=[{"title": "Fishing pact", "status": "signed"}],
        topics=["fisheries"],
        geopolitical_notes=[{"note": "Relations are warm."}],
    )
    r = score(tiny_case, raw)
    assert r.participants.tp == 0 and r.participants.precision == 0.0 and r.participants.f1 == 0.0
    assert r.participants.false_positives == ["Mary Major Envoy", "Sam Minor Aide"]
    assert r.agreements.f1 == 0.0 and r.topics.recall == 0.0 and r.geopolitical_notes.recall == 0.0
    assert r.grounding.rate == 0.0  # no evidence: ungrounded


def test_partial_prediction(tiny_case: Case) -> None:
    raw = prediction(
        participants=[
            {"name": "Jane Roe", "role": "Trade Minister"},
            {"name": None, "role": "Spokesperson"},
        ],
        agreements=[{"title": "Geneva Tariff Accord", "status": "announced"}],
        topics=["steel tariffs"],
    )
    r = score(tiny_case, raw)
    assert (r.participants.precision, r.participants.recall, r.participants.f1) == (0.5, 0.5, 0.5)
    assert (r.agreements.precision, r.agreements.recall) == (1.0, 0.5)
    assert r.agreements.f1 == pytest.approx(0.6667)
    assert r.agreements.status_accuracy == 0.0 and r.agreements.status_errors
    assert (r.topics.covered, r.topics.gold) == (2, 3)


def test_hallucinated_name_is_a_leak_and_a_false_positive(tiny_case: Case) -> None:
    raw = copy.deepcopy(PERFECT)
    raw["participants"].append({"name": "Richard Moe", "role": "Deputy Minister"})
    r = score(tiny_case, raw)
    assert r.hallucinations.count == 1 and r.hallucinations.found == ["Richard Moe"]
    assert r.participants.precision == pytest.approx(0.6667) and r.participants.recall == 1.0
    assert r.participants.false_positives == ["Richard Moe Deputy Minister"]


def test_boilerplate_leak_anywhere_but_source_text(tiny_case: Case) -> None:
    raw = copy.deepcopy(PERFECT)
    raw["topics"].append("Subscribe  to our\nNEWSLETTER")
    raw["source_text"] = ARTICLE  # the echoed input is not a leak
    r = score(tiny_case, raw)
    assert r.hallucinations.found == ["Subscribe to our newsletter"]


def test_grounding_checks_offsets_against_source(tiny_case: Case) -> None:
    raw = copy.deepcopy(PERFECT)
    raw["participants"][0]["evidence"][0]["start"] += 1
    r = score(tiny_case, raw)
    assert (r.grounding.items, r.grounding.grounded) == (5, 4)
    assert "quote not at its offsets" in r.grounding.ungrounded[0]


def test_schema_invalid_output_is_still_scored(tiny_case: Case) -> None:
    raw = prediction(agreements=[{"title": "Geneva Tariff Accord", "status": "ongoing"}])
    r = score(tiny_case, raw)
    assert not r.schema_validity.valid and "status" in r.schema_validity.errors[0]
    assert r.agreements.tp == 1 and r.agreements.status_accuracy == 0.0


def test_missing_meta_is_tolerated_for_outside_predictions(tiny_case: Case) -> None:
    raw = {k: v for k, v in PERFECT.items() if k != "meta"}
    r = score(tiny_case, raw)
    assert r.schema_validity.valid and r.cost.llm_calls == 0


def test_embedding_unavailable_is_null_with_reason(tiny_case: Case) -> None:
    class Broken:
        def cosine(self, a: str, b: str) -> float:
            raise EmbeddingUnavailable("no torch here")

    r = SummaryEvaluator(Broken()).evaluate(
        __import__("evals.evaluators.base", fromlist=["EvalContext"]).EvalContext(
            tiny_case, PERFECT
        )
    )
    assert r.embedding_cosine is None and r.embedding_error == "no torch here"
    assert r.rouge_l == 1.0


def test_matching_rules() -> None:
    assert plain_match(["under secretary"], "The Under\nSecretary  for X")
    assert not plain_match(["U.S."], "U. S. delegation")
    assert fuzzy_match(["U.S."], "U. S. delegation")
    assert fuzzy_match(["Los Ángeles"], "Los Angeles summit")
    assert fuzzy_match(["no "], "there are no formal ties") and not fuzzy_match(["no "], "economic")


def test_one_to_one_matching_counts_each_prediction_once() -> None:
    gold = [["minister"], ["under secretary"]]
    predicted = ["Foreign Minister A", "Minister B", "Under Secretary C"]
    assert one_to_one(gold, predicted, plain_match) == {0: 0, 1: 2}
    # augmenting path: the only prediction for gold 1 is taken from gold 0, which moves on
    assert one_to_one([["a"], ["ab"]], ["ab", "a"], plain_match) == {0: 1, 1: 0}


def test_aggregate_micro_and_macro(tiny_case: Case) -> None:
    results = [score(tiny_case, PERFECT), score(tiny_case, prediction())]
    agg = aggregate(results)
    assert agg["participants"]["f1"] == pytest.approx(0.6667)  # micro: 2 tp, 2 predicted, 4 gold
    assert agg["participants"]["macro"]["f1"] == 0.5
    assert agg["schema_valid_rate"] == 1.0 and agg["grounding_rate"] == 1.0
    assert agg["tokens"] == {"prompt": 200, "completion": 40, "total": 240}
    assert agg["llm_calls"] == 4 and agg["hallucinations"] == 0
    for key in ("participants", "agreements"):
        assert set(agg[key]) >= {"precision", "recall", "f1"}
    assert set(agg["summary"]) >= {"rouge_l", "embedding_cosine"}
    assert evidence("Jane Roe")[0]["end"] > 0
