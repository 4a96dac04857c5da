"""Turn one chunk's pointed reply into grounded items: one small named check per rule.

The model answered with sentence numbers; each item's evidence is the source span of the
sentences it points at, so every quote is exact by construction. What remains to check is
*support*: the item says what its sentences say. Each failed check drops the item (or a field of
it) and counts a reason in ``Found.drops``, reported as ``meta.dropped_items``.

- a number that is not a sentence of the chunk: ``bad_sentence``;
- an item whose sentence lies in another chunk's owned range is left to that chunk (not counted);
- participant: a name the article never states is removed (``name_not_stated``); a nameless
  participant gets the name of a person mentioned right next to its title in its sentence; one
  whose name or title is not in its evidence is dropped (``not_in_evidence``); a crowd, topic or
  headline is not a participant (``not_a_participant``); a former office holder neither
  (``past_office``); a nameless delegation, government or official must stand for a side — a
  country or region (CLDR names), a body or organisation, or an acronym — (``not_a_side``);
  a place given as a name (a CLDR country, or a name written only after "in"/"em"/"en") is not
  a person, and a one-word name needs a longer name or a title beside it somewhere; a name the
  cited sentence does not write takes the chunk's sentence that does as evidence, and the side
  written beside the name ("Anwar Ibrahim of Malaysia") replaces a guessed affiliation;
- participants found by code (``titled_people``): a name written right beside a title in a
  sentence that says someone took part (met, signed, led …, per-language ``participation``
  lists), merged after the model's;
- after merging (``stand_ins``): a side's nameless delegation or government is dropped when
  someone named or titled already stands for that side, and kept once otherwise
  (``side_already_named``);
- agreement: the title's words must be in its sentences, else the title is replaced by the
  document phrase the sentences use ("acordo humanitário …"), else it is dropped
  (``title_not_in_evidence``); a meeting is not an agreement (``meeting_not_agreement``); the
  status is read from the sentences (``service/ground/status.py``);
- note and summary: the cited sentence itself, so support holds by construction;
- event: a name, date or place the article never states is removed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from service.candidates import POSTPOSED_LANGUAGES as _POSTPOSED
from service.candidates import Mention, titles
from service.chunk import Chunk
from service.clean import CleanDocument
from service.extract import ChunkExtraction, XAgreement, XParticipant
from service.ground.locate import foreign_script, is_stated
from service.ground.status import cues, placed_cues, read_status
from service.lexicon import lexicon, stop_words
from service.merge import ALIASES, key
from service.schema import Agreement, Event, Evidence, GeopoliticalNote, Participant
from service.text import Sentence, fold, words

_CROWD = frozenset(
    [
        "senior",
        "top",
        "high",
        "level",
        "high-level",
        "officials",
        "official",
        "representatives",
        "delegates",
        "leaders",
        "policymakers",
        "participants",
        "sides",
        "side",
        "both",
        "parties",
        "governments",
        "ministers",
        "authorities",
        "the",
        "two",
        "all",
        "other",
        "various",
        "key",
        "several",
    ]
)
_STOP = frozenset(
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
_FUNCTION = _STOP | frozenset(
    "the this that these those its their our pelo pela pelos pelas o a os as um uma el los las "
    "un una le les ce cette der die das ein eine this ten ta te".split()
)


_PREPOSITIONS = frozenset(
    "on of for between with about to de do da dos das del sobre entre con com para por du des "
    "sur avec über zwischen für von mit zu o w z na dla".split()
)

PHRASE_MATCH = 90.0
MAX_AGREEMENT_SENTENCES = 3
# A short line without a full stop beside the line with the name: a signature block's title line.
SIGNATURE_WORDS = 12


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


def _clean(text: str | None) -> str | None:
    text = " ".join((text or "").split()).strip(" ,.;:\"'“”")
    return text or None


def _stems(text: str) -> set[str]:
    return {w[:5] for w in words(fold(text))}


def _share_in(phrase: str, text: str, hay: set[str] | frozenset[str] | None = None) -> float:
    """Share of the phrase's content words (first 5 letters) found in ``text`` (or in ``hay``,
    the text's stems computed once)."""
    hay = _stems(text) if hay is None else hay
    need = [w[:5] for w in words(fold(phrase)) if len(w) > 2 and w not in _STOP]
    return sum(w in hay for w in need) / len(need) if need else 0.0


@lru_cache(maxsize=4)
def _document_stems(body: str) -> frozenset[str]:
    """A body's stems, once per document (every chunk's event fields are checked against the
    whole body: folding it per check made grounding quadratic in article length)."""
    return frozenset(_stems(body))


def _phrase_in(phrase: str, text: str) -> bool:
    """``phrase`` is written in ``text`` (folded; small spelling differences allowed)."""
    needle = fold(phrase).strip(" .,;:")
    if len(words(needle)) == 0:
        return False
    hay = fold(text)
    if needle in hay:
        return True
    return len(needle) >= 8 and fuzz.partial_ratio(needle, hay) >= PHRASE_MATCH


def _usable_side(side: str, doc: CleanDocument) -> bool:
    """A side as the article states it: written there, no document or headline, and no phrase
    cut off mid-way ("Fuerzas de seguridad regionales con" ends in a function word)."""
    last = words(side.casefold())[-1:]
    return (
        is_stated(side, doc)
        and not lexicon().agreement_nouns.search(side)
        and len(side.split()) <= 6
        and not (last and last[0] in _FUNCTION | _PREPOSITIONS | stop_words(doc.language))
    )


def _has_title_word(text: str) -> bool:
    return any(w in lexicon().title_words for w in words(text.casefold()))


def split_name(name: str | None, role: str | None) -> tuple[str | None, str | None]:
    """A "name" made of title words ("Foreign Minister") is a role, not a name."""
    if name and all(_has_title_word(w) or w.casefold() in _STOP for w in words(name)):
        return None, role or name
    return name, role


