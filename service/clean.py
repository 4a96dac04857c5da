"""Input validation and cleaning: raw article in, ``CleanDocument`` out.

Cleaning never rewrites the text that offsets index. For plain text that is the text as
submitted; for HTML it is the article body extracted by trafilatura (returned to the client as
``source_text``). What is left out — trailing page boilerplate, repeated paragraphs, passages that
address AI systems — is recorded as excluded spans, so offsets stay true and nothing is silently
lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import trafilatura

from service.errors import (
    EmptyInputError,
    EncodingError,
    InputTooLargeError,
    InvalidTextError,
    NotTextError,
    TitleTooLongError,
)
from service.injection import speaks_to_ai, strip_hidden
from service.schema import ArticleInput, DroppedSpan
from service.text import Sentence, Span, View, render, split_sentences

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Letters, digits, punctuation and symbols that print nothing: Hangul fillers, Khmer inherent
# vowels, the braille blank. (Format characters, marks, separators and controls never count.)
_BLANK_GRAPHIC = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Longest title accepted; a headline is rarely over 200 characters (it is sent in every prompt).
MAX_TITLE_CHARS = 1_000
# A leading YAML front-matter block (static-site and archive reposts): "---", key: value lines,
# "---".
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(?:[^\n]*\n){0,200}?---[ \t]*(?:\n|\Z)")
_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*:", re.M)

# Lines that open the page chrome after an article (comment forms, related links, directories).
_TAIL_MARKER = re.compile(
    r"^\s*(related (articles|posts|stories|news)|leave a (reply|comment)|most (popular|read)"
    r"|recent (comments|posts)|popular posts|you may also like|more (stories|from)\b.*"
    r"|share (this|on)\b.*|subscribe\b.*|sign up\b.*newsletter.*|follow us\b.*|comments?"
    r"|please enter your (comment|name).*|all rights reserved.*|©.*|copyright\b.*"
    r"|advertisement|tags?:.*|cookie (policy|settings|preferences).*|\\?#{3,}|\*{3,})\s*$",
    re.I,
)
_SOURCE_CREDIT = re.compile(r"^\s*(source|sources|via|credit)s?:?\s*$", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?(\s|$)")

# Passages that speak to AI systems rather than to readers (prompt injection). Data, never orders.
_AI = (
    r"(?:(?:AI|A\.I\.|automated|artificial intelligence)"
    r"(?:\s+(?:systems?|models?|assistants?|agents?"
    r"|summari[sz]ers?|tools?|readers?|crawlers?))?|(?:large )?language models?|LLMs?|chatbots?"
    r"|assistants?|summari[sz]ers?|bots?)"
)
_INJECTION = [
    re.compile(
        r"\b(ignore|disregard|forget|override)\b[^.\n]{0,60}\b(previous|prior|above|earlier|all|any|your)\b"
        r"[^.\n]{0,30}\b(instructions?|prompts?|rules|directions|guidelines)\b",
        re.I,
    ),
    # "Note to AI systems: ...", "Attention language models: ..." — an address, then a colon.
    re.compile(
        rf"\b(note|message|instructions?|notice|attention|warning|reminder)\b(\s+(to|for))?\s+(all\s+|any\s+)?"
        rf"{_AI}(\s+(and|or)\s+{_AI})*\s*[:—–-]",
        re.I,
    ),
    re.compile(
        rf"\b{_AI}\b[^.\n]{{0,40}}\b(reading|processing|summari[sz]ing|parsing|ingesting|analy[sz]ing)\s+"
        r"this\s+(article|text|page|story|document|report|content|post)\b",
        re.I,
    ),
    re.compile(
        rf"\b{_AI}\b[^.\n]{{0,40}}\b(must|are instructed to|are required to)\s+"
        r"(report|state|say|write|"
        r"describe|ignore|omit|list|name|refer|call|treat)\b",
        re.I,
    ),
    re.compile(r"\bif you are an? (AI|A\.I\.|language model|LLM|assistant|chatbot|bot)\b", re.I),
    re.compile(r"\b(system prompt|new instructions:)", re.I),
]


@dataclass
class CleanDocument:
    """The text offsets index, the article body within it, and what extraction must skip."""

    source_text: str
    input_format: Literal["text", "html"]
    body: Span
    excluded: list[DroppedSpan] = field(default_factory=list)
    title: str | None = None
    language: str = "und"
    # Derived texts memoised per document (see ground.normalised_visible); never compared.
    cache: dict[tuple[str, int, int], Any] = field(default_factory=dict, repr=False, compare=False)
    _sentences: list[Sentence] | None = field(default=None, repr=False, compare=False)

    _view: View | None = field(default=None, repr=False, compare=False)

    @property
    def view(self) -> View:
        """The body as a reader sees it: excluded spans and markup hidden, entities decoded."""
        if self._view is None:
            hidden = [Span(d.start, d.end) for d in self.excluded]
            self._view = render(self.source_text, self.body, hidden)
        return self._view

    @property
    def sentences(self) -> list[Sentence]:
        """The body's sentences outside excluded spans, with exact source spans."""
        if self._sentences is None:
            self._sentences = split_sentences(self.view, self.language)
        return self._sentences

    def excluded_overlapping(self, start: int, end: int) -> list[DroppedSpan]:
        return [d for d in self.excluded if d.start < end and start < d.end]

    def visible(self, start: int, end: int) -> str:
        """``source_text[start:end]`` with excluded spans blanked (same length, offsets kept)."""
        text = list(self.source_text[start:end])
        for d in self.excluded_overlapping(start, end):
            for i in range(max(d.start, start), min(d.end, end)):
                text[i - start] = " "
        return "".join(text)

    def prompt_text(self, start: int, end: int) -> str:
        """The text a model reads: excluded spans replaced by a short marker."""
        parts, pos = [], start
        for d in self.excluded_overlapping(start, end):
            parts.append(self.source_text[pos : max(pos, d.start)])
            parts.append("[…]")
            pos = max(pos, d.end)
        parts.append(self.source_text[pos:end])
        return "".join(parts)


