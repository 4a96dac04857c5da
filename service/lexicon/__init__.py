"""Per-language word lists (``<code>.yaml`` beside this file), compiled into matchers.

The lists are data, not code: a language is added by adding its file. Matchers use the union of
all languages, because articles mix them (a Portuguese story quoting an English title) and the
support checks must not depend on language detection being right. Entries are lowercase stems
matched at the start of a word. Country and region names come from the Unicode CLDR (through
Babel) in every listed language, so a "side" is recognised without a hand-kept list.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from babel import Locale, UnknownLocaleError

STATUS_CLASSES = (
    "rejected",
    "failed",
    "signed",
    "endorsed",
    "agreed_in_principle",
    "under_negotiation",
    "announced",
    "proposed",
    "discussed",
)


def alternation(entries: set[str]) -> str:
    """A regex matching any of ``entries`` (casefolded), longest first, factored into a trie.

    Same matches as the plain alternation of the entries sorted longest first, but Python's
    ``re`` tries a plain alternation entry by entry at every position of the text: a few thousand
    CLDR names took 0.8 s on 330 kB of articles; the trie takes 0.03 s. Each node offers its
    longer continuations before stopping (a greedy optional group), so the first match is the
    longest, and a following assertion that fails backtracks to the next shorter entry.
    """
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for entry in entries:
        if not entry.strip():
            continue
        node = trie
        for ch in entry.casefold():
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return "(?:" + build(trie) + ")" if trie else "(?!)"


def _matcher(entries: set[str]) -> re.Pattern[str]:
    """Matcher of ``entries`` as stems: at the start of a word, the longest entry."""
    return re.compile(r"(?<!\w)" + alternation(entries), re.I)


@dataclass(frozen=True)
class Lexicon:
    languages: tuple[str, ...]
    titles: re.Pattern[str]
    bodies: re.Pattern[str]
    organisation_words: re.Pattern[str]
    former: re.Pattern[str]
    agreement_nouns: re.Pattern[str]
    agreement_nouns_by_language: dict[str, re.Pattern[str]]
    status: dict[str, re.Pattern[str]]
    context: dict[str, re.Pattern[str]]
    context_by_language: dict[str, dict[str, re.Pattern[str]]]
    title_words: frozenset[str]
    territories: re.Pattern[str]
    calendar_words: frozenset[str]  # CLDR weekday and month names, casefolded
    locative: frozenset[str]
    participation: re.Pattern[str]
    ai_terms: re.Pattern[str]
    ai_address: re.Pattern[str]
    ai_override: re.Pattern[str]
    noun_markers_by_language: dict[str, frozenset[str]]
    verb_endings_by_language: dict[str, tuple[str, ...]]
    meeting_nouns: re.Pattern[str]
    title_modifiers: frozenset[str]
    conjunctions: frozenset[str]
    name_joiners: frozenset[str]
    future_markers: frozenset[str]  # auxiliaries of the future ("will", "vai"), casefolded
    definite_markers_by_language: dict[str, frozenset[str]]
    phrase_breaks_by_language: dict[str, frozenset[str]]

    def phrase_breaks(self, language: str) -> frozenset[str]:
        """Verbs and relative pronouns of ``language`` and English that end a noun phrase."""
        own = self.phrase_breaks_by_language.get(language, frozenset())
        return own | self.phrase_breaks_by_language.get("en", frozenset())

    def head_title(self, text: str) -> bool:
        """``text`` holds a title that stands alone ("Secretary", "Minister"), not only a word
        that qualifies one ("Trade", "Deputy")."""
        return any(
            m.group().casefold() not in self.title_modifiers for m in self.titles.finditer(text)
        )

    def definite_markers(self, language: str) -> frozenset[str]:
        """Definite articles and demonstratives of ``language`` and English: a document noun
        after one refers back to a deal the article named before ("the agreement", "o acordo")."""
        own = self.definite_markers_by_language.get(language, frozenset())
        return own | self.definite_markers_by_language.get("en", frozenset())

    def noun_markers(self, language: str) -> frozenset[str]:
        """Articles and prepositions of ``language`` and English: a word right after one is used
        as a noun ("the tariffs", "de gás"). Unknown languages get English only."""
        own = self.noun_markers_by_language.get(language, frozenset())
        return own | self.noun_markers_by_language.get("en", frozenset())

    def document_nouns(self, language: str) -> re.Pattern[str]:
        """Document and deal nouns of ``language`` and English (articles quote English titles):
        for finding agreements, where another language's word would be a false friend (French
        "engagement" is a commitment; English "engagement" is not a document)."""
        return self.agreement_nouns_by_language.get(language, self.agreement_nouns)

    def context_in(self, language: str) -> dict[str, re.Pattern[str]]:
        """Context cue words of ``language`` and English, by kind (Portuguese "critic-" must
        not make English "critical" an objection)."""
        return self.context_by_language.get(language, self.context)


def _words(entries: set[str]) -> re.Pattern[str]:
    """Whole-word (or whole-phrase) matcher of ``entries``."""
    return re.compile(r"(?<!\w)" + alternation(entries) + r"(?!\w)", re.I)


def _territories(languages: list[str]) -> re.Pattern[str]:
    """Whole-word matcher of CLDR country and region names in English and ``languages``."""
    names: set[str] = set()
    for code in {"en", *languages}:
        try:
            names.update(Locale.parse(code).territories.values())
        except (UnknownLocaleError, ValueError):
            continue
    return re.compile(r"(?<!\w)" + alternation({n for n in names if len(n) > 2}) + r"(?!\w)", re.I)


def _calendar_words(languages: list[str]) -> frozenset[str]:
    """CLDR weekday and month names (wide forms) in English and ``languages``, casefolded: words
    capitalised in English that are dates, not names ("Summit of the Americas on Friday")."""
    names: set[str] = set()
    for code in {"en", *languages}:
        try:
            locale = Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue
        for table in (locale.days, locale.months):
            names.update(n.casefold() for n in table["format"]["wide"].values())
    return frozenset(names)


# Plain word lists of each language file, merged across languages.
_LISTS = (
    "titles",
    "bodies",
    "organisation_words",
    "former",
    "agreement_nouns",
    "locative",
    "participation",
    "meeting_nouns",
    "future_markers",
    "title_modifiers",
    "conjunctions",
    "name_joiners",
)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    lists: dict[str, set[str]] = {}
    status: dict[str, set[str]] = {}
    context: dict[str, set[str]] = {}
    ai: dict[str, set[str]] = {"ai": set(), "address": set(), "override": set()}
    langs = []
    nouns: dict[str, set[str]] = {}
    markers: dict[str, frozenset[str]] = {}
    endings: dict[str, tuple[str, ...]] = {}
    definite: dict[str, frozenset[str]] = {}
    breaks: dict[str, frozenset[str]] = {}
    own_context: dict[str, dict[str, set[str]]] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8"))
        langs.append(data["language"])
        nouns[data["language"]] = {str(x) for x in data.get("agreement_nouns", [])}
        markers[data["language"]] = frozenset(
            str(x).casefold() for x in data.get("noun_markers", [])
        )
        endings[data["language"]] = tuple(str(x) for x in data.get("verb_endings", []))
        definite[data["language"]] = frozenset(
            str(x).casefold() for x in data.get("definite_markers", [])
        )
        breaks[data["language"]] = frozenset(
            str(x).casefold() for x in data.get("phrase_breaks", [])
        )
        for key in _LISTS:
            lists.setdefault(key, set()).update(str(x) for x in data.get(key, []))
        for key, values in data.get("status", {}).items():
            status.setdefault(key, set()).update(str(x) for x in values)
        for key, values in data.get("context", {}).items():
            context.setdefault(key, set()).update(str(x) for x in values)
            own_context.setdefault(data["language"], {})[key] = {str(x) for x in values}
        for key, values in data.get("ai_address", {}).items():
            ai[key].update(str(x) for x in values)
    unknown = set(status) - set(STATUS_CLASSES)
    if unknown:
        raise ValueError(f"Unknown status classes in the word lists: {sorted(unknown)}")
    return Lexicon(
        languages=tuple(langs),
        titles=_matcher(lists["titles"]),
        bodies=_matcher(lists["bodies"]),
        organisation_words=_matcher(lists["organisation_words"]),
        former=_matcher(lists["former"]),
        agreement_nouns=_matcher(lists["agreement_nouns"]),
        agreement_nouns_by_language={
            lang: _matcher(words | nouns.get("en", set())) for lang, words in nouns.items()
        },
        status={k: _matcher(status[k]) for k in STATUS_CLASSES if k in status},
        context={k: _matcher(v) for k, v in sorted(context.items())},
        context_by_language={
            lang: {
                k: _matcher(kinds.get(k, set()) | own_context.get("en", {}).get(k, set()))
                for k in sorted(context)
            }
            for lang, kinds in own_context.items()
        },
        title_words=frozenset(w.casefold() for w in lists["titles"] | lists["bodies"]),
        territories=_territories(langs),
        calendar_words=_calendar_words(langs),
        locative=frozenset(w.casefold() for w in lists["locative"]),
        participation=_matcher(lists["participation"]),
        ai_terms=_words(ai["ai"]),
        ai_address=_words(ai["address"]),
        ai_override=_words(ai["override"]),
        noun_markers_by_language=markers,
        verb_endings_by_language=endings,
        meeting_nouns=_words(lists["meeting_nouns"]),
        title_modifiers=frozenset(w.casefold() for w in lists["title_modifiers"]),
        conjunctions=frozenset(w.casefold() for w in lists["conjunctions"]),
        name_joiners=frozenset(w.casefold() for w in lists["name_joiners"]),
        future_markers=frozenset(w.casefold() for w in lists["future_markers"]),
        definite_markers_by_language=definite,
        phrase_breaks_by_language=breaks,
    )


@lru_cache(maxsize=16)
def stop_words(language: str) -> frozenset[str]:
    """Function words of ``language`` and English (spaCy's per-language stop-word lists, which
    need no trained model): what a noun phrase does not start with ("esta Declaración", "upon
    agreement"). Unknown languages get English only."""
    found: set[str] = set()
    for code in {"en", language}:
        try:
            module = importlib.import_module(f"spacy.lang.{code}.stop_words")
        except ImportError:
            continue
        found.update(w.casefold() for w in module.STOP_WORDS)
    return frozenset(found)


@lru_cache(maxsize=1)
def _country_names() -> tuple[tuple[str, str, str], ...]:
    """``(casefolded name, code, name)`` of every country (CLDR two-letter territory codes)
    whose name is one word, in English and the lexicon languages."""
    out: set[tuple[str, str, str]] = set()
    for code in {"en", *lexicon().languages}:
        try:
            names = Locale.parse(code).territories
        except (UnknownLocaleError, ValueError):
            continue
        for territory, name in names.items():
            if len(territory) == 2 and territory.isalpha() and len(name.split()) == 1:
                out.add((name.casefold(), territory, name))
    return tuple(sorted(out))


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@lru_cache(maxsize=4096)
def country_of(adjective: str) -> tuple[str, ...]:
    """The names of the country a nationality adjective names ("Philippine" → "Philippines",
    "Philippinen", …; "Japanese" → "Japan", …; "mauritanien" → "Mauritanie", …), from CLDR
    country names in English and the lexicon languages, closest first: the country with a
    one-word name sharing the longest prefix with it, of at least four letters and all but the
    last two of the shorter word. Empty when none does or two countries tie ("Guinean": Guinea,
    Guinea-Bissau); CLDR has no adjectives, so irregular ones ("French", "Dutch") give none."""
    w = adjective.casefold()
    if len(w) < 4:
        return ()
    found: dict[str, list[tuple[int, str]]] = {}
    for folded, code, name in _country_names():
        n = _shared_prefix(w, folded)
        if n >= 4 and n >= min(len(w), len(folded)) - 2:
            found.setdefault(code, []).append((n, name))
    if not found:
        return ()
    top = {code: max(n for n, _ in names) for code, names in found.items()}
    best = max(top.values())
    winners = [code for code, n in top.items() if n == best]
    if len(winners) != 1:
        return ()
    names = sorted(found[winners[0]], key=lambda x: (-x[0], x[1]))
    return tuple(dict.fromkeys(name for _, name in names))