def _side_in(side: str, text: str) -> bool:
    """The country or body is named in ``text`` (aliases such as "U.S." resolved)."""
    k = key(side)
    hay = " " + key(text) + " "
    aliases = {a for a, full in ALIASES.items() if full == k} | {k}
    return any(f" {a} " in hay for a in aliases) or _share_in(side, text) >= 0.5


_ACRONYM = re.compile(r"(?<!\w)(?:[A-Z]{2,}|(?:[A-Z]\.){2,})(?!\w)")


def is_side(text: str) -> bool:
    """``text`` names a side: a country or region, a body or organisation, or an acronym."""
    lex = lexicon()
    return bool(
        lex.territories.search(text)
        or lex.bodies.search(text)
        or lex.organisation_words.search(text)
        or _ACRONYM.search(text)
    )


def _generic(role: str) -> bool:
    return set(words(role.casefold())) <= _CROWD | {"delegation", "government", "official"}


def _is_role(role: str | None, affiliation: str | None) -> bool:
    lex = lexicon()
    if not affiliation and role and _generic(role):
        return False  # "delegation" of nobody
    # the title or body word is in the role when there is one: a headline fragment given as a role
    # ("U.S.-UK Reach Historic Trade") is none, whatever side it comes with
    text = role or affiliation or ""
    if not (lex.head_title(text) or lex.bodies.search(text)):
        return False
    return bool(affiliation) or not set(words((role or "").casefold())) <= _CROWD


def _find(phrase: str, s: Sentence) -> int:
    """Position of ``phrase`` (folded) in the sentence's folded text, or -1."""
    return fold(s.text).find(fold(phrase))


def _adjacent_person(s: Sentence, role: str, mentions: list[Mention]) -> str | None:
    """The person named right before or after ``role`` in ``s`` ("Secretary of State X")."""
    text = fold(s.text)
    pos = text.find(fold(role))
    if pos < 0:
        m = lexicon().titles.search(s.text)
        if m is None:
            return None
        pos, end = m.start(), m.end()
    else:
        end = pos + len(fold(role))
    best: tuple[int, str] | None = None
    for mention in mentions:
        where = text.find(fold(mention.text))
        if where < 0:
            continue
        if where >= end:
            gap = text[end:where]
        elif where + len(fold(mention.text)) <= pos:
            gap = text[where + len(fold(mention.text)) : pos]
        else:
            continue
        gap_words = words(gap)
        if (
            len(gap) <= 24
            and not any(w in _STOP for w in gap_words)
            and not any(_has_title_word(w) for w in gap_words)
            and (best is None or len(gap) < best[0])
        ):
            best = (len(gap), mention.text)
    return best[1] if best else None


def _title_line(s: Sentence) -> bool:
    text = s.text.strip()
    return len(words(text)) <= SIGNATURE_WORDS and not text.endswith((".", "!", "?", "。"))


def _naming_sentence(numbered: Numbered, phrase: str | None) -> Sentence | None:
    """The chunk's first owned sentence that writes ``phrase``, one saying someone took part
    (met, signed, led …) preferred."""
    if not phrase:
        return None
    hits = [x for x in numbered.items if numbered.owns(x) and _find(phrase, x) >= 0]
    acting = [x for x in hits if lexicon().participation.search(x.text)]
    return (acting or hits)[0] if hits else None


def _title_near(name: str, sentences: list[Sentence]) -> str | None:
    """The title written closest to ``name`` in its sentences ("President Javier Milei")."""
    best: tuple[int, str] | None = None
    for s in sentences:
        at = _find(name, s)
        if at < 0:
            continue
        for t in titles(s.text):
            if fold(name) in fold(t):  # "Secretary of State Ana Lind": the title before the name
                t = t[: fold(t).find(fold(name))].strip(" ,")
            where = fold(s.text).find(fold(t))
            distance = abs(where + len(t) - at) if where <= at else abs(where - at)
            if t and (best is None or distance < best[0]):
                best = (distance, t)
    return best[1] if best and best[0] <= 60 else None


def _former(s: Sentence, phrase: str | None) -> bool:
    """The person is named as a former office holder ("former President X", "ex-ministro")."""
    if not phrase:
        return False
    text = s.text.casefold()
    pos = text.find(phrase.casefold())
    before = text[max(0, pos - 30) : pos] if pos >= 0 else ""
    return bool(lexicon().former.search(before) or lexicon().former.match(phrase.casefold()))


