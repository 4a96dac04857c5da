"""What every support check shares: numbered sentences, the ``Found`` record, evidence from a
sentence, and the word and phrase tests the checks use."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from service.chunk import Chunk
from service.clean import CleanDocument
from service.ground.locate import is_stated
from service.schema import Agreement, Event, Evidence, GeopoliticalNote, Participant
from service.text import Sentence, fold, words

PHRASE_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "between",
        "from",
        "into",
        "on",
        "of",
        "to",
        "in",
        "a",
        "an",
        "de",
        "da",
        "do",
        "dos",
        "das",
        "del",
        "la",
        "las",
        "los",
        "el",
        "e",
        "y",
        "et",
        "le",
        "les",
        "des",
        "du",
        "und",
        "der",
        "die",
        "das",
        "von",
        "zu",
        "na",
        "no",
        "em",
        "com",
        "entre",
        "para",
        "por",
        "sobre",
    ]
)


# Capitalised at a sentence start, but never part of a document's name.
FUNCTION_WORDS = PHRASE_STOP | frozenset(
    "the this that these those its their our pelo pela pelos pelas o a os as um uma el los las "
    "un una le les ce cette der die das ein eine this ten ta te".split()
)


PREPOSITIONS = frozenset(
    "on of for between with about to de do da dos das del sobre entre con com para por du des "
    "sur avec über zwischen für von mit zu o w z na dla".split()
)


PHRASE_MATCH = 90.0


@dataclass
class Numbered:
    """A chunk's sentences as shown to the model: number ``n`` is ``items[n - 1]``."""

    items: list[Sentence]
    owned_start: int
    owned_end: int

    def get(self, n: int) -> Sentence | None:
        return self.items[n - 1] if isinstance(n, int) and 1 <= n <= len(self.items) else None

    def owns(self, s: Sentence) -> bool:
        return self.owned_start <= s.span.start < self.owned_end


def number_sentences(doc: CleanDocument, chunk: Chunk) -> Numbered:
    inside = [s for s in doc.sentences if chunk.context.start <= s.span.start < chunk.context.end]
    return Numbered(inside, chunk.owned.start, chunk.owned.end)


def render_numbered(numbered: Numbered) -> str:
    return "\n".join(f"[{i}] {s.text}" for i, s in enumerate(numbered.items, start=1))


@dataclass
class Found:
    """What one chunk contributed after the checks and owned-range filtering."""

    participants: list[Participant] = field(default_factory=list)
    # People code found beside a title in a sentence saying they took part (``titled_people``);
    # merged after the model's participants, so the model's reading of a person comes first.
    titled: list[Participant] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    # Agreements code found stated in the chunk that the model did not list (``stated_agreements``).
    stated: list[Agreement] = field(default_factory=list)
    notes: list[GeopoliticalNote] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    event: Event | None = None
    summary: list[Sentence] = field(default_factory=list)
    drops: Counter[str] = field(default_factory=Counter)
    keep_ungrounded: bool = False  # keep items whose support fails, flagged grounded=false


def evidence(doc: CleanDocument, s: Sentence) -> Evidence:
    a, b = s.span.start, s.span.end
    return Evidence(quote=doc.source_text[a:b], start=a, end=b, match="exact")


def clean_field(text: str | None) -> str | None:
    text = " ".join((text or "").split()).strip(" ,.;:\"'“”")
    return text or None


def stems(text: str) -> set[str]:
    return {w[:5] for w in words(fold(text))}


def share_in(phrase: str, text: str, hay: set[str] | frozenset[str] | None = None) -> float:
    """Share of the phrase's content words (first 5 letters) found in ``text`` (or in ``hay``,
    the text's stems computed once)."""
    hay = stems(text) if hay is None else hay
    need = [w[:5] for w in words(fold(phrase)) if len(w) > 2 and w not in PHRASE_STOP]
    return sum(w in hay for w in need) / len(need) if need else 0.0


@lru_cache(maxsize=4)
def document_stems(body: str) -> frozenset[str]:
    """A body's stems, once per document (every chunk's event fields are checked against the
    whole body: folding it per check made grounding quadratic in article length)."""
    return frozenset(stems(body))


def phrase_in(phrase: str, text: str) -> bool:
    """``phrase`` is written in ``text`` (folded; small spelling differences allowed)."""
    needle = fold(phrase).strip(" .,;:")
    if len(words(needle)) == 0:
        return False
    hay = fold(text)
    if needle in hay:
        return True
    return len(needle) >= 8 and fuzz.partial_ratio(needle, hay) >= PHRASE_MATCH


def stated_value(value: str | None, doc: CleanDocument, share: float = 0.5) -> str | None:
    value = clean_field(value)
    if not value:
        return None
    if is_stated(value, doc) or share_in(value, "", document_stems(doc.view.text)) >= share:
        return value
    return None
