"""Turn one chunk's reply into grounded output items.

An item is kept when its quote (or, failing that, its own name/title) is found in the chunk's
context, and its evidence starts inside the chunk's *owned* range — overlap never duplicates.
A personal name the article does not state is removed (the item keeps its title); an item with no
verifiable evidence is dropped and counted, or kept flagged ``grounded: false`` on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.chunk import Chunk
from service.clean import CleanDocument
from service.extract import ChunkExtraction
from service.ground import is_stated, locate, norm_str, unsupported_names
from service.plausible import (
    foreign_script,
    plausible_participant,
    split_name,
    tidy_note,
    title_is_stated,
)
from service.schema import Agreement, Event, Evidence, GeopoliticalNote, Participant
from service.status import checked_status


@dataclass
class Found:
    """What one chunk contributed after grounding and owned-range filtering."""

    participants: list[Participant] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    notes: list[GeopoliticalNote] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    event: Event | None = None
    ungrounded: int = 0


def _rests_on_excluded(doc: CleanDocument, quote: str | None) -> bool:
    """Whether the model's quote comes from left-out text (planted instructions, boilerplate)."""
    needle = norm_str(quote or "")
    return len(needle) >= 8 and any(
        needle in norm_str(doc.source_text[d.start : d.end])
        for d in doc.excluded
        if d.reason != "duplicate"
    )


def _evidence(doc: CleanDocument, chunk: Chunk, *candidates: str | None) -> Evidence | bool | None:
    """Evidence for the first candidate found; ``False`` when it lies outside the owned range.

    An item whose quote is found only in left-out text rests on it: it is not re-grounded through a
    fallback candidate (its name or role found elsewhere, e.g. "Minister").
    """
    for i, text in enumerate(candidates):
        if not text:
            continue
        ev = locate(text, doc, chunk.context)
        if ev is not None:
            return ev if chunk.owned.start <= ev.start < chunk.owned.end else False
        if i == 0 and _rests_on_excluded(doc, text):
            return None
    return None


def ground_chunk(
    reply: ChunkExtraction, chunk: Chunk, doc: CleanDocument, keep_ungrounded: bool
) -> Found:
    found = Found(
        topics=[
            t.strip() for t in reply.topics if t.strip() and not foreign_script(t, doc.source_text)
        ]
    )
    if reply.event is not None:
        found.event = Event(**reply.event.model_dump())

    def accept(ev: Evidence | bool | None) -> list[Evidence] | None:
        if ev is False:
            return None  # the owning chunk reports it
        if ev is None:
            found.ungrounded += 1
            return [] if keep_ungrounded else None
        assert isinstance(ev, Evidence)
        return [ev]

    for p in reply.participants:
        name, role = split_name(p.name, p.role, p.affiliation)
        name = name if name and is_stated(name, doc) else None
        if not plausible_participant(name, role, p.affiliation):
            found.ungrounded += 1
            continue
        evidence = accept(_evidence(doc, chunk, p.quote, name, role))
        if evidence is not None:
            found.participants.append(
                Participant(
                    name=name,
                    role=role,
                    affiliation=p.affiliation,
                    evidence=evidence,
                    grounded=bool(evidence),
                )
            )
    for a in reply.agreements:
        if not title_is_stated(a.title, doc):
            found.ungrounded += 1
            continue
        evidence = accept(_evidence(doc, chunk, a.quote, a.title))
        if evidence is not None:
            found.agreements.append(
                Agreement(
                    title=a.title.strip(),
                    kind=a.kind,
                    parties=a.parties,
                    status=checked_status(a.status, doc.source_text, evidence),
                    evidence=evidence,
                    grounded=bool(evidence),
                )
            )
    for n in reply.geopolitical_notes:
        if not n.note.strip():
            continue
        ev = _evidence(doc, chunk, n.quote)
        if (
            ev is not None
            and ev is not False
            and (unsupported_names(n.note, doc) or foreign_script(n.note, doc.source_text))
        ):
            ev = None  # the note names someone or something the article never mentions
        evidence = accept(ev)
        if evidence is not None:
            found.notes.append(
                GeopoliticalNote(note=tidy_note(n.note), evidence=evidence, grounded=bool(evidence))
            )
    return found