def check_participant(
    p: XParticipant,
    numbered: Numbered,
    doc: CleanDocument,
    mentions: list[Mention],
    found: Found,
) -> Participant | None:
    s = numbered.get(p.sentence) if p.sentence is not None else None
    if s is None:
        # A number outside the chunk: the sentence that writes the name, if the chunk has one
        # (a title alone is too common to place anyone).
        s = _naming_sentence(numbered, _clean(p.name))
        if s is None:
            found.drops["bad_sentence"] += 1
            return None
    if not numbered.owns(s):
        return None
    name, role = split_name(_clean(p.name), _clean(p.role))
    affiliation = _clean(p.affiliation)
    if affiliation and not _usable_side(affiliation, doc):
        affiliation = None  # not stated, or a document or headline rather than a side
    if name and role and _generic(role) and not affiliation:
        affiliation, name = name, None  # "Itaipu", role "delegation": a side, not a person
    elif name and role and _generic(role):
        if _has_title_word(name) and not _is_person(name, mentions):
            role = name  # "U.S. Under Secretary for Economic Affairs" given as a name
        name = None
        found.drops["name_not_a_person"] += 1
    if name and not _is_person(name, mentions) and not _looks_like_name(name, s):
        found.drops["name_not_a_person"] += 1  # a title, a group, a country given as a name
        if _has_title_word(name) and (not role or _generic(role) or len(name) > len(role)):
            role = name  # "U.S. Under Secretary for Economic Affairs" is the role
        elif not affiliation and len(name) <= 40:
            affiliation = name  # "Taiwan" given as a name: the side the delegation stands for
        name = None
    sentences = [s]
    if name and _find(name, s) < 0:
        # Signature blocks put the name on the line above the title; the model may cite either.
        neighbours = [
            x
            for d in (-1, 1, -2, 2)
            if p.sentence is not None and (x := numbered.get(p.sentence + d)) is not None
        ]
        hit = next((x for x in neighbours if _find(name, x) >= 0), None)
        if hit is not None and _title_line(s):
            sentences.append(hit)  # a title line under (or over) the name line
        elif hit is not None:
            s, sentences = hit, [hit]  # a prose sentence not naming them: cite the one that does
        elif (named := _naming_sentence(numbered, name)) is not None:
            s, sentences = named, [named]  # the model pointed elsewhere: cite what names them
        elif not is_stated(name, doc):
            found.drops["name_not_stated"] += 1
            name = None
        else:
            found.drops["not_in_evidence"] += 1
            return None
    if not name and role:
        name = _adjacent_person(s, role, [m for m in mentions if _within(m, s)])
    elif name and role and _share_in(role, " ".join(x.text for x in sentences)) < 1.0:
        # The title as written beside the name wins over one the model half-remembers.
        near = _title_near(name, sentences)
        if near or _share_in(role, " ".join(x.text for x in sentences)) < 0.5:
            found.drops["role_not_in_evidence"] += 1
            role = near
    if affiliation and not _usable_side(affiliation, doc):
        affiliation = None  # not stated, or a document or headline rather than a side
    if (
        name
        and (beside := _side_beside(name, role, s))
        and not (affiliation and _side_in(affiliation, beside))
    ):
        affiliation = beside  # the side written beside the name wins over one guessed
    if not name and not _is_role(role, affiliation):
        found.drops["not_a_participant"] += 1
        return None
    grounded = True
    said = " ".join(x.text for x in sentences)
    body_of = bool(role and lexicon().bodies.match(role.casefold())) and bool(affiliation)
    if (
        not name
        and role
        and _share_in(role, said) < 0.5
        and not (body_of and _share_in(affiliation or "", said) >= 0.5)
    ):
        found.drops["not_in_evidence"] += 1
        if not found.keep_ungrounded:
            return None
        grounded = False
    if _former(s, name or role):
        found.drops["past_office"] += 1
        return None
    if not name and affiliation and not _side_in(affiliation, said):
        found.drops["affiliation_not_in_evidence"] += 1
        affiliation = None
    if not name and role and _generic(role) and not (affiliation and is_side(affiliation)):
        found.drops["not_a_side"] += 1  # "delegation" of a verb, a slogan or a headline word
        return None
    return Participant(
        name=name,
        role=role,
        affiliation=affiliation,
        evidence=[evidence(doc, x) for x in sorted(sentences, key=lambda x: x.span.start)],
        grounded=grounded,
    )


_AFTER_NAME = re.compile(r"^\s*,\s*(?:the\s+|o\s+|a\s+|el\s+|la\s+|le\s+|der\s+|die\s+)?", re.I)


def titled_people(
    numbered: Numbered, doc: CleanDocument, mentions: list[Mention]
) -> list[Participant]:
    """People the chunk names right beside a title in a sentence that says someone took part
    ("Latvia's Minister of Climate and Energy Ilze Berzina signed …", "Hugo Chávez, presidente
    da Venezuela, negociou …"): candidates found by code, added to the model's list (the merge
    removes doubles). Former office holders are left out; the role is the title as written.
    """
    lex = lexicon()
    out: list[Participant] = []
    for s in numbered.items:
        if not numbered.owns(s) or not lex.participation.search(s.text):
            continue
        names = dict.fromkeys([m.text for m in mentions if _within(m, s)] + _after_titles(s.text))
        for name in names:
            if _former(s, name) or lex.territories.fullmatch(name):
                continue
            role = _title_beside(name, s)
            if role is None:
                continue
            out.append(
                Participant(
                    name=name,
                    role=_clean(role),
                    affiliation=_side_beside(name, role, s),
                    evidence=[evidence(doc, s)],
                )
            )
    return out


# Between two names of a list: a comma, "and" in the lexicon languages, or both.
_LIST_GAP = re.compile(
    r"^\s*(?:,|;)?\s*(?:(?:and|y|e|et|und|i|oraz|la|el|the|a|o|os|as)\s+)*$", re.I
)
MIN_LISTED_SIDES = 3


def listed_sides(numbered: Numbered, doc: CleanDocument) -> list[Participant]:
    """Delegations of the countries a sentence of taking part lists ("the leaders of Argentina,
    Barbados, Belize … met", "os presidentes do Brasil, da Bolívia e do Chile assinaram"): at
    least three CLDR country names in one enumeration. A side someone named stands for drops its
    delegation after merging (``stand_ins``)."""
    lex = lexicon()
    out: list[Participant] = []
    for s in numbered.items:
        if not numbered.owns(s) or not lex.participation.search(s.text):
            continue
        hits = list(lex.territories.finditer(s.text))
        run: list[re.Match[str]] = []
        best: list[re.Match[str]] = []
        for m in hits:
            if run and _LIST_GAP.match(_strip_prepositions(s.text[run[-1].end() : m.start()])):
                run.append(m)
            else:
                run = [m]
            if len(run) > len(best):
                best = list(run)
        names = list(dict.fromkeys(m.group() for m in best))
        if len(names) < MIN_LISTED_SIDES:
            continue
        out += [
            Participant(name=None, role="delegation", affiliation=n, evidence=[evidence(doc, s)])
            for n in names
        ]
    return out


