"""The word-list matchers: a trie-factored alternation matches exactly what the plain one does."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.lexicon import alternation, country_of, lexicon

# Few letters, so entries share prefixes and texts contain them often.
_letters = st.sampled_from("abAB ,-é")
_entries = st.sets(st.text(_letters, min_size=1, max_size=5), min_size=1, max_size=12)


def _plain(entries: set[str]) -> str:
    alts = sorted((re.escape(e.casefold()) for e in entries if e.strip()), key=len, reverse=True)
    return "(?:" + "|".join(alts) + ")"


@settings(max_examples=300, deadline=None)
@given(_entries, st.text(_letters, max_size=60))
def test_trie_alternation_finds_the_same_spans_as_the_longest_first_alternation(
    entries: set[str], text: str
) -> None:
    if not any(e.strip() for e in entries):
        return
    for wrap in (
        "(?<!\\w){}(?!\\w)",
        "(?<!\\w){}",
    ):  # whole words (``_words``), stems (``_matcher``)
        plain = re.compile(wrap.format(_plain(entries)), re.I)
        trie = re.compile(wrap.format(alternation(entries)), re.I)
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_an_empty_list_matches_nothing() -> None:
    assert re.compile(alternation({"", " "})).search("anything") is None


def test_country_names_match_whole_and_longest() -> None:
    territories = lexicon().territories
    text = "Leaders of South Africa, Guinea-Bissau and Niger met in Nigeria."
    found = [m.group() for m in territories.finditer(text)]
    assert found == ["South Africa", "Guinea-Bissau", "Niger", "Nigeria"]


@pytest.mark.parametrize(
    ("adjective", "country"),
    [
        ("Philippine", "Philippines"),
        ("Japanese", "Japan"),
        ("Australian", "Australia"),  # not Austria
        ("Austrian", "Austria"),  # not Australia
        ("mauritanien", "Mauritanie"),
        ("brasileiro", "Brasil"),
        ("tunisino", "Tunisia"),
    ],
)
def test_a_nationality_adjective_names_its_country(adjective: str, country: str) -> None:
    assert country in country_of(adjective)


@pytest.mark.parametrize("word", ["Guinean", "French", "Defence", "Secretary", "Trade", "Foreign"])
def test_words_that_name_no_single_country_give_none(word: str) -> None:
    assert country_of(word) == ()
