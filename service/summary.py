"""The prose summary, written from the merged material and grounded sentence by sentence.

The model sees numbered facts (the merged items, each with its evidence); every sentence it writes
must cite fact numbers, and inherits their evidence. A sentence that cites nothing valid, or names
someone or a number the article never mentions, is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.clean import CleanDocument
from service.ground import locate, unsupported_names, unsupported_numbers
from service.plausible import foreign_script
from service.schema import (
    Agreement,
    Event,
    Evidence,
    GeopoliticalNote,
    Participant,
    SummarySentence,
)


@dataclass
class Fact:
    text: str
    evidence: list[Evidence]


_STATUS_WORDS = {
    "signed": "signed",
    "endorsed": "endorsed",
    "announced": "announced",
    "agreed_in_principle": "agreed in principle",
    "under_negotiation": "still under negotiation",
    "proposed": "proposed",
    "discussed": "discussed",
    "rejected": "rejected",
}


def collect_facts(
    doc: CleanDocument,
    event: Event | None,
    participants: list[Participant],
    agreements: list[Agreement],
    notes: list[GeopoliticalNote],
    topics: list[str],
) -> list[Fact]:
    """Number the merged material for the summary prompt (1-based in the prompt)."""
    facts: list[Fact] = []
    if event and event.name:
        where = ", ".join(x for x in (event.date, event.place) if x)
        ev = locate(event.name, doc, doc.body)
        facts.append(
            Fact(
                f"The occasion: {event.name}" + (f" ({where})" if where else "") + ".",
                [ev] if ev else [],
            )
        )
    for p in participants:
        who = " ".join(x for x in (p.role, p.name) if x) or "A participant"
        facts.append(
            Fact(who + (f" ({p.affiliation})" if p.affiliation else "") + " took part.", p.evidence)
        )
    for a in agreements:
        by = f" by {', '.join(a.parties)}" if a.parties else ""
        facts.append(
            Fact(f"{a.title} ({a.kind or 'agreement'}): {_STATUS_WORDS[a.status]}{by}.", a.evidence)
        )
    facts.extend(Fact(n.note, n.evidence) for n in notes)
    if topics:
        spans = [ev for ev in (locate(t, doc, doc.body) for t in topics) if ev is not None]
        facts.append(Fact("Subjects covered: " + ", ".join(topics) + ".", spans[:4]))
    return facts


def render_facts(facts: list[Fact]) -> str:
    return "\n".join(f"[{i}] {f.text}" for i, f in enumerate(facts, start=1))


def ground_sentences(
    sentences: list[tuple[str, list[int]]], facts: list[Fact], doc: CleanDocument
) -> tuple[list[SummarySentence], int]:
    """Attach each sentence's cited evidence; return the kept sentences and how many were dropped."""
    kept: list[SummarySentence] = []
    dropped = 0
    for text, ids in sentences:
        text = " ".join(text.split())
        evidence: dict[tuple[int, int], Evidence] = {}
        for i in ids:
            if 1 <= i <= len(facts):
                for ev in facts[i - 1].evidence:
                    evidence.setdefault((ev.start, ev.end), ev)
        if (
            not text
            or not evidence
            or unsupported_names(text, doc)
            or unsupported_numbers(text, doc)
            or foreign_script(text, doc.source_text)
        ):
            dropped += 1
            continue
        kept.append(
            SummarySentence(
                text=text, evidence=sorted(evidence.values(), key=lambda e: e.start)[:4]
            )
        )
    return kept, dropped