def _strip_prepositions(gap: str) -> str:
    """What a list repeats before each name: prepositions and articles (", da Bolívia") and
    state forms, body words in the lexicon (", la República de Chile", "the Kingdom of")."""
    gap = re.sub(r"(?i)(?<!\w)(?:de|da|do|das|dos|del|of|the|von|der|du|des)(?!\w)", " ", gap)
    bodies = lexicon().bodies
    kept = [w for w in gap.split() if not bodies.match(w.strip(",;")) or w in ",;"]
    return " ".join(kept) + " "


_CAPITALISED = re.compile(r"[^\W\d_][\w'’.-]*")


def _after_titles(text: str) -> list[str]:
    """Names written right after a title ("Foreign Minister Tomas Berg", "Secretary of State
    Ana Lind", "Minister of Climate and Energy Ilze Berzina"): runs of 2 to 4 capitalised words
    (name particles allowed inside) that hold no title, body, organisation or country word. After
    "title of X", the run's first word is the title's object ("of Climate Marten Kask"), so a run
    there needs three words and loses its first. The name finder misses some of these names.
    """
    lex = lexicon()
    toks = list(_CAPITALISED.finditer(text))

    def breaker(w: str) -> bool:
        return (
            not w[0].isupper()
            or bool(lex.titles.match(w) or lex.bodies.match(w) or lex.organisation_words.match(w))
            or bool(lex.territories.fullmatch(w.rstrip(".,'’s")))
        )

    out: list[str] = []
    i = 0
    while i < len(toks):
        w = toks[i].group()
        if (breaker(w) and w.casefold() not in _NAME_PARTICLES) or i == 0:
            i += 1
            continue
        j = i
        while j < len(toks) and (
            not breaker(toks[j].group()) or toks[j].group().casefold() in _NAME_PARTICLES
        ):
            if j > i and text[toks[j - 1].end() : toks[j].start()] not in (" ", "\n"):
                break
            j += 1
            if toks[j - 1].group().endswith((".", ",")) and len(toks[j - 1].group()) > 2:
                break
        run = [t.group().rstrip(",") for t in toks[i:j]]
        if run and len(run[-1]) > 2:
            run[-1] = run[-1].rstrip(".")
        while run and run[-1].casefold() in _NAME_PARTICLES:
            run.pop()
        prev = toks[i - 1].group()
        gap = text[toks[i - 1].end() : toks[i].start()]
        # "of Foreign Affairs Ana Lind": a title's object may run into the name.
        object_of = (
            i >= 2 and toks[i - 2].group() in _PREPOSITIONS and sum(x[0].isupper() for x in run) > 2
        )
        if gap.strip(" '’s") == "" and _has_title_word(prev) and not object_of:
            name = run  # "Minister Tomas Berg", "State Ana Lind"
        elif any(_has_title_word(t.group()) for t in toks[max(0, i - 5) : i]):
            name = run[1:]  # "of Climate Marten Kask": the first word is the title's object
        else:
            name = []
        if 2 <= sum(x[0].isupper() for x in name) <= 4 and name[0][0].isupper():
            out.append(" ".join(name))
        i = max(j, i + 1)
    return out


_NAME_PARTICLES = frozenset("da de do dos das del della di van von der den bin ibn al el".split())


def _side_beside(name: str, role: str | None, s: Sentence) -> str | None:
    """The country written in the person's title or right after the name ("Prime Minister
    Anwar Ibrahim of Malaysia"), or ``None``."""
    lex = lexicon()
    if role and (in_title := lex.territories.search(role)):
        return in_title.group()
    at = _find(name, s)
    if at < 0:
        return None
    after = s.text[at + len(name) : at + len(name) + 60]
    of = _OF_SIDE.match(after)
    named = lex.territories.match(after, of.end()) if of else None
    return named.group() if named else None


_OF_SIDE = re.compile(r"\s*,?\s*(?:of|from|de|do|da|del|du|von|z)\s+(?:the\s+)?", re.I)


def _title_beside(name: str, s: Sentence) -> str | None:
    """A title written directly before ``name`` ("Minister Ana Lind") or right after it as an
    apposition ("Ana Lind, the foreign minister of …"); ``None`` when there is none."""
    text = fold(s.text)
    at = text.find(fold(name))
    if at < 0:
        return None
    after = at + len(fold(name))
    for t in titles(s.text):
        ft = fold(t)
        if ft.endswith(fold(name)):  # the title phrase ran over the name
            t, ft = t[: len(t) - len(name)].strip(" ,"), ft[: len(ft) - len(fold(name))].strip(" ,")
        if not ft or not _has_title_word(ft):
            continue
        where = text.find(ft)
        if where < 0:
            continue
        gap_before = text[where + len(ft) : at]
        gap_after = text[after:where]
        if where < at and len(gap_before) <= 3 and not gap_before.strip(" 's’"):
            return t
        if where >= after and _AFTER_NAME.fullmatch(gap_after):
            return t
    return None


def stand_ins(participants: list[Participant]) -> tuple[list[Participant], int]:
    """Drop a side's nameless delegation, government or official when the list already holds
    someone of that side with a name or a specific title (the article named who took part), and
    keep one such stand-in per side otherwise, its side written into its role ("delegation of
    Paraguai"). Runs after merging, across chunks; returns the kept list and the number dropped
    (``side_already_named``).
    """

    def side(p: Participant) -> str:
        return key(p.affiliation)

    def stand_in(p: Participant) -> bool:
        return not p.name and (not p.role or _generic(p.role))

    named = {side(p) for p in participants if side(p) and not stand_in(p)}
    # A side also stands named in a title ("presidente da Venezuela", "Prime Minister of Malaysia").
    named |= {
        key(m.group())
        for p in participants
        if not stand_in(p) and p.role
        for m in lexicon().territories.finditer(p.role)
    }
    kept: list[Participant] = []
    seen: set[str] = set()
    for p in participants:
        k = side(p)
        if stand_in(p) and k and (k in named or k in seen or _covered(k, named)):
            continue
        if stand_in(p):
            seen.add(k)
            if p.affiliation and not _side_in(p.affiliation, p.role or ""):
                # "delegation" alone says nothing in a list: the side is part of the role.
                p = p.model_copy(update={"role": f"{p.role or 'delegation'} of {p.affiliation}"})
        kept.append(p)
    return kept, len(participants) - len(kept)


