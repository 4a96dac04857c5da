"""The prose summary, written from the merged material and grounded sentence by sentence.

The model sees numbered facts (the merged items and the article's lead sentences, each with its
evidence); every sentence it writes must cite fact numbers, and inherits their evidence. A
sentence that cites nothing valid, or names someone the article never mentions, is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.clean import CleanDocument
from service.ground import locate, unsupported_names
from service.schema import Agreement, Event, Evidence, GeopoliticalNote, Participant, SummarySentence

_SENTENCE = re.compile(r"[^.!?\n]{30,}?[.!?](?=\s|$)")


@dataclass
class Fact:
    text: str
    evidence: list[Evidence]


def collect_facts(
    doc: CleanDocument,
    event: Event | None,
    participants: list[Participant],
    agreements: list[Agreement],
    notes: list[GeopoliticalNote],
    lead_sentences: int = 2,
) -> list[Fact]:
    """Number the merged material for the summary prompt (1-based in the prompt)."""
    facts = _lead(doc, lead_sentences)
    if event and event.name:
        where = ", ".join(x for x in (event.date, event.place) if x)
        facts.append(Fact(f"Event: {event.name}" + (f" ({where})" if where else ""), []))
    for p in participants:
        who = p.name or "(name not given)"
        facts.append(Fact(f"Participant: {who}; {p.role or ''}; {p.affiliation or ''}", p.evidence))
    for a in agreements:
        parties = ", ".join(a.parties)
        facts.append(Fact(f"Agreement: {a.title} ({a.kind or 'agreement'}; status {a.status}; parties {parties})", a.evidence))
    facts.extend(Fact(f"Context: {n.note}", n.evidence) for n in notes)
    return facts


def _lead(doc: CleanDocument, count: int) -> list[Fact]:
    visible = doc.visible(doc.body.start, doc.body.end)
    out = []
    for m in _SENTENCE.finditer(visible):
        ev = locate(m.group().strip(), doc, doc.body)
        if ev is not None:
            out.append(Fact(f"Article: {ev.quote}", [ev]))
        if len(out) == count:
            break
    return out


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
        if not text or not evidence or unsupported_names(text, doc):
            dropped += 1
            continue
        kept.append(SummarySentence(text=text, evidence=sorted(evidence.values(), key=lambda e: e.start)[:4]))
    return kept, dropped