def decode_bytes(data: bytes) -> str:
    """Decode submitted bytes as UTF-8 (BOM allowed); refuse binary and other encodings."""
    if b"\x00" in data[:65536]:
        raise NotTextError("The input is binary (it contains NUL bytes); send UTF-8 text or HTML.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"The input is not valid UTF-8 (byte {exc.start}); re-encode it as UTF-8.",
            position=exc.start,
        ) from exc


def check_unicode(text: str, what: str = "The article") -> None:
    """Raise ``InvalidTextError`` when ``text`` holds a lone surrogate (it cannot be encoded)."""
    bad = _SURROGATE.search(text)
    if bad is not None:
        raise InvalidTextError(
            f"{what} contains a lone UTF-16 surrogate (\\u{ord(bad.group()):04x} at character "
            f"{bad.start()}); send valid Unicode text.",
            position=bad.start(),
        )


def has_visible_text(text: str) -> bool:
    """True when ``text`` has a character that prints: a letter, digit, punctuation or symbol.

    Whitespace, format characters (zero-width spaces and joiners, bidi controls, tags), combining
    marks without a base, controls, private-use code points and blank fillers do not count.
    """
    for ch in text:
        if ch.isspace():
            continue
        if unicodedata.category(ch)[0] in "LNPS" and ch not in _BLANK_GRAPHIC:
            return True
    return False


def check_text(text: str, max_chars: int | None, *, limit_name: str = "MAX_INPUT_CHARS") -> None:
    """Raise an ``InputError`` for invalid, empty, binary-looking or oversize text.

    Args:
        text: The article (plain text, raw HTML or the text extracted from it).
        max_chars: Its size limit in characters (None: no limit).
        limit_name: The setting that limit comes from, named in the error.
    """
    if max_chars is not None and len(text) > max_chars:
        raise InputTooLargeError(
            f"The article has {len(text):,} characters; the limit is {max_chars:,} "
            f"(SUMMARISER_{limit_name}). Split it or raise the limit.",
            limit=max_chars,
            size=len(text),
        )
    check_unicode(text)
    if not has_visible_text(text):
        raise EmptyInputError(
            "The article is empty: only whitespace, zero-width, direction-control or other "
            "characters that print nothing."
        )
    sample = text[:65536]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise NotTextError("The input looks binary (control characters); send UTF-8 text or HTML.")


def looks_like_html(text: str) -> bool:
    return bool(_HTML_SNIFF.match(text[:2048])) or text.count("</p>") >= 3


def extract_html(html: str) -> tuple[str, str | None]:
    """Extract the main article text and title from a CMS page with trafilatura."""
    doc = trafilatura.bare_extraction(
        strip_hidden(html),
        include_comments=False,
        include_tables=True,
        include_links=False,
        favor_recall=True,
        deduplicate=False,
        with_metadata=True,
    )
    if isinstance(doc, dict):  # the as_dict form (not asked for; typed as a possible answer)
        text, title = doc.get("text") or "", doc.get("title")
    else:
        text = (doc.text if doc is not None else None) or ""
        title = doc.title if doc is not None else None
    if not text.strip():
        raise EmptyInputError("No article text could be extracted from the HTML page.")
    return text, title