def _covered(side: str, named: set[str]) -> bool:
    """``side`` is written inside a named side's key ("brasil" in "governo do brasil")."""
    return any(f" {side} " in f" {n} " or f" {n} " in f" {side} " for n in named)


def _is_person(name: str, mentions: list[Mention]) -> bool:
    """The name is one the candidate finder found (or part of one, or contains one).

    A one-word name must be part of a longer name the article writes ("Lula" of "Luiz Inácio
    Lula da Silva") or follow a title somewhere ("presidente Lula"): a lone capitalised word is
    as often a city, a programme or a brand ("em Teerã", "rádio Café com o Presidente").
    """
    k = fold(name)
    if _place(k, mentions):
        return False
    if len(words(k)) == 1:
        return any(
            k in words(fold(m.text)) and len(words(fold(m.text))) > 1 for m in mentions
        ) or _titled(k, mentions)
    return any(fold(m.text) in k or k in fold(m.text) for m in mentions)


def _place(name: str, mentions: list[Mention]) -> bool:
    """A country or region (CLDR names), or a name the article only writes after a locative
    preposition ("reunidos en Los Ángeles", "em Teerã"): a place, not a person."""
    if lexicon().territories.fullmatch(name):
        return True
    seen = [m for m in mentions if fold(m.text) == name]
    return bool(seen) and all(_after_locative(m) for m in seen)


def _after_locative(m: Mention) -> bool:
    w = words(fold(m.before))
    return bool(w) and w[-1] in lexicon().locative


def persons(mentions: list[Mention]) -> list[Mention]:
    """The mentions that may be people: places (see ``_place``) left out, in one pass."""
    located: dict[str, bool] = {}
    for m in mentions:
        k = fold(m.text)
        located[k] = located.get(k, True) and _after_locative(m)
    return [m for m in mentions if not located[fold(m.text)] and not _territory_name(m.text)]


@lru_cache(maxsize=8192)
def _territory_name(text: str) -> bool:
    """The whole text is a CLDR country or region name (memoised: every chunk filters the
    document's mentions)."""
    return lexicon().territories.fullmatch(text) is not None


def _titled(word: str, mentions: list[Mention]) -> bool:
    """A one-word mention written right after a title word ("President Lula") at least once."""
    for m in mentions:
        if fold(m.text) != word:
            continue
        before = words(fold(m.before))
        if before and _has_title_word(before[-1]):
            return True
    return False


def _looks_like_name(name: str, s: Sentence) -> bool:
    """A name the finder missed but the sentence writes: 2-4 capitalised words, no title words."""
    parts = name.split()
    lex = lexicon()
    before = fold(s.text)[: max(0, _find(name, s))]
    return (
        _find(name, s) >= 0
        and not lex.territories.fullmatch(fold(name))
        and not ((w := words(before)) and w[-1] in lex.locative)
        and 2 <= len(parts) <= 4
        and all(w[0].isupper() or w.casefold() in _STOP for w in parts)
        and not any(
            lex.titles.match(w) or lex.bodies.match(w) or lex.organisation_words.match(w)
            for w in parts
        )
        and not lex.agreement_nouns.search(name)
    )


def _within(m: Mention, s: Sentence) -> bool:
    return s.span.start <= m.span.start < s.span.end


def _word_end(text: str, at: int) -> int:
    """The end of the word ``at`` is inside: lexicon nouns are stems ("memorand", "statement")."""
    while at < len(text) and (text[at].isalnum() or text[at] == "-"):
        at += 1
    return at


def document_phrase(sentences: list[Sentence], language: str = "en") -> str | None:
    """The first document or deal phrase the sentences use, in their own words.

    From the lexicon's agreement noun, left over capitalised words ("Pax Silica Declaration"),
    lowercase modifiers before it ("digital trade agreement") or, in languages that put
    adjectives after the noun, after it ("acordo humanitário"), then a prepositional complement
    up to punctuation ("… entre as Farc e o governo colombiano").
    """
    postposed = 2 if language in _POSTPOSED else 0
    function = _FUNCTION | stop_words(language)
    breaks = lexicon().phrase_breaks(language)
    for s in sentences:
        m = lexicon().document_nouns(language).search(s.text)
        if m is None:
            continue
        text = s.text
        start = m.start()
        left = list(re.finditer(r"[\w’'.-]+", text[:start]))
        for w in reversed(left[-4:]):
            if (
                w.group()[0].isupper()
                and w.group().casefold() not in _FUNCTION
                and not cues(w.group())  # a Title Case verb: "Leaders Announce Trade Deal"
                and text[w.end() : start].strip() == ""
            ):
                start = w.start()
            else:
                break
        for w in reversed(list(re.finditer(r"[\w’'-]+", text[:start]))[-2:]):
            # lowercase modifiers right before the noun ("digital trade agreement")
            word = w.group().casefold()
            if (
                not w.group()[0].islower()
                or word in function
                or word.endswith(("ed", "ing"))
                or cues(word)  # a verb of outcome: "consider co-financing"
                or text[w.end() : start].strip()
            ):
                break
            start = w.start()
        noun_end = _word_end(text, m.end())  # the whole word: "statements", "Memorandum"
        end = noun_end
        tail = list(re.finditer(r"[\w’'-]+|[^\w\s]", text[end:]))[:TAIL_TOKENS]
        for k, w in enumerate(tail):
            word = w.group().casefold()
            if not w.group()[0].isalnum() or word in breaks:
                break
            if word in _PREPOSITIONS:
                # a complement: the preposition and what follows, up to punctuation or a verb
                rest = _complement(tail[k:], breaks)
                end = noun_end + rest[-1].end() if rest else end
                break
            if word in _FUNCTION or k == postposed:
                break
            end = noun_end + w.end()
        return " ".join(text[start:end].split()).strip(" -–")
    return None


