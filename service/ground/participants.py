"""Participant checks: names, titles, sides, people found by code beside a title, stand-ins."""

from __future__ import annotations

import re
from functools import lru_cache

from service.candidates import Mention, titles
from service.clean import CleanDocument
from service.extract import XParticipant
from service.ground.base import (
    FUNCTION_WORDS,
    PHRASE_STOP,
    PREPOSITIONS,
    Found,
    Numbered,
    clean_field,
    evidence,
    share_in,
)
from service.ground.locate import is_stated
from service.lexicon import country_of, lexicon, stop_words
from service.merge import ALIASES, key
from service.schema import Participant
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


# A short line without a full stop beside the line with the name: a signature block's title line.
SIGNATURE_WORDS = 12


def _usable_side(side: str, doc: CleanDocument) -> bool:
    """A side as the article states it: written there, no title, document or headline, and no
    phrase cut off mid-way ("Fuerzas de seguridad regionales con" ends in a function word)."""
    last = words(side.casefold())[-1:]
    lex = lexicon()
    # a title given as the side ("Philippine Defence Secretary") is a role, unless a body or
    # organisation word makes it one ("Office of the Trade Representative")
    a_title = lex.head_title(side) and not (
        lex.bodies.search(side) or lex.organisation_words.search(side)
    )
    return (
        not a_title
        and is_stated(side, doc)
        and not lex.agreement_nouns.search(side)
        and len(side.split()) <= 6
        and not (last and last[0] in FUNCTION_WORDS | PREPOSITIONS | stop_words(doc.language))
    )


# A dateline: a line that opens with a place in capitals, maybe a date, then the news agency
# in parentheses and a dash ("MANILA, Dec 8 (Reuters) -", "ROMA (ANSA) -", "BERLIN (dpa) –").
_DATELINE = re.compile(
    r"^[^\W\d_a-z][^\W\d_a-z\s'’.-]*(?:[\s'’.-]+[^\W\d_a-z][^\W\d_a-z\s'’.-]*){0,3}"
    r"(?:\s*,[^()\n]{1,30})?\s*\(([^()\n]{2,40})\)\s*[-–—]",
    re.M,
)


@lru_cache(maxsize=8)
def dateline_credits(text: str) -> frozenset[str]:
    """The news agencies the article's datelines credit (keys, as ``merge.key`` folds names):
    the source of the story, never a participant in it."""
    out: set[str] = set()
    for m in _DATELINE.finditer(text):
        for part in re.split(r"[/,;]| and ", m.group(1)):
            if part.strip():
                out.add(key(part))
    return frozenset(out)


def has_title_word(text: str) -> bool:
    return any(w in lexicon().title_words for w in words(text.casefold()))


def split_name(name: str | None, role: str | None) -> tuple[str | None, str | None]:
    """A "name" made of title words ("Foreign Minister") is a role, not a name."""
    if name and all(has_title_word(w) or w.casefold() in PHRASE_STOP for w in words(name)):
        return None, role or name
    return name, role


