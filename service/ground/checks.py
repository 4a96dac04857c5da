"""Turn one chunk's pointed reply into grounded items: one small named check per rule.

The checks live by item: ``participants.py``, ``agreements.py`` (statuses in ``status.py``),
``notes.py``; what they share (numbered sentences, ``Found``, evidence) in ``base.py``. This
module runs them on one chunk.

The model answered with sentence numbers; each item's evidence is the source span of the
sentences it points at, so every quote is exact by construction. What remains to check is
*support*: the item says what its sentences say. Each failed check drops the item (or a field of
it) and counts a reason in ``Found.drops``, reported as ``meta.dropped_items``.

- a number that is not a sentence of the chunk: ``bad_sentence``;
- an item whose sentence lies in another chunk's owned range is left to that chunk (not counted);
- participant: a name the article never states is removed (``name_not_stated``); a nameless
  participant gets the name of a person mentioned right next to its title in its sentence; one
  whose name or title is not in its evidence is dropped (``not_in_evidence``); a crowd, topic or
  headline is not a participant (``not_a_participant``); a former office holder neither
  (``past_office``); a nameless delegation, government or official must stand for a side — a
  country or region (CLDR names), a body or organisation, or an acronym — (``not_a_side``);
  a place given as a name (a CLDR country, or a name written only after "in"/"em"/"en") is not
  a person, and a one-word name needs a longer name or a title beside it somewhere; a name the
  cited sentence does not write takes the chunk's sentence that does as evidence, and the side
  written beside the name ("Anwar Ibrahim of Malaysia") replaces a guessed affiliation;
- participants found by code (``titled_people``): a name written right beside a title in a
  sentence that says someone took part (met, signed, led …, per-language ``participation``
  lists), merged after the model's;
- after merging (``stand_ins``): a side's nameless delegation or government is dropped when
  someone named or titled already stands for that side, and kept once otherwise
  (``side_already_named``);
- agreement: the title's words must be in its sentences, else the title is replaced by the
  document phrase the sentences use ("acordo humanitário …"), else it is dropped
  (``title_not_in_evidence``); a meeting is not an agreement (``meeting_not_agreement``); the
  status is read from the sentences (``service/ground/status.py``);
- note and summary: the cited sentence itself, so support holds by construction;
- event: a name, date or place the article never states is removed.
"""

from __future__ import annotations

from service.candidates import Mention
from service.clean import CleanDocument
from service.extract import SHORT_MAX, ChunkExtraction
from service.ground.agreements import check_agreement, stated_agreements
from service.ground.base import Found, Numbered, clean_field, evidence, stated_value
from service.ground.locate import foreign_script
from service.ground.notes import context_topic_stated, rank_notes
from service.ground.participants import check_participant, listed_sides, persons, titled_people
from service.schema import Event, GeopoliticalNote


def ground_chunk(
    reply: ChunkExtraction,
    numbered: Numbered,
    doc: CleanDocument,
    mentions: list[Mention],
    keep_ungrounded: bool = False,
) -> Found:
    found = Found(keep_ungrounded=keep_ungrounded)
    mentions = persons(mentions, doc)
    for p in reply.participants:
        item = check_participant(p, numbered, doc, mentions, found)
        if item is not None:
            found.participants.append(item)
    found.titled = titled_people(numbered, doc, mentions) + listed_sides(numbered, doc)
    for a in reply.agreements:
        agreement = check_agreement(a, numbered, doc, found)
        if agreement is not None:
            found.agreements.append(agreement)
    found.stated = stated_agreements(numbered, doc, found.agreements)
    for s in rank_notes(reply, numbered, found, doc):
        found.notes.append(GeopoliticalNote(note=s.text, evidence=[evidence(doc, s)]))
    for n in dict.fromkeys(reply.summary):
        cited = numbered.get(n)
        if cited is None:
            found.drops["bad_sentence"] += 1
        elif numbered.owns(cited):
            found.summary.append(cited)
    found.topics = [
        t
        for t in (clean_field(x) for x in reply.topics)
        # a topic as long as the schema allows was cut there by the grammar, mid-word
        if t and len(t) < SHORT_MAX and not foreign_script(t, doc.source_text)
    ]
    unstated = [t for t in found.topics if not context_topic_stated(t, numbered, doc.language)]
    if unstated:
        found.drops["topic_not_stated"] += len(unstated)
        found.topics = [t for t in found.topics if t not in unstated]
    if reply.event is not None:
        event = Event(
            name=stated_value(reply.event.name, doc),
            date=stated_value(reply.event.date, doc, share=1.0),
            place=stated_value(reply.event.place, doc, share=1.0),
        )
        found.event = event if (event.name or event.date or event.place) else None
    return found