# Tokens after a document noun that its phrase may take ("… entre Brasil, Irã e Turquia para troca
# de material nuclear").
TAIL_TOKENS = 14


def _complement(tokens: list[re.Match[str]], breaks: frozenset[str]) -> list[re.Match[str]]:
    """A prepositional complement's tokens, up to punctuation or a verb; a comma inside a list of
    capitalised names does not end it ("entre Brasil, Irã e Turquia")."""
    out: list[re.Match[str]] = []
    for i, t in enumerate(tokens):
        word = t.group()
        if not word[0].isalnum():
            listed = (
                word == ","
                and out
                and out[-1].group()[0].isupper()
                and i + 1 < len(tokens)
                and tokens[i + 1].group()[0].isupper()
            )
            if not listed:
                break
        elif out and word.casefold() in breaks:
            break
        elif out and word.casefold() in _CONJUNCTIONS and not _joins_a_noun(tokens[i + 1 :]):
            break  # "for signature and undertake their …": a second verb, not a second noun
        out.append(t)
    return out


_CONJUNCTIONS = frozenset("and or e ou y und oder et i lub".split())


def _joins_a_noun(rest: list[re.Match[str]]) -> bool:
    """The word after a conjunction starts a noun: capitalised, or an article or preposition
    ("Trade and Investment", "as Farc e o governo")."""
    if not rest:
        return False
    word = rest[0].group()
    return word[0].isupper() or word.casefold() in _FUNCTION | _PREPOSITIONS


def check_agreement(
    a: XAgreement, numbered: Numbered, doc: CleanDocument, found: Found
) -> Agreement | None:
    cited = [numbered.get(n) for n in dict.fromkeys(a.sentences)]
    sentences = [s for s in cited if s is not None]
    if len(sentences) < len(cited):
        found.drops["bad_sentence"] += len(cited) - len(sentences)
    if not sentences:
        if not a.sentences:
            found.drops["no_evidence"] += 1
        return None
    title = _clean(a.title) or ""
    grounded = True
    text = " ".join(s.text for s in sentences)
    if not _phrase_in(title, text):
        # The model named the document right but pointed at a neighbour: re-point at the
        # sentence of the chunk that writes the title, when one does.
        best = next((s for s in numbered.items if _phrase_in(title, s.text)), None)
        if best is not None:
            sentences = [best]
        else:
            phrase = document_phrase(sentences, doc.language)
            if phrase is None or len(phrase.split()) < 2:
                found.drops["title_not_in_evidence"] += 1
                if not found.keep_ungrounded or not title:
                    return None
                grounded = False
            else:
                title = phrase
    if not numbered.owns(min(sentences, key=lambda s: s.span.start)):
        return None
    text = " ".join(s.text for s in sentences)
    if lexicon().meeting_nouns.search(title) and not lexicon().agreement_nouns.search(title):
        found.drops["meeting_not_agreement"] += 1
        return None
    if not (
        lexicon().agreement_nouns.search(title)
        or lexicon().agreement_nouns.search(text)
        or cues(text)
    ):
        # No document, deal or outcome word anywhere: a heading or a goal, not an agreement.
        found.drops["not_an_agreement"] += 1
        return None
    parties = [p for p in (_clean(x) for x in a.parties) if p and is_stated(p, doc)]
    if not cues(text, title):
        # A heading or a definition ("Joint Statement on …", "Pelo acordo de Itaipu, …") says
        # nothing of the outcome: the chunk's sentence that writes the title with a status cue
        # does, and becomes evidence too.
        stating = next(
            (
                x
                for x in numbered.items
                if x not in sentences and _phrase_in(title, x.text) and cues(x.text)
            ),
            None,
        )
        if stating is None:
            stating = _stated_elsewhere(title, sentences, doc) or _stated_before(
                title, sentences, doc
            )
        if stating is not None:
            sentences = [*sentences, stating][:MAX_AGREEMENT_SENTENCES]
            text = " ".join(x.text for x in sentences)
    status = read_status(a.status, text, title)
    if status == "signed" and not cues(text, title) and _is_headline(sentences, doc):
        # The article is the document its headline names: signed when it closes with a signing
        # formula ("Signed at Kuala Lumpur on …", "Assinado em …"), else what it shows is its
        # release.
        status = "signed" if _signing_formula(doc) else "announced"
    return Agreement(
        title=title,
        kind=a.kind.replace("_", " "),
        parties=parties,
        status=status,  # type: ignore[arg-type]
        evidence=[evidence(doc, s) for s in sorted(sentences, key=lambda s: s.span.start)],
        grounded=grounded,
    )


def head_phrase(title: str, language: str = "en") -> str | None:
    """The words that define a titled document in running text: its document noun with the word
    that modifies it ("U.S.-UK Trade Deal" → "Trade Deal"; "Acordo Humanitário" in a language
    that puts adjectives after the noun → "Acordo Humanitário"). None when the title has no
    document noun or the noun stands alone (a bare "Deal" would match every deal)."""
    m = lexicon().document_nouns(language).search(title)
    if m is None:
        return None
    function = _FUNCTION | stop_words(language)
    end = _word_end(title, m.end())
    if len(title[m.start() : end].split()) >= 2:
        return title[m.start() : end]  # a noun of several words: "Joint Statement"
    if language in _POSTPOSED:
        nxt = re.match(r"\s+([\w-]+)", title[end:])
        if nxt and nxt.group(1).casefold() not in function:
            return title[m.start() : end + nxt.end()]
    prev = re.search(r"([\w-]+)\s+$", title[: m.start()])
    if prev and prev.group(1).casefold() not in function:
        return title[prev.start(1) : end]
    return None