def _side_in(side: str, text: str) -> bool:
    """The country or body is named in ``text`` (aliases such as "U.S." resolved)."""
    k = key(side)
    hay = " " + key(text) + " "
    aliases = {a for a, full in ALIASES.items() if full == k} | {k}
    return any(f" {a} " in hay for a in aliases) or share_in(side, text) >= 0.5


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
            and not any(w in PHRASE_STOP for w in gap_words)
            and not any(has_title_word(w) for w in gap_words)
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
        s = _naming_sentence(numbered, clean_field(p.name))
        if s is None:
            found.drops["bad_sentence"] += 1
            return None
    if not numbered.owns(s):
        return None
    name, role = split_name(clean_field(p.name), clean_field(p.role))
    affiliation = clean_field(p.affiliation)
    credits = dateline_credits(doc.view.text)
    if key(name or "") in credits or (not name and key(affiliation or "") in credits):
        found.drops["news_agency_credit"] += 1  # "ROMA (ANSA) -": who reports, not who took part
        return None
    if affiliation and not _usable_side(affiliation, doc):
        affiliation = None  # not stated, or a document or headline rather than a side
    if (
        name
        and role
        and _generic(role)
        and (_is_person(name, mentions) or _looks_like_name(name, s))
        and (titled := _title_beside(name, s, apposition=True))
    ):
        # A person the model filed as a "delegation" or "official", whom the sentence gives a
        # title ("… conduite par le secrétaire général du ministère, Karim Benali"): the person,
        # with that title. A name with no title stays a side's stand-in or is dropped below (a
        # hostage the model filed as "official" is no participant).
        role = titled
    elif name and role and _generic(role) and not affiliation:
        affiliation, name = name, None  # "Itaipu", role "delegation": a side, not a person
    elif name and role and _generic(role):
        if has_title_word(name) and not _is_person(name, mentions):
            role = name  # "U.S. Under Secretary for Economic Affairs" given as a name
        name = None
        found.drops["name_not_a_person"] += 1
    if name and not _is_person(name, mentions) and not _looks_like_name(name, s):
        found.drops["name_not_a_person"] += 1  # a title, a group, a country given as a name
        if has_title_word(name) and (not role or _generic(role) or len(name) > len(role)):
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
    elif name and role and share_in(role, " ".join(x.text for x in sentences)) < 1.0:
        # The title as written beside the name wins over one the model half-remembers.
        near = _title_near(name, sentences)
        if near or share_in(role, " ".join(x.text for x in sentences)) < 0.5:
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
    if name and not affiliation:
        affiliation = _side_of_adjective(name, role, s, doc)
    if not name and not _is_role(role, affiliation):
        found.drops["not_a_participant"] += 1
        return None
    grounded = True
    said = " ".join(x.text for x in sentences)
    body_of = bool(role and lexicon().bodies.match(role.casefold())) and bool(affiliation)
    if (
        not name
        and role
        and share_in(role, said) < 0.5
        and not (body_of and share_in(affiliation or "", said) >= 0.5)
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
    if not name and role and _generic(role) and affiliation:
        # A side stands in only where the article says it took part: the cited sentence, else
        # the chunk's first sentence that writes the side with a participation word ("o Uruguai
        # manifestou interesse" is no taking part; "as negociações com as FARC" is).
        taking = [s, *(x for x in numbered.items if x is not s and numbered.owns(x))]
        took = next(
            (
                x
                for x in taking
                if _side_in(affiliation, x.text) and lexicon().participation.search(x.text)
            ),
            None,
        )
        if took is None:
            found.drops["side_not_taking_part"] += 1
            return None
        sentences = [took]
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
    if not numbered.items:
        return out
    lo, hi = numbered.items[0].span.start, numbered.items[-1].span.end
    local = [m for m in mentions if lo <= m.span.start < hi]  # the document's, in this chunk
    for s in numbered.items:
        if not numbered.owns(s) or not lex.participation.search(s.text):
            continue
        names = dict.fromkeys([m.text for m in local if _within(m, s)] + _after_titles(s.text))
        for name in names:
            if _former(s, name) or lex.territories.fullmatch(name):
                continue
            role = _title_beside(name, s)
            if role is None:
                continue
            out.append(
                Participant(
                    name=name,
                    role=clean_field(role),
                    affiliation=_side_beside(name, role, s)
                    or _side_of_adjective(name, role, s, doc),
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
            i >= 2 and toks[i - 2].group() in PREPOSITIONS and sum(x[0].isupper() for x in run) > 2
        )
        if gap.strip(" '’s") == "" and has_title_word(prev) and not object_of:
            name = run  # "Minister Tomas Berg", "State Ana Lind"
        elif any(has_title_word(t.group()) for t in toks[max(0, i - 5) : i]):
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
    if named:
        return named.group()
    return _side_before(s.text[max(0, at - 80) : at])


_OF_SIDE = re.compile(r"\s*,?\s*(?:of|from|de|do|da|del|du|von|z)\s+(?:the\s+)?", re.I)
# "… the President of Venezuela, Hugo Chávez", "o presidente da Venezuela, Hugo Chávez": a title,
# its country, a comma, then the name; "Venezuela's President Hugo Chávez": the country owns it.
_TITLE_OF_SIDE = re.compile(
    r"(?P<title>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*){0,3})\s+"
    r"(?:of|from|de|do|da|del|du|von|z)\s+(?:the\s+|la\s+|el\s+)?"
    r"(?P<side>[^,;:()]{2,40}?)\s*,\s*$",
    re.I,
)
_SIDE_OWNS = re.compile(
    r"(?P<side>[^,;:()'’]{2,60}?)['’]s\s+"
    r"(?P<title>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*){0,3})\s+$"
)


def _side_of_adjective(name: str, role: str | None, s: Sentence, doc: CleanDocument) -> str | None:
    """The country a nationality adjective names in the person's role or in the title written
    beside the name, as the article writes that country ("Philippine Defence Secretary Ramon
    Castillo" → "Philippines", "ministre mauritanien des Pêches" → "Mauritanie"); ``None`` when
    there is no such adjective or the article does not name its country."""
    function = FUNCTION_WORDS | stop_words(doc.language)
    for title in (role, _title_beside(name, s)):
        for w in words(title or ""):
            if w.casefold() in function or has_title_word(w):
                continue
            for country in country_of(w):
                if _usable_side(country, doc):
                    return country
    return None


def _side_before(before: str) -> str | None:
    """The country of a title written right before a name: "the President of Venezuela, " or
    "Venezuela's President " (``before`` ends where the name starts); ``None`` when the words
    are not a title of a country."""
    lex = lexicon()
    for rx in (_TITLE_OF_SIDE, _SIDE_OWNS):
        m = rx.search(before)
        if m is None:
            continue
        # the search starts as far left as it can: the side is the longest run of the last
        # words that names a country ("… met in Caracas with Venezuela" → "Venezuela")
        words = m.group("side").split()
        side = next(
            (
                " ".join(words[k:])
                for k in range(len(words))
                if lex.territories.fullmatch(" ".join(words[k:]))
            ),
            None,
        )
        if side and any(has_title_word(w) for w in m.group("title").split()):
            return side
    return None


def _title_beside(name: str, s: Sentence, apposition: bool = False) -> str | None:
    """A title written directly before ``name`` ("Minister Ana Lind") or right after it as an
    apposition ("Ana Lind, the foreign minister of …"); with ``apposition``, also a title the
    name follows after a comma ("the foreign minister, Ana Lind"); ``None`` when there is none."""
    text = fold(s.text)
    at = text.find(fold(name))
    if at < 0:
        return None
    after = at + len(fold(name))
    for t in titles(s.text):
        ft = fold(t)
        if ft.endswith(fold(name)):  # the title phrase ran over the name
            t, ft = t[: len(t) - len(name)].strip(" ,"), ft[: len(ft) - len(fold(name))].strip(" ,")
        if not ft or not has_title_word(ft):
            continue
        where = text.find(ft)
        if where < 0:
            continue
        gap_before = text[where + len(ft) : at]
        gap_after = text[after:where]
        if where < at and len(gap_before) <= 3 and not gap_before.strip(" 's’" + "," * apposition):
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


def persons(mentions: list[Mention], doc: CleanDocument | None = None) -> list[Mention]:
    """The mentions that may be people: places (see ``_place``) left out, in one pass; with
    ``doc``, computed once per document's mention list (every chunk asks)."""
    if doc is not None:
        key = ("persons", id(mentions), len(mentions))
        cached = doc.cache.get(key)
        if cached is None or cached[0] is not mentions:
            cached = doc.cache[key] = (mentions, persons(mentions))
        kept: list[Mention] = cached[1]
        return kept
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
        if before and has_title_word(before[-1]):
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
        and all(w[0].isupper() or w.casefold() in PHRASE_STOP for w in parts)
        and not any(
            lex.titles.match(w) or lex.bodies.match(w) or lex.organisation_words.match(w)
            for w in parts
        )
        and not lex.agreement_nouns.search(name)
    )


def _within(m: Mention, s: Sentence) -> bool:
    return s.span.start <= m.span.start < s.span.end
