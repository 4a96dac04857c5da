"""Text primitives shared by clean, chunk, ground and merge: spans, views, normalisation, sentences.

A *view* is what a reader (or the model) sees of a stretch of the source: markup hidden (tags,
template markers), HTML entities decoded, runs of spaces collapsed, excluded spans removed. Every
character of a view maps back to the source characters it came from, so anything found in a view
turns into exact source offsets. Sentences come from pysbd (rule-based, multilingual; it kept
"U.S." whole where sentencex split it) run on the view, one paragraph at a time; a block of short
lines without sentence punctuation (a signature block, a list) gives one sentence per line.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pysbd


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class View:
    """Rendered text with, per character, the source range ``[starts[i], ends[i])`` it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, a: int, b: int) -> Span:
        """The source range of view characters ``[a, b)`` (``b > a``)."""
        return Span(self.starts[a], self.ends[b - 1])


@dataclass(frozen=True)
class Sentence:
    """A sentence: its exact source range and its text as a reader sees it (one line)."""

    span: Span
    text: str


_TOKEN = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]{0,1000}>"  # an HTML tag
    r"|<!--.*?-->"  # an HTML comment
    r"|\{%.*?%\}|\{\{.*?\}\}"  # template markers (Liquid, Jinja)
    r"|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # an entity
    r"|[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+"  # horizontal whitespace
    r"|\r?\n",
    re.S,
)
# A run of characters none of which can start a ``_TOKEN``: copied as it is, in one step.
_PLAIN = re.compile(r"[^<&{ \t\r\n\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLOCK_TAGS = frozenset(
    [
        "p",
        "br",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "hr",
    ]
)