def _stated_elsewhere(title: str, cited: list[Sentence], doc: CleanDocument) -> Sentence | None:
    """The article's first sentence that writes the title's defining words with a status cue
    (the model cited a sentence about the deal that says nothing of its outcome)."""
    head = head_phrase(title, doc.language)
    if head is None:
        return None
    for s in doc.sentences:
        if s not in cited and _phrase_in(head, s.text) and cues(s.text):
            return s
    return None


# Sentences before a reference ("This Framework …") searched for the one that states the deal.
REFERENCE_REACH = 2


def _stated_before(title: str, cited: list[Sentence], doc: CleanDocument) -> Sentence | None:
    """For a cited sentence that refers back to the deal with a demonstrative or definite article
    and its document noun ("This Framework … seeks to …"), the nearest of the sentences just
    before it that writes that noun with a status cue ("… have agreed to a Framework …")."""
    m = lexicon().document_nouns(doc.language).search(title)
    if m is None:
        return None
    noun = title[m.start() : _word_end(title, m.end())].casefold()
    first = min(cited, key=lambda s: s.span.start)
    markers = lexicon().definite_markers(doc.language)
    refers = re.search(rf"(?<!\w)([\w’']+)\s+{re.escape(noun)}(?!\w)", first.text, re.I)
    if refers is None or refers.group(1).casefold() not in markers:
        return None
    at = next((i for i, s in enumerate(doc.sentences) if s.span == first.span), None)
    if at is None:
        return None
    for s in reversed(doc.sentences[max(0, at - REFERENCE_REACH) : at]):
        if re.search(rf"(?<!\w){re.escape(noun)}(?!\w)", s.text, re.I) and cues(s.text):
            return s
    return None


def _is_headline(sentences: list[Sentence], doc: CleanDocument) -> bool:
    """One of ``sentences`` is the article's first (its headline)."""
    return bool(doc.sentences) and any(s.span == doc.sentences[0].span for s in sentences)


def headline_document(
    numbered: Numbered, doc: CleanDocument, have: list[Agreement]
) -> Agreement | None:
    """The document the article is, when its headline is a document's name ("Joint Statement on
    …", "Declaración sobre Migración …"): the headline opens with a document noun, after
    capitalised modifiers only (no verb, cue or punctuation before it: not "Leaders Announce Trade
    Deal"), and is no sentence. Its status: a signing formula makes it signed, else announced
    (the article is its release). None when the model already cited the headline."""
    if not doc.sentences:
        return None
    head = doc.sentences[0]
    if head not in numbered.items or not numbered.owns(head):
        return None
    text = " ".join(head.text.split())
    m = lexicon().document_nouns(doc.language).search(text)
    if m is None or len(text.split()) > 30 or text.endswith((".", "?", "!")):
        return None
    before = text[: m.start()]
    if (
        re.search(r"[^\w\s.'’-]", before)
        or any(not w[0].isupper() for w in before.split())
        or cues(before)
    ):
        return None
    if any(e.start <= head.span.start < e.end for a in have for e in a.evidence):
        return None
    return Agreement(
        title=text.strip(" -–*#"),
        kind="other",
        parties=[],
        status="signed" if _signing_formula(doc) else "announced",
        evidence=[evidence(doc, head)],
    )


def _signing_formula(doc: CleanDocument) -> bool:
    """A sentence of the article opens with a signing cue: a document's closing formula."""
    return any((0, "signed") in placed_cues(s.text.lstrip(" -*_#")) for s in doc.sentences)


def stated_agreements(
    numbered: Numbered, doc: CleanDocument, have: list[Agreement]
) -> list[Agreement]:
    """Agreements the chunk states that the model did not list: an owned sentence with a document
    or deal noun and a status cue ("signed a memorandum of understanding", "agreed to propose a
    joint patrol arrangement"), titled by the document phrase it uses, its status read from it."""
    out: list[Agreement] = []
    titles_have = [_title_stems(a.title) for a in have]
    named = headline_document(numbered, doc, have)
    if named is not None:
        out.append(named)
        titles_have.append(_title_stems(named.title))
    for s in numbered.items:
        if not numbered.owns(s) or not cues(s.text) or _former_office(s.text):
            continue  # no outcome stated, or one of a former office holder's (the past)
        phrase = document_phrase([s], doc.language)
        if (
            phrase is None
            or len(phrase.split()) < 2
            or _names_a_meeting(_with_next_word(phrase, s.text))
            or not _document_word(phrase, doc.language)
            or _bare_noun(phrase, s.text, doc.language)
        ):
            continue
        stems = _title_stems(phrase)
        if any(_overlap(stems, t) >= 0.5 for t in titles_have):
            continue
        titles_have.append(stems)
        if len(out) == MAX_STATED_AGREEMENTS:
            break
        out.append(
            Agreement(
                title=phrase,
                kind="other",
                parties=[],
                status=read_status("discussed", s.text, phrase),  # type: ignore[arg-type]
                evidence=[evidence(doc, s)],
            )
        )
    return out


def _bare_noun(phrase: str, text: str, language: str) -> bool:
    """In a language with articles and modifiers before the noun, a phrase that starts with the
    noun names a particular document only after an article and not as a purpose ("signed a
    memorandum of understanding on …"); "upon agreement of the Parties", "included partnerships
    with allied nations" and "a mechanism to continue discussions" name none."""
    articles = _ARTICLES.get(language)
    if articles is None or lexicon().document_nouns(language).match(phrase) is None:
        return False
    at = text.find(phrase)
    if at < 0:
        return False  # the phrase's spacing was collapsed: not read here
    before = words(text[:at].casefold())[-1:]
    purpose = re.match(r"[\w-]+\s+(to|zu|um)\s", phrase, re.I)
    return not before or before[0] not in articles or purpose is not None


