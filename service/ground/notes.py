"""Geopolitical notes: the sentences a foreign desk would flag, ranked by context."""

from __future__ import annotations

import re
from collections import Counter

from service.clean import CleanDocument
from service.extract import ChunkExtraction
from service.ground.base import Found, Numbered
from service.lexicon import lexicon
from service.text import Sentence, fold

# Per chunk. Chosen on the tune split (notes recall 4: 0.600, 5: 0.622, 6: 0.600); the gold
# annotations hold 4.4 notes per article.
MAX_NOTES = 5


# A note candidate needs this score: two kinds of context, or one and a country or the model's pick.
NOTE_MIN_SCORE = 2


def context_classes(text: str, language: str | None = None) -> list[str]:
    """The kinds of foreign-desk context (lexicon ``context``) a sentence mentions: with a
    language, by the cue words of that language and English only."""
    kinds = lexicon().context if language is None else lexicon().context_in(language)
    return [k for k, rx in kinds.items() if rx.search(text)]


def rank_notes(
    reply: ChunkExtraction, numbered: Numbered, found: Found, doc: CleanDocument
) -> list[Sentence]:
    """The sentences a foreign desk would flag: the model's picks and code's candidates, ranked.

    A candidate is an owned sentence whose words mention context (lexicon ``context``: objections,
    sovereignty, diplomatic status, sanctions, rivalry, alliances, security, stability). Each is
    scored by the kinds of context it mentions, plus one when it names a country or region (a
    note is about someone) and one when the model picked it; the best ``MAX_NOTES`` are kept, in
    article order. A pick with no context cue at all is dropped (``note_without_context``), and
    so is a heading (``note_is_heading``: a headline restates the story, it states no context)
    and a question (``note_is_question``: it asks, it states nothing).
    """
    language = doc.language
    headings = {s for s in numbered.items if is_heading(s, doc.source_text)}
    picked: list[Sentence] = []
    for n in dict.fromkeys(x.sentence for x in reply.notes):
        s = numbered.get(n)
        if s is None:
            found.drops["bad_sentence"] += 1
        elif not context_classes(s.text, language):
            found.drops["note_without_context"] += 1
        elif s in headings:
            found.drops["note_is_heading"] += 1
        elif is_question(s):
            found.drops["note_is_question"] += 1
        elif numbered.owns(s):
            picked.append(s)
    territories = lexicon().territories
    sides = main_sides(doc)

    def score(s: Sentence) -> int:
        kinds = len(context_classes(s.text, language))
        if not kinds:
            return 0
        named = {m.group().casefold() for m in territories.finditer(s.text)}
        return kinds + bool(named) + bool(named - sides) + (s in picked)

    scored = [
        (score(s), s)
        for s in numbered.items
        if numbered.owns(s) and s not in headings and not is_question(s)
    ]
    ranked = sorted(
        ((k, s) for k, s in scored if k >= NOTE_MIN_SCORE), key=lambda x: (-x[0], x[1].span.start)
    )
    best = [s for _, s in ranked[:MAX_NOTES]]
    return sorted(best, key=lambda s: s.span.start)


_OPEN_END = re.compile(r"[^.!?…;:,\"'”’»)\]]\s*$")  # no statement's or clause's last mark
_EDGE = 64  # characters looked at on each side of a sentence for its line's bounds


def is_heading(s: Sentence, source: str) -> bool:
    """A line of its own with no closing punctuation (a headline, a dateline, a label): it names
    a subject and states no context. Source lines (plain text) and block tags (HTML) bound it."""
    if not _OPEN_END.search(s.text):
        return False
    before = source[max(0, s.span.start - _EDGE) : s.span.start].rstrip(" \t")
    after = source[s.span.end : s.span.end + _EDGE].lstrip(" \t")
    inside = source[s.span.start : s.span.end].strip()
    return (
        (before[-1:] in ("\n", ">") or (not before and s.span.start <= _EDGE))
        and (after[:1] in ("\n", "<") or (not after and s.span.end + _EDGE >= len(source)))
        and "\n" not in inside
    )


def context_topic_stated(topic: str, numbered: Numbered, language: str) -> bool:
    """A topic that names a kind of context (the prompt's note kinds: "sanctions", "alliances",
    "security" …) is kept only when the chunk mentions that kind in the article's language or
    English: a small model echoes the kinds it was shown as topics of an article that has none
    (a Polish energy story given "sanctions" and "alliances"). Any other topic passes."""
    key = "_".join(fold(topic).split())
    kind = next((k for k in lexicon().context if key in _forms(k)), None)
    if kind is None:
        return True
    return any(kind in context_classes(s.text, language) for s in numbered.items)


def _forms(kind: str) -> set[str]:
    """A context kind's name and its English plural ("rivalry", "rivalries"; "alliance",
    "alliances"; "sanctions", "sanction")."""
    stem = kind.removesuffix("s")
    return {kind, stem, stem + "s", stem.removesuffix("y") + "ies"}


_QUESTION = re.compile(r"[?¿][\"'”’»)\]]*\s*$")


def is_question(s: Sentence) -> bool:
    """A sentence that asks (a reporter's question in a transcript, a rhetorical headline): it
    states nothing, so it is no note and no summary sentence."""
    return bool(_QUESTION.search(s.text))


# The territories an article names most often are its sides; the others are third parties.
SIDES = 2


def main_sides(doc: CleanDocument) -> frozenset[str]:
    """The ``SIDES`` countries or regions the article names most often (casefolded); computed
    once per document (every chunk asks)."""
    key = ("main_sides", 0, 0)
    if key not in doc.cache:
        text = doc.view.text
        counts = Counter(m.group().casefold() for m in lexicon().territories.finditer(text))
        doc.cache[key] = frozenset(t for t, _ in counts.most_common(SIDES))
    sides: frozenset[str] = doc.cache[key]
    return sides