def render(source: str, span: Span, hidden: Iterable[Span] = ()) -> View:
    """The view of ``source[span]`` with ``hidden`` spans left out."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def put(text: str, a: int, b: int) -> None:
        for c in text:
            chars.append(c)
            starts.append(a)
            ends.append(b)

    cuts = sorted((h.start, h.end) for h in hidden if h.start < span.end and span.start < h.end)
    pieces, pos = [], span.start
    for a, b in cuts:
        if a > pos:
            pieces.append((pos, a))
        pos = max(pos, b)
    if pos < span.end:
        pieces.append((pos, span.end))
    for lo, hi in pieces:
        i = lo
        while i < hi:
            if plain := _PLAIN.match(source, i, hi):
                end = plain.end()
                chars.extend(plain.group())
                starts.extend(range(i, end))
                ends.extend(range(i + 1, end + 1))
                i = end
                continue
            m = _TOKEN.match(source, i, hi)
            if m is None:
                put(source[i], i, i + 1)
                i += 1
                continue
            tok, end = m.group(), m.end()
            if tok[0] == "<":
                name = (m.group(2) or "").lower()
                if name in _BLOCK_TAGS and (not chars or chars[-1] != "\n"):
                    put("\n", i, end)
            elif tok[0] == "{":
                pass
            elif tok[0] == "&" and not html.unescape(tok).isspace():
                put(html.unescape(tok), i, end)
            elif tok[0] == "&" and chars and chars[-1] not in " \n":
                put(" ", i, end)
            elif tok.endswith("\n"):
                while chars and chars[-1] == " ":
                    chars.pop(), starts.pop(), ends.pop()
                put("\n", i, end)
            elif chars and chars[-1] not in " \n":
                put(" ", i, end)
            i = end
        if chars and chars[-1] not in " \n":
            put("\n", hi, hi)  # a hidden span breaks the text like a paragraph
    return View("".join(chars), tuple(starts), tuple(ends))


# --- normalisation -------------------------------------------------------------------------

_TRANSLATE = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "}
)


@dataclass(frozen=True)
class Normalised:
    """A normalised text with, for each of its characters, the offset of the source character."""

    text: str
    offsets: list[int]


def normalise(source: str, span: Span) -> Normalised:
    """Fold case, unify quotes and dashes, collapse whitespace; keep a map back to ``source``."""
    chars: list[str] = []
    offsets: list[int] = []
    prev_space = True
    for i in range(span.start, span.end):
        ch = unicodedata.normalize("NFKC", source[i].translate(_TRANSLATE)).casefold()
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        for c in ch:
            chars.append(c)
            offsets.append(i)
    return Normalised("".join(chars), offsets)


@lru_cache(maxsize=8192)
def norm_str(text: str) -> str:
    """``normalise``'s text of a whole string (memoised: the support checks compare the same
    sentences with many items)."""
    return normalise(text, Span(0, len(text))).text.strip()


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """``norm_str`` with accents removed (for comparisons across spelling variants)."""
    decomposed = unicodedata.normalize("NFKD", norm_str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return re.findall(r"\w+(?:[-'’]\w+)*", text)


# --- sentences -----------------------------------------------------------------------------

# pysbd's languages; others fall back to the closest rule set (Portuguese and Galician to Spanish).
_PYSBD = frozenset(
    [
        "en",
        "hi",
        "mr",
        "zh",
        "es",
        "am",
        "ar",
        "el",
        "ru",
        "hy",
        "my",
        "fa",
        "bg",
        "ur",
        "pl",
        "it",
        "fr",
        "da",
        "nl",
        "ja",
        "de",
        "kk",
        "sk",
    ]
)
_FALLBACK = {"pt": "es", "gl": "es", "ca": "es", "uk": "ru", "cs": "sk", "sv": "da", "no": "da"}
_END = re.compile(r"[.!?:;…][\"”’)\]]*$")
MAX_SENTENCE_WORDS = 90


_LOCAL = threading.local()


def _segmenter(language: str) -> pysbd.Segmenter:
    """This thread's segmenter for ``language``: a pysbd ``Segmenter`` keeps the text it is
    splitting on itself, so one shared between threads (the API runs pipelines in a thread
    pool) mixes up concurrent articles."""
    cache: dict[str, pysbd.Segmenter] = _LOCAL.__dict__.setdefault("segmenters", {})
    if language not in cache:
        lang = language if language in _PYSBD else _FALLBACK.get(language, "en")
        cache[language] = pysbd.Segmenter(language=lang, clean=False, char_span=False)
    return cache[language]


def _line_block(lines: list[str]) -> bool:
    """A block of short lines that are not prose (a signature block, a list, a table)."""
    if len(lines) < 2:
        return False
    # Prose hard-wrapped at 70-80 columns has long lines; blocks and lists have short ones.
    mean = sum(len(x) for x in lines) / len(lines)
    ended = sum(bool(_END.search(x)) for x in lines)
    return mean <= 45 and ended <= len(lines) // 2


def _pieces(text: str, base: int, language: str) -> list[tuple[int, int]]:
    """Sentence ranges of one paragraph of view text (offsets into the whole view)."""
    lines = text.split("\n")
    if _line_block([x.strip() for x in lines if x.strip()]):
        out, pos = [], 0
        for line in lines:
            if line.strip():
                out.append((base + pos, base + pos + len(line)))
            pos += len(line) + 1
        return out
    out, pos = [], 0
    text = text.replace("\n", " ")  # wrapped prose: a line break is a space (same length)
    for sent in _segmenter(language).segment(text):
        found = text.find(sent, pos)
        if found < 0:  # pysbd normalised something: keep to what can be located
            found = pos
            sent = text[pos : pos + len(sent)]
        out.append((base + found, base + found + len(sent)))
        pos = found + len(sent)
    if out and out[-1][1] < base + len(text):
        out[-1] = (out[-1][0], base + len(text))
    return out


def _split_words(view: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut an over-long run (no sentence punctuation) into pieces of at most the word limit."""
    cuts = [m.start() for m in re.finditer(r"\s+", view[a:b])]
    if len(cuts) < MAX_SENTENCE_WORDS:
        return [(a, b)]
    out, lo = [], a
    for n, c in enumerate(cuts, start=1):
        if n % MAX_SENTENCE_WORDS == 0:
            out.append((lo, a + c))
            lo = a + c
    out.append((lo, b))
    return out


def split_sentences(view: View, language: str = "en") -> list[Sentence]:
    """Sentences of a view, in order, each with its exact source span."""
    out: list[Sentence] = []
    text = view.text
    for m in re.finditer(r"[^\n](?:.|\n(?![ \t]*\n))*", text):
        for a, b in _pieces(m.group(), m.start(), language):
            for lo, hi in _split_words(text, a, b):
                while lo < hi and text[lo].isspace():
                    lo += 1
                while hi > lo and text[hi - 1].isspace():
                    hi -= 1
                if hi > lo and any(c.isalnum() for c in text[lo:hi]):
                    out.append(Sentence(view.source_span(lo, hi), " ".join(text[lo:hi].split())))
    return out