def check_title(title: str | None) -> None:
    """Raise an ``InputError`` for a submitted title that is not valid text or too long."""
    if title is None:
        return
    check_unicode(title, "The title")
    if len(title) > MAX_TITLE_CHARS:
        raise TitleTooLongError(
            f"The title has {len(title):,} characters; the limit is {MAX_TITLE_CHARS:,}. "
            "Send the headline as 'title' and the article as 'text' or 'html'.",
            limit=MAX_TITLE_CHARS,
            size=len(title),
        )


def load_article(
    article: ArticleInput, max_chars: int, *, max_html_chars: int | None = None
) -> CleanDocument:
    """Validate an article and build the ``CleanDocument`` that extraction works on.

    Args:
        article: The article as submitted.
        max_chars: Limit of the article text: plain ``text``, or the text extracted from ``html``.
        max_html_chars: Limit of the raw ``html`` before extraction (scripts, styles and page
            chrome included); None: only the extracted text is limited.
    """
    if (article.text is None) == (article.html is None):
        raise EmptyInputError("Send exactly one of 'text' or 'html'.")
    check_title(article.title)
    fmt: Literal["text", "html"] = "html" if article.html is not None else "text"
    title = article.title
    if article.text is not None:
        source = article.text
        check_text(source, max_chars)
    else:
        assert article.html is not None
        check_text(article.html, max_html_chars, limit_name="MAX_BODY_BYTES")
        source, found_title = extract_html(article.html)
        title = title or (found_title[:MAX_TITLE_CHARS] if found_title else None)
        check_text(source, max_chars)
    return clean_text(source, fmt, title)


def clean_text(
    source: str, fmt: Literal["text", "html"] = "text", title: str | None = None
) -> CleanDocument:
    """Find the article body in ``source`` and the spans extraction must skip."""
    paragraphs = list(_paragraphs(source))
    end = _body_end(source, paragraphs)
    excluded: list[DroppedSpan] = []
    front = _FRONT_MATTER.match(source)
    if front and len(_FRONT_KEY.findall(front.group())) >= 2:
        excluded.append(DroppedSpan(start=0, end=front.end(), reason="boilerplate"))
        paragraphs = [p for p in paragraphs if p.start >= front.end()]
    if end < len(source.rstrip()):
        excluded.append(DroppedSpan(start=end, end=len(source), reason="boilerplate"))
    seen: set[str] = set()
    for p in paragraphs:
        if p.start >= end:
            break
        text = source[p.start : p.end]
        key = " ".join(text.split()).casefold()
        if len(key) >= 80 and key in seen:
            excluded.append(DroppedSpan(start=p.start, end=p.end, reason="duplicate"))
        elif any(rx.search(text) for rx in _INJECTION) or speaks_to_ai(text):
            excluded.append(DroppedSpan(start=p.start, end=p.end, reason="instructions_to_ai"))
        seen.add(key)
    start = max(len(source) - len(source.lstrip()), front.end() if front else 0)
    start += len(source[start:]) - len(source[start:].lstrip())
    return CleanDocument(
        source, fmt, Span(start, max(start, end)), sorted(excluded, key=lambda d: d.start), title
    )


def _paragraphs(text: str) -> list[Span]:
    """Paragraph spans: text between blank lines."""
    spans = []
    for m in re.finditer(r"\S(?:.*\S)?(?:\n[ \t]*\S.*)*", text):
        line_end = m.end()
        spans.append(Span(m.start(), line_end))
    return spans


def _is_prose(text: str) -> bool:
    return len(text) >= 150 and len(_SENTENCE_END.findall(text)) >= 2


def _body_end(source: str, paragraphs: list[Span]) -> int:
    """Where the article ends: the first chrome marker after which no prose paragraph follows."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", source) if m.group().strip()]
    half = len(source) * 0.4
    for i, (s, e) in enumerate(lines):
        if s < half or not _TAIL_MARKER.match(source[s:e]):
            continue
        if any(p.start >= s and _is_prose(source[p.start : p.end]) for p in paragraphs):
            continue
        cut = s
        j = i - 1
        while j >= 0 and _SOURCE_CREDIT.match(source[lines[j][0] : lines[j][1]]):
            cut = lines[j][0]
            j -= 1
        return len(source[:cut].rstrip())
    return len(source.rstrip())
