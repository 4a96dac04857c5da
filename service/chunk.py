"""Token-aware chunking on paragraph and sentence boundaries.

Each chunk has an *owned* range — owned ranges tile the article body with no gap or overlap — and
a wider *context* range (owned plus overlap on both sides) that the model reads. An item found in a
chunk is kept only when its evidence starts inside that chunk's owned range, so the overlap gives
the model context without producing duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from service.text import Span

_SENTENCE_BREAK = re.compile(r"(?<=[.!?;:])[\"”’)\]]*\s+|\n")


@dataclass(frozen=True)
class Chunk:
    index: int
    owned: Span
    context: Span
    tokens: int

    def text(self, source: str) -> str:
        return source[self.context.start : self.context.end]


@dataclass(frozen=True)
class _Unit:
    span: Span
    tokens: int
    paragraph_end: bool


def chunk_text(
    source: str,
    body: Span,
    count: Callable[[str], int],
    chunk_tokens: int,
    overlap_tokens: int,
    cuts: list[int] | None = None,
) -> list[Chunk]:
    """Split ``source[body]`` into chunks of at most about ``chunk_tokens`` tokens.

    ``cuts`` are the offsets where a chunk may break (sentence starts from ``service.text``);
    without them, sentence ends are found by punctuation.
    """
    if chunk_tokens < 1 or overlap_tokens < 0:
        raise ValueError("chunk_tokens must be positive and overlap_tokens non-negative")
    units = _units(source, body, count, chunk_tokens, cuts)
    if not units:
        return []
    total = sum(u.tokens for u in units)
    n = -(-total // chunk_tokens)
    groups = _pack(units, min(chunk_tokens, -(-total * 23 // (n * 20))))  # balanced, +15%
    chunks = []
    for i, (lo, hi) in enumerate(groups):
        owned = Span(units[lo].span.start, units[hi - 1].span.end)
        before = _extend(units, range(lo - 1, -1, -1), overlap_tokens)
        after = _extend(units, range(hi, len(units)), overlap_tokens)
        context = Span(
            units[before].span.start if before is not None else owned.start,
            units[after].span.end if after is not None else owned.end,
        )
        tokens = sum(
            u.tokens
            for u in units[
                min(lo, before if before is not None else lo) : max(
                    hi, (after + 1) if after is not None else hi
                )
            ]
        )
        chunks.append(Chunk(i, owned, context, tokens))
    return chunks


def _units(
    source: str,
    body: Span,
    count: Callable[[str], int],
    limit: int,
    cuts: list[int] | None = None,
) -> list[_Unit]:
    """Sentence-sized units that tile ``body``; a unit never exceeds ``limit`` tokens."""
    bounds = {body.start, body.end}
    para_ends = set()
    for m in re.finditer(r"\n[ \t]*\n\s*", source[body.start : body.end]):
        para_ends.add(body.start + m.end())
    bounds |= para_ends
    if cuts is not None:
        bounds |= set(cuts)
    else:
        bounds |= {m.end() for m in _SENTENCE_BREAK.finditer(source, body.start, body.end)}
    edges = sorted(b for b in bounds if body.start <= b <= body.end)
    units: list[_Unit] = []
    for a, b in pairwise(edges):
        if a == b:
            continue
        for piece in _split_long(source, Span(a, b), count, limit):
            units.append(
                _Unit(piece, count(source[piece.start : piece.end]), piece.end in para_ends)
            )
    return units


def _split_long(source: str, span: Span, count: Callable[[str], int], limit: int) -> list[Span]:
    """Halve a span at whitespace until every piece fits the token limit."""
    text = source[span.start : span.end]
    if count(text) <= limit or span.end - span.start < 2:
        return [span]
    mid = span.start + (span.end - span.start) // 2
    space = source.rfind(" ", span.start + 1, mid + 1)
    cut = space + 1 if space > span.start else mid
    return _split_long(source, Span(span.start, cut), count, limit) + _split_long(
        source, Span(cut, span.end), count, limit
    )


def _pack(units: list[_Unit], limit: int) -> list[tuple[int, int]]:
    """Greedy packing; a break goes back to the last paragraph end if that keeps half the budget."""
    groups: list[tuple[int, int]] = []
    lo, total = 0, 0
    for i, unit in enumerate(units):
        if i > lo and total + unit.tokens > limit:
            cut, kept = i, total
            for j in range(i - 1, lo, -1):
                kept -= units[j].tokens
                # Carry units over only while the next group still fits the budget with ``unit``.
                if total - kept + unit.tokens > limit:
                    break
                if units[j - 1].paragraph_end and kept >= limit // 2:
                    cut = j
                    break
            groups.append((lo, cut))
            lo, total = cut, sum(u.tokens for u in units[cut:i])
        total += unit.tokens
    groups.append((lo, len(units)))
    return groups


def _extend(units: list[_Unit], order: range, budget: int) -> int | None:
    """The farthest unit index reachable in ``order`` within ``budget`` tokens."""
    last = None
    used = 0
    for j in order:
        used += units[j].tokens
        if used > budget:
            break
        last = j
    return last
