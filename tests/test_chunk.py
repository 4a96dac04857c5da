"""Chunking (service/chunk.py): property-based offsets, tiling and token bounds."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.chunk import Chunk, chunk_text
from service.clean import Span, clean_text
from service.config import Settings
from service.pipeline import chunk_sizes
from service.schema import ArticleInput
from service.tokens import count_tokens

# --- random article-like texts -------------------------------------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü", min_size=1, max_size=9)
_long_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/", min_size=40, max_size=400)
_end = st.sampled_from([".", "!", "?", ";", ":", ".”", ".)", ""])


@st.composite
def _sentence(draw: st.DrawFn) -> str:
    words = draw(
        st.lists(st.one_of(_word, _word, _word, _word, _long_word), min_size=1, max_size=30)
    )
    words[0] = words[0].capitalize()
    return " ".join(words) + draw(_end)


@st.composite
def _paragraph(draw: st.DrawFn) -> str:
    sep = draw(st.sampled_from([" ", "  ", "\n", " \n"]))
    return sep.join(draw(st.lists(_sentence(), min_size=1, max_size=6)))


@st.composite
def articles(draw: st.DrawFn) -> str:
    lead = draw(st.sampled_from(["", "\n", "  \n\n"]))
    seps = st.sampled_from(["\n\n", "\n \n", "\n\n\n", "\r\n\r\n", "\n"])
    paragraphs = draw(st.lists(_paragraph(), min_size=1, max_size=12))
    text = lead + paragraphs[0]
    for p in paragraphs[1:]:
        text += draw(seps) + p
    return text + draw(st.sampled_from(["", "\n", "\n\n  "]))


def _check_invariants(
    source: str, body: Span, chunks: list[Chunk], size: int, overlap: int
) -> None:
    assert chunks, "a non-empty body gives at least one chunk"
    # Owned ranges tile the body: no gap, no overlap, in order.
    assert chunks[0].owned.start == body.start
    assert chunks[-1].owned.end == body.end
    for a, b in pairwise(chunks):
        assert a.owned.end == b.owned.start
    for i, c in enumerate(chunks):
        assert c.index == i
        assert c.owned.start < c.owned.end
        # Context contains owned and stays within the body.
        assert body.start <= c.context.start <= c.owned.start
        assert c.owned.end <= c.context.end <= body.end
        # The text a chunk carries is exactly the source slice of its context range.
        assert c.text(source) == source[c.context.start : c.context.end]
        # Token counts are bounded: owned part within the budget, context within budget + overlap.
        assert c.tokens <= size + 2 * overlap
        assert count_tokens(source[c.owned.start : c.owned.end]) <= size + max(4, size // 10)
        assert count_tokens(c.text(source)) <= size + 2 * overlap + max(6, size // 5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=articles(), size=st.integers(8, 400), overlap=st.integers(0, 80))
def test_random_texts_tile_the_body(text: str, size: int, overlap: int) -> None:
    body = clean_text(text).body
    chunks = chunk_text(text, body, count_tokens, size, overlap)
    _check_invariants(text, body, chunks, size, overlap)


@settings(max_examples=40, deadline=None)
@given(text=articles(), size=st.integers(8, 200), overlap=st.integers(0, 40))
def test_any_span_of_a_text_can_be_chunked(text: str, size: int, overlap: int) -> None:
    """Chunking is not tied to what cleaning chose: any sub-span works and is tiled."""
    start = len(text) // 5
    end = max(start + 1, len(text) - len(text) // 7)
    body = Span(start, min(end, len(text)))
    if not text[body.start : body.end]:
        return
    _check_invariants(
        text, body, chunk_text(text, body, count_tokens, size, overlap), size, overlap
    )


@settings(max_examples=40, deadline=None)
@given(word=_long_word, repeat=st.integers(1, 8), size=st.integers(8, 60))
def test_unbroken_words_longer_than_a_chunk_are_split(word: str, repeat: int, size: int) -> None:
    text = word * repeat
    body = Span(0, len(text))
    chunks = chunk_text(text, body, count_tokens, size, 0)
    _check_invariants(text, body, chunks, size, 0)


@settings(max_examples=40, deadline=None)
@given(
    sentences=st.lists(
        st.lists(_word, min_size=3, max_size=12).map(" ".join), min_size=4, max_size=40
    )
)
def test_chunks_break_after_whitespace_in_ordinary_prose(sentences: list[str]) -> None:
    """With ordinary words, chunks start after a sentence end or a blank, never mid-word."""
    text = ". ".join(sentences) + "."
    chunks = chunk_text(text, Span(0, len(text)), count_tokens, 24, 6)
    for c in chunks[1:]:
        assert text[c.owned.start - 1].isspace(), (text[c.owned.start - 10 : c.owned.start + 10], c)


def test_backing_off_to_a_paragraph_end_never_overfills_the_next_chunk() -> None:
    """Regression: moving sentences to the next chunk used to push it past ``chunk_tokens``."""
    text = "and were would again.\n\nlong. they the trade soon soon again long meet. talks said the on on soon."
    chunks = chunk_text(text, Span(0, len(text)), count_tokens, 11, 0)
    _check_invariants(text, Span(0, len(text)), chunks, 11, 0)


def test_chunks_prefer_paragraph_ends() -> None:
    paragraphs = [
        " ".join(f"Sentence {p}.{i} about the talks." for i in range(6)) for p in range(8)
    ]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, Span(0, len(text)), count_tokens, 120, 10)
    assert len(chunks) > 2
    starts = {m.end() for m in re.finditer(r"\n\n", text)}
    assert all(c.owned.start in starts for c in chunks[1:])


def test_empty_body_gives_no_chunks() -> None:
    assert chunk_text("   ", Span(1, 1), count_tokens, 100, 10) == []


@pytest.mark.parametrize(("size", "overlap"), [(0, 10), (100, -1)])
def test_bad_sizes_are_rejected(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        chunk_text("Some text.", Span(0, 10), count_tokens, size, overlap)


# --- the real seed article -----------------------------------------------------------------------


def test_short_article_is_one_chunk_with_default_sizes(seed_text: str) -> None:
    doc = clean_text(seed_text)
    settings_ = Settings(_env_file=None, llm_base_url="http://x", llm_model="m")  # type: ignore[call-arg]
    size, overlap = chunk_sizes(settings_, ArticleInput(text=seed_text), context_window=32_768)
    chunks = chunk_text(seed_text, doc.body, count_tokens, size, overlap)
    assert len(chunks) == 1
    assert chunks[0].owned == chunks[0].context == doc.body
    # Per-sentence counts add up to a little more than counting the whole text at once.
    whole = count_tokens(seed_text[doc.body.start : doc.body.end])
    assert whole <= chunks[0].tokens <= 1.1 * whole


def test_small_chunk_size_splits_the_seed_article(seed_text: str) -> None:
    doc = clean_text(seed_text)
    chunks = chunk_text(seed_text, doc.body, count_tokens, 200, 40)
    _check_invariants(seed_text, doc.body, chunks, 200, 40)
    assert 5 <= len(chunks) <= 10
    # Neighbours share context (the overlap) but never owned text.
    assert all(a.context.end > b.owned.start for a, b in pairwise(chunks))


def test_chunk_sizes_precedence() -> None:
    s = Settings(_env_file=None, llm_base_url="http://x", llm_model="m", chunk_tokens=700)  # type: ignore[call-arg]
    assert chunk_sizes(s, ArticleInput(text="x"), 32_768) == (700, 70)
    opts = ArticleInput(text="x", options={"chunk_tokens": 300, "chunk_overlap": 0})
    assert chunk_sizes(s, opts, 32_768) == (300, 0)
    d = Settings(_env_file=None, llm_base_url="http://x", llm_model="m")  # type: ignore[call-arg]
    # Default: a fifth of the context window, between 400 and 3000 tokens; overlap a tenth of it.
    assert chunk_sizes(d, ArticleInput(text="x"), 8192) == (1638, 163)
    assert chunk_sizes(d, ArticleInput(text="x"), 4096) == (819, 81)
    assert chunk_sizes(d, ArticleInput(text="x"), 1000) == (400, 40)
    assert chunk_sizes(d, ArticleInput(text="x"), 32_768) == (3000, 300)
