"""Gold cases from corrections: what is kept, what leaks, and match strings (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from service.jobs.gold_export import case_id, gold_case, note_groups, slug
from service.store.types import CorrectionRecord, JobRecord

ARTICLE = (
    "TAIPEI - The minister met the Under Secretary for Economic Affairs on Monday. "
    "Both sides endorsed the Pax Silica Declaration. China objected to the talks."
)


def _ev(phrase: str) -> list[dict[str, object]]:
    start = ARTICLE.index(phrase)
    return [{"quote": phrase, "start": start, "end": start + len(phrase)}]


RESULT = {
    "summary": "Both sides endorsed the Pax Silica Declaration.",
    "participants": [
        {"name": "Kung Ming-hsin", "role": "minister", "evidence": _ev("The minister met")},
        {"name": None, "role": "Under Secretary for Economic Affairs",
         "evidence": _ev("Under Secretary for Economic Affairs")},
    ],
    "agreements": [
        {"title": "Pax Silica Declaration", "status": "signed", "kind": "declaration",
         "parties": ["Taiwan"], "evidence": _ev("endorsed the Pax Silica Declaration")},
        {"title": "Zorbland Accord", "status": "announced", "evidence": _ev("China objected")},
    ],
    "topics": ["semiconductors", "tariffs"],
    "geopolitical_notes": [{"note": "China objected to the talks.", "evidence": _ev("China")}],
    "event": None,
    "language": "en",
    "meta": {"model": "m", "prompt_versions": {}, "chunks": 1},
}  # fmt: skip


def _job(**article: object) -> JobRecord:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return JobRecord(
        id="0123456789abcdef0123456789abcdef", api_key_id="k", batch_id=None, batch_index=None,
        ref=None, status="succeeded", article={"text": ARTICLE, **article}, callback_url=None,
        webhook_state=None, request_id=None, attempts=1, chunks_done=1, chunks_total=1,
        stage="done", content_hash=None, cached=False, result=RESULT, error=None,
        created_at=now, started_at=now, run_after=None, finished_at=now,
    )  # fmt: skip


def test_corrected_items_become_the_gold_lists_and_invented_names_must_not_appear() -> None:
    items = [
        {"action": "reject", "section": "participants", "index": 0},
        {"action": "reject", "section": "agreements", "index": 1},
        {"action": "edit", "section": "agreements", "index": 0, "fields": {"status": "endorsed"}},
        {"action": "reject", "section": "topics", "index": 1},
        {"action": "add", "section": "event", "fields": {"name": "EPP Dialogue", "place": None}},
    ]
    record = CorrectionRecord(
        1, "j", 3, "k", "desk", items, None, datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    )
    text_file, article, gold = gold_case(_job(title="Pax Silica: endorsed!"), record)
    assert text_file == "pax-silica-endorsed-01234567.txt" and article == ARTICLE
    body = gold["gold"]
    assert [p["match"] for p in body["participants"]] == [["Under Secretary for Economic Affairs"]]
    assert [(a["title"], a["status"]) for a in body["agreements"]] == [
        ("Pax Silica Declaration", "endorsed")
    ]
    assert [t["label"] for t in body["topics"]] == ["semiconductors"]
    assert body["event"] == {"name": "EPP Dialogue", "match": ["EPP Dialogue"]}
    # Rejected names the article never writes are hallucinations for the harness to catch.
    assert body["must_not_contain"] == ["Kung Ming-hsin", "Zorbland Accord"]
    assert "corrections version 3 by API key desk" in gold["source"]["origin"]


def test_ids_and_note_match_groups() -> None:
    assert slug("São Tomé & Príncipe: talks") == "sao-tome-principe-talks"
    assert case_id(_job()) == "job-01234567"
    assert note_groups("Beijing says the talks challenge its sovereignty over Taiwan.") == [
        ["Taiwan"],
        ["sovereignty"],
    ]
    assert note_groups("a b c") == [["a b c"]]
