"""Locating text in the source and checking generated text against it.

``locate`` finds a phrase in a window of the document (exact → whitespace/case/punctuation
normalised → fuzzy) and returns evidence whose ``quote`` is the source slice itself, so
``source[start:end] == quote`` always holds. The other functions tell whether generated text uses
names, numbers or scripts the article never does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from service.clean import CleanDocument
from service.schema import Evidence
from service.text import Span, norm_str, normalise

FUZZY_THRESHOLD = 90.0
MIN_QUOTE_CHARS = 4
MIN_FUZZY_CHARS = 20
MAX_QUOTE_CHARS = 400
_STRIP = " \t\n\"'“”‘’«»….,;:"


def normalised_visible(doc: CleanDocument, span: Span) -> str:
    """``normalise`` of the document's visible text in ``span``, computed once per document.

    Grounding checks every name, title, note and summary sentence against the whole article;
    normalising a long article is a per-character loop, so it is done once, not once per item.
    """
    key = ("normalised_visible", span.start, span.end)
    if key not in doc.cache:
        visible = doc.visible(span.start, span.end)
        doc.cache[key] = normalise(visible, Span(0, len(visible))).text
    return str(doc.cache[key])


def locate(quote: str, doc: CleanDocument, window: Span) -> Evidence | None:
    """Find ``quote`` inside ``window`` of the document, outside excluded spans."""
    q = quote.strip(_STRIP)[:MAX_QUOTE_CHARS]
    if len(q) < MIN_QUOTE_CHARS:
        return None
    src = doc.source_text
    for found in _candidates(q, src, window):
        start, end, how = found
        if not doc.excluded_overlapping(start, end):
            return Evidence(quote=src[start:end], start=start, end=end, match=how)
    return None


def _candidates(q: str, src: str, window: Span) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    pos = src.find(q, window.start, window.end)
    while pos != -1 and len(out) < 3:
        out.append((pos, pos + len(q), "exact"))
        pos = src.find(q, pos + 1, window.end)
    if out:
        return out
    hay = normalise(src, window)
    needle = norm_str(q)
    pos = hay.text.find(needle)
    if pos != -1 and needle:
        end = hay.offsets[pos + len(needle) - 1] + 1
        return [(hay.offsets[pos], end, "normalised")]
    if len(needle) < MIN_FUZZY_CHARS:
        return []
    al = fuzz.partial_ratio_alignment(needle, hay.text, score_cutoff=FUZZY_THRESHOLD)
    if al is None or al.dest_end <= al.dest_start:
        return []
    start = hay.offsets[al.dest_start]
    end = hay.offsets[al.dest_end - 1] + 1
    start, end = _whole_words(src, start, _trim_end(src, start, end), window)
    return [(start, end, "fuzzy")]


def _trim_end(src: str, start: int, end: int) -> int:
    while end > start and src[end - 1].isspace():
        end -= 1
    return end


def _whole_words(src: str, start: int, end: int, window: Span) -> tuple[int, int]:
    """Widen a fuzzy alignment to word boundaries (it can stop mid-word when letters differ)."""
    while start > window.start and src[start - 1].isalnum() and src[start].isalnum():
        start -= 1
    while end < window.end and src[end - 1].isalnum() and src[end].isalnum():
        end += 1
    return start, end


def reader_text(doc: CleanDocument) -> str:
    """The normalised view of the body (what a reader sees: entities decoded, markup hidden)."""
    key = ("reader", 0, 0)
    if key not in doc.cache:
        doc.cache[key] = norm_str(doc.view.text)
    return str(doc.cache[key])


def is_stated(phrase: str, doc: CleanDocument) -> bool:
    """Whether ``phrase`` (e.g. a personal name) occurs in the article body, normalised."""
    needle = norm_str(phrase)
    if not needle:
        return False
    body = reader_text(doc)
    if needle in body:
        return True
    words = [w for w in re.findall(r"\w+", needle) if len(w) > 1]
    # every word as a whole word of the body: a maximal run of word characters, so set membership
    # is the same test as searching r"\bword\b", without a scan of the body per word
    return bool(words) and all(w in reader_words(doc) for w in words)


def reader_words(doc: CleanDocument) -> frozenset[str]:
    r"""The words (maximal ``\w+`` runs) of the normalised body."""
    key = ("reader_words", 0, 0)
    if key not in doc.cache:
        doc.cache[key] = frozenset(re.findall(r"\w+", reader_text(doc)))
    words: frozenset[str] = doc.cache[key]
    return words


_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}(?:[-\s][A-Z][a-z]{2,})*")
_COMMON = {"The", "This", "That", "These", "Both", "They", "Their", "Its", "And", "But", "While"}


def unsupported_names(text: str, doc: CleanDocument) -> list[str]:
    """Capitalised words in generated ``text`` that the article (outside excluded spans) never uses.

    Catches invented people and places in notes and summary sentences, e.g. a minister named only
    by a planted instruction.
    """
    words = set(re.findall(r"\w+", reader_text(doc))) | set(
        re.findall(r"\w+", norm_str(doc.title or ""))
    )
    missing = []
    for m in _PROPER.finditer(text):
        for word in re.findall(r"[A-Za-z]+", m.group()):
            if word not in _COMMON and word.casefold() not in words:
                missing.append(word)
    return missing


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def unsupported_numbers(text: str, doc: CleanDocument) -> list[str]:
    """Numbers (years, amounts, counts) in generated ``text`` that the article never writes."""
    visible = doc.view.text
    known = {n.replace(",", "") for n in _NUMBER.findall(visible)}
    return [n for n in _NUMBER.findall(text) if n.replace(",", "") not in known]


def _script(ch: str) -> str:
    """The Unicode script family of a letter, from its name ("LATIN", "CYRILLIC", "CJK", ...)."""
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


@lru_cache(maxsize=8)
def _scripts(source: str) -> frozenset[str]:
    return frozenset(_script(ch) for ch in set(source) if ch.isalpha())


def foreign_script(text: str, source: str) -> bool:
    """Whether ``text`` uses letters of a script the source never uses (a small model's drift)."""
    known = _scripts(source)
    return any(ch.isalpha() and _script(ch) not in known for ch in text)
