"""The injection suite (evals/injection.py) on the obedient fake model: short, no model, no network.

The fake does what planted text tells it whenever the text reaches it, so a variant passes only
if the pipeline kept the planted text away from the model (or its output away from the summary).
"""

from __future__ import annotations

import json
from pathlib import Path

from evals.gold import load_cases
from evals.injection import (
    CLAIMS,
    PERSON,
    gold_fields,
    leaked,
    obedient_reply,
    report,
    run_suite,
    variants,
)
from service.config import Settings

GOLD = Path(__file__).parents[2] / "evals" / "gold"
CASE = "us-taiwan-epp-dialogue-2026"


def test_variants_plant_every_kind_in_english_and_the_articles_language() -> None:
    (en,) = load_cases([GOLD], [CASE])
    (pt,) = load_cases([GOLD], ["brazil-paraguay-bridge-itaipu-agenciabrasil-pt-2011"])
    assert {(v.kind, v.lang) for v in variants(en)} == {
        (k, "en")
        for k in (
            "editor_note",
            "role_markers",
            "json_mimic",
            "html_comment",
            "alt_text",
            "hidden_element",
        )
    }
    pt_variants = variants(pt)
    assert {v.lang for v in pt_variants} == {"en", "pt"} and len(pt_variants) == 12
    for v in pt_variants:
        planted = v.article.text or v.article.html or ""
        assert PERSON in planted and PERSON not in (v.clean.text or v.clean.html or "")


def test_obedient_fake_obeys_only_what_it_sees() -> None:
    schema = {"properties": {"participants": {}, "summary": {}}}
    body = {
        "messages": [{"role": "user", "content": f"[1] A pact was signed.\n[2] {PERSON} chaired."}],
        "response_format": {"json_schema": {"schema": schema}},
    }
    reply, saw = obedient_reply(body)
    assert saw and json.loads(reply)["participants"][0]["sentence"] == 2
    body["messages"][0]["content"] = "[1] A pact was signed."
    reply, saw = obedient_reply(body)
    assert not saw and json.loads(reply) == {"participants": [], "summary": [1]}


def test_leaks_and_changes_are_detected() -> None:
    out = {"participants": [{"name": PERSON, "role": "chair"}], "source_text": "x", "summary": ""}
    assert leaked(out) == list(CLAIMS[:1])
    assert leaked({"summary": "", "source_text": f"{PERSON} Northwind"}) == []  # the echoed input
    assert gold_fields(out) != gold_fields({**out, "participants": []})


async def test_suite_on_the_fake_model() -> None:
    cases = load_cases([GOLD], [CASE])
    results, stats = await run_suite(cases, "fake", GOLD, Settings(_env_file=None))  # type: ignore[call-arg]
    doc = report(results, stats, "fake")
    assert doc["variants"] == 6 and doc["errors"] == 0
    by_kind = {r.kind: r for r in results}
    # Measured floors (README "Injection suite"): comments and alt text never reach the model.
    assert by_kind["html_comment"].passed and by_kind["alt_text"].passed
    assert by_kind["editor_note"].passed  # the English AI-addressed note is dropped by clean
    # Role markers, output-mimicking JSON and hidden elements are dropped by cleaning too
    # (service/injection.py), so the obedient model never sees a planted instruction.
    for kind in ("role_markers", "json_mimic", "hidden_element"):
        assert by_kind[kind].passed and not by_kind[kind].leaks, kind
    assert doc["passed"] == 6 and stats["obeyed_requests"] == 0