# Articles of the languages _bare_noun reads (others have none, or put adjectives after the noun).
_ARTICLES = {
    "en": frozenset("a an the this that these those its their".split()),
    "de": frozenset("der die das den dem des ein eine einen einem einer eines".split()),
}


def _with_next_word(phrase: str, text: str) -> str:
    """``phrase`` and the word after it in ``text``: a deal noun followed by a meeting word names
    the meeting ("the Economic Prosperity Partnership Dialogue"), not a document."""
    at = text.find(phrase)
    if at < 0:
        return phrase
    nxt = re.match(r"\s*[\w-]+", text[at + len(phrase) :])
    return phrase + (nxt.group() if nxt else "")


def _names_a_meeting(phrase: str) -> bool:
    """The phrase ends in a meeting word: "Economic Prosperity Partnership Dialogue"."""
    text = phrase.rstrip(" .,;:")
    return any(m.end() == len(text) for m in lexicon().meeting_nouns.finditer(text))


def _document_word(phrase: str, language: str = "en") -> bool:
    """The phrase holds a document or deal noun as a word of its own or an inflection of it
    ("memoranda", "accords"), not as the start of another word ("accordingly", "contratación")."""
    for m in lexicon().document_nouns(language).finditer(phrase):
        rest = re.match(r"[\w-]*", phrase[m.end() :])
        if rest is not None and len(rest.group()) <= DOCUMENT_WORD_SLACK:
            return True
    return False


# Agreements code adds per chunk, beside the model's (at most 5): the first the chunk states.
MAX_STATED_AGREEMENTS = 2
# Letters a document noun's stem may be followed by in the word ("memorand|um", "declaration|s").
DOCUMENT_WORD_SLACK = 3


def _former_office(text: str) -> bool:
    """The sentence names a former office holder ("Former President X, who signed …")."""
    folded = text.casefold()
    for m in lexicon().former.finditer(folded):
        after = words(folded[m.end() : m.end() + 30])
        if after and _has_title_word(after[0]):
            return True
    return False


def _title_stems(title: str) -> set[str]:
    return {w[:5] for w in words(fold(title)) if len(w) > 2 and w not in _STOP}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _stated(value: str | None, doc: CleanDocument, share: float = 0.5) -> str | None:
    value = _clean(value)
    if not value:
        return None
    if is_stated(value, doc) or _share_in(value, "", _document_stems(doc.view.text)) >= share:
        return value
    return None


MAX_NOTES = 4
# A note candidate needs this score: two kinds of context, or one and a country or the model's pick.
NOTE_MIN_SCORE = 2


def context_classes(text: str, language: str | None = None) -> list[str]:
    """The kinds of foreign-desk context (lexicon ``context``) a sentence mentions: with a
    language, by the cue words of that language and English only."""
    kinds = lexicon().context if language is None else lexicon().context_in(language)
    return [k for k, rx in kinds.items() if rx.search(text)]


def _notes(
    reply: ChunkExtraction, numbered: Numbered, found: Found, language: str
) -> list[Sentence]:
    """The sentences a foreign desk would flag: the model's picks and code's candidates, ranked.

    A candidate is an owned sentence whose words mention context (lexicon ``context``: objections,
    sovereignty, diplomatic status, sanctions, rivalry, alliances, security, stability). Each is
    scored by the kinds of context it mentions, plus one when it names a country or region (a
    note is about someone) and one when the model picked it; the best ``MAX_NOTES`` are kept, in
    article order. A pick with no context cue at all is dropped (``note_without_context``).
    """
    picked: list[Sentence] = []
    for n in dict.fromkeys(x.sentence for x in reply.notes):
        s = numbered.get(n)
        if s is None:
            found.drops["bad_sentence"] += 1
        elif not context_classes(s.text, language):
            found.drops["note_without_context"] += 1
        elif numbered.owns(s):
            picked.append(s)
    territories = lexicon().territories

    def score(s: Sentence) -> int:
        kinds = len(context_classes(s.text, language))
        return kinds + bool(territories.search(s.text)) + (s in picked) if kinds else 0

    scored = [(score(s), s) for s in numbered.items if numbered.owns(s)]
    ranked = sorted(
        ((k, s) for k, s in scored if k >= NOTE_MIN_SCORE), key=lambda x: (-x[0], x[1].span.start)
    )
    best = [s for _, s in ranked[:MAX_NOTES]]
    return sorted(best, key=lambda s: s.span.start)


def ground_chunk(
    reply: ChunkExtraction,
    numbered: Numbered,
    doc: CleanDocument,
    mentions: list[Mention],
    keep_ungrounded: bool = False,
) -> Found:
    found = Found(keep_ungrounded=keep_ungrounded)
    mentions = persons(mentions)
    for p in reply.participants:
        item = check_participant(p, numbered, doc, mentions, found)
        if item is not None:
            found.participants.append(item)
    found.titled = titled_people(numbered, doc, mentions) + listed_sides(numbered, doc)
    for a in reply.agreements:
        agreement = check_agreement(a, numbered, doc, found)
        if agreement is not None:
            found.agreements.append(agreement)
    found.stated = stated_agreements(numbered, doc, found.agreements)
    for s in _notes(reply, numbered, found, doc.language):
        found.notes.append(GeopoliticalNote(note=s.text, evidence=[evidence(doc, s)]))
    for n in dict.fromkeys(reply.summary):
        s = numbered.get(n)
        if s is None:
            found.drops["bad_sentence"] += 1
        elif numbered.owns(s):
            found.summary.append(s)
    found.topics = [
        t
        for t in (_clean(x) for x in reply.topics)
        if t and len(t) <= 40 and not foreign_script(t, doc.source_text)
    ]
    if reply.event is not None:
        event = Event(
            name=_stated(reply.event.name, doc),
            date=_stated(reply.event.date, doc, share=1.0),
            place=_stated(reply.event.place, doc, share=1.0),
        )
        found.event = event if (event.name or event.date or event.place) else None
    return found
