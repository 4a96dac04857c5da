"""The reduce step: merge what every chunk found into one deduplicated set (no LLM involved).

Participants are the same person when their normalised names agree (or one extends the other,
"Modi" / "Narendra Modi"), or when a title-only mention matches a named one's role and affiliation
(titles vs names). Agreements merge on fuzzy-equal titles, topics and notes on near-duplicates.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz

from service.lexicon import lexicon
from service.schema import Agreement, Event, Evidence, GeopoliticalNote, Participant
from service.text import norm_str

MAX_EVIDENCE = 3
# Matched after punctuation became spaces ("H.E." is "h e"), possibly stacked ("H.E. Dr.").
_HONORIFIC = re.compile(r"^((mr|mrs|ms|dr|sir|dame|h e|his excellency|her excellency)\s+)+")
ALIASES = {
    "us": "united states",
    "u s": "united states",
    "usa": "united states",
    "united states of america": "united states",
    "america": "united states",
    "uk": "united kingdom",
    "u k": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "prc": "china",
    "people s republic of china": "china",
    "eu": "european union",
    "e u": "european union",
}


def key(text: str | None) -> str:
    """Normalised comparison key: folded, punctuation-free, honorifics and aliases resolved."""
    if not text:
        return ""
    k = re.sub(r"[^\w]+", " ", norm_str(text)).strip()
    k = _HONORIFIC.sub("", k)
    k = re.sub(r"^the ", "", k)
    return ALIASES.get(k, k)


def _evidence(items: Iterable[list[Evidence]]) -> list[Evidence]:
    seen: dict[tuple[int, int], Evidence] = {}
    for ev_list in items:
        for ev in ev_list:
            seen.setdefault((ev.start, ev.end), ev)
    return sorted(seen.values(), key=lambda e: e.start)[:MAX_EVIDENCE]


def _same_person(a: Participant, b: Participant) -> bool:
    ka, kb = key(a.name), key(b.name)
    if ka and kb:
        ta, tb = set(ka.split()), set(kb.split())
        return ka == kb or (
            min(len(ta), len(tb)) >= 1 and (ta <= tb or tb <= ta) and len(ta | tb) <= 4
        )
    ra, rb = key(a.role), key(b.role)
    if not ra or not rb or fuzz.token_set_ratio(ra, rb) < 88:
        return False
    fa, fb = key(a.affiliation), key(b.affiliation)
    return not fa or not fb or fa == fb or fa in fb or fb in fa


def merge_participants(items: list[Participant]) -> list[Participant]:
    merged: list[Participant] = []
    for item in items:
        for i, have in enumerate(merged):
            if _same_person(have, item):
                merged[i] = Participant(
                    name=have.name or item.name,
                    role=_longer(have.role, item.role),
                    affiliation=have.affiliation or item.affiliation,
                    evidence=_evidence([have.evidence, item.evidence]),
                    grounded=have.grounded or item.grounded,
                )
                break
        else:
            merged.append(item)
    return merged


def _longer(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return a or b
    return b if len(b) > len(a) and len(b) <= 100 else a


def _title_key(title: str) -> str:
    return re.sub(r"\b(the|a|an|on|of|for|and|de|la|el|los|las|y)\b", " ", key(title)).strip()


def _same_agreement(a: Agreement, b: Agreement) -> bool:
    ta, tb = _title_key(a.title), _title_key(b.title)
    if not ta or not tb or _about_the_other(ta, tb) or _about_the_other(tb, ta):
        return False
    return (
        ta == tb
        or fuzz.token_set_ratio(ta, tb) >= 90
        or (min(len(ta), len(tb)) >= 12 and (ta in tb or tb in ta))
    )


def _about_the_other(ta: str, tb: str) -> bool:
    """``ta`` names a document about the one ``tb`` names: ``ta``'s first document noun is not
    in ``tb`` while ``tb``'s is in ``ta`` ("Joint Statement on Framework for an Agreement on …"
    is not the "Framework for an Agreement on …" it announces)."""
    nouns = lexicon().agreement_nouns
    ma, mb = nouns.search(ta), nouns.search(tb)
    if ma is None or mb is None:
        return False
    return ma.group() not in tb and mb.group() in ta


def merge_agreements(items: list[Agreement], language: str = "en") -> list[Agreement]:
    """Agreements of fuzzy-equal titles merge; then a group that only refers back to a deal
    ("o acordo prevê …", "the agreement will …") joins the one deal named before it that it can
    mean, and takes that deal's title."""
    groups: list[list[Agreement]] = []
    for item in items:
        for group in groups:
            if _same_agreement(group[0], item):
                group.append(item)
                break
        else:
            groups.append([item])
    titled = {id(g): list(g) for g in groups}  # the members each group's title is chosen from
    # in order of first evidence; a tie (two titles read from one sentence) keeps the model's
    # order, so "o acordo prevê" stated in the sentence that names the deal still refers back
    order = sorted(groups, key=_first_start)
    for at, group in enumerate(order):
        head = _referring_noun(group, language)
        if head is None:
            continue
        earlier = [
            g
            for g in order[:at]
            if any(g is kept for kept in groups)
            and any(_has_noun(a.title, head) for a in titled[id(g)])
            and _parties_within(group, g)
        ]
        if len(earlier) == 1:  # one deal it can mean; with two, the reference is ambiguous
            earlier[0].extend(group)
            groups[:] = [g for g in groups if g is not group]
    return [_merge_agreement_group(g, titled[id(g)]) for g in groups]


def _first_start(group: list[Agreement]) -> int:
    return min((e.start for a in group for e in a.evidence), default=1 << 62)


def _has_noun(title: str, noun: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(noun)}", title.casefold()) is not None


def _parties_within(group: list[Agreement], other: list[Agreement]) -> bool:
    """The referring group names no party the deal it would join does not have."""
    mine = {key(p) for a in group for p in a.parties}
    theirs = {key(p) for a in other for p in a.parties}
    return not mine or not theirs or mine <= theirs


def _referring_noun(group: list[Agreement], language: str) -> str | None:
    """The document noun every member of ``group`` refers back with, or None when a member names
    a deal. A reference's title starts with the lowercase noun, holds no proper name beyond its
    parties and countries ("acordo fechado entre Brasil, Irã e Turquia" is one; "acordo de
    Itaipu" names a deal), and its evidence writes the noun after a definite article or
    demonstrative ("O acordo prevê que …")."""
    heads = {_reference_head(a, language) for a in group}
    if len(heads) != 1:
        return None
    return heads.pop()


def _reference_head(a: Agreement, language: str) -> str | None:
    title = " ".join(a.title.split())
    m = lexicon().document_nouns(language).match(title)
    if m is None or not title[:1].islower():
        return None
    rest = lexicon().territories.sub(" ", title[m.end() :])
    for party in a.parties:
        rest = re.sub(rf"(?<!\w){re.escape(party)}(?!\w)", " ", rest, flags=re.I)
    if any(w[0].isupper() for w in re.findall(r"[^\W\d_][\w'’.-]*", rest)):
        return None  # a proper name of its own: "acordo de Itaipu"
    noun = m.group().casefold()
    markers = lexicon().definite_markers(language)
    for e in a.evidence:
        quote = " ".join(html.unescape(e.quote).split()).casefold()
        for at in re.finditer(rf"(?<!\w){re.escape(noun)}", quote):
            before = re.findall(r"[\w'’]+", quote[: at.start()])[-1:]
            if before and before[0] in markers:
                return noun
    return None


def _merge_agreement_group(group: list[Agreement], titled: list[Agreement]) -> Agreement:
    first = group[0]
    status = Counter(a.status for a in group).most_common(1)[0][0]
    return Agreement(
        title=max((a.title for a in titled), key=lambda t: (len(t) <= 100, -abs(len(t) - 40))),
        kind=first.kind or next((a.kind for a in group if a.kind), None),
        parties=merge_names(p for a in group for p in a.parties),
        status=status,
        evidence=_evidence(a.evidence for a in group),
        grounded=any(a.grounded for a in group),
    )


def merge_names(names: Iterable[str]) -> list[str]:
    out: dict[str, str] = {}
    for name in names:
        k = key(name)
        if k and k not in out:
            out[k] = name.strip()
    return list(out.values())


def merge_topics(topics: Iterable[str], limit: int = 12, extra: Iterable[str] = ()) -> list[str]:
    """The chunks' topics (most frequent first, near-duplicates merged) and ``extra`` (the
    article's key terms found by code, most salient first), taking turns up to ``limit``.

    Turns, not the model's list first: a small model's topics are few and broad on a short
    article and many and repetitive on a long one, while the key terms are what the article
    itself writes most; each source gives its best before either gives its tenth. An item is
    left out when one already taken holds it ("critical minerals" holds "minerals") or it holds
    one. A country or region ("Brazil", "Europe") is no topic: it is a party or a place.
    """
    territories = lexicon().territories
    model = _merge_topic_list((t for t in topics if not territories.fullmatch(t.strip())), limit)
    merged: list[str] = []
    keys: list[str] = []

    def add(item: str) -> bool:
        k = key(item).rstrip("s")
        if not k or any(k in have or have in k for have in keys):
            return False
        merged.append(item)
        keys.append(k)
        return True

    sources = [iter(model), iter(extra)]
    while sources and len(merged) < limit:
        for source in list(sources):
            if not any(add(item) for item in source):  # the next one that adds, or exhausted
                sources.remove(source)
            if len(merged) >= limit:
                break
    return merged


def _merge_topic_list(topics: Iterable[str], limit: int) -> list[str]:
    counts: Counter[str] = Counter()
    label: dict[str, str] = {}
    for topic in topics:
        k = key(topic)
        if not k:
            continue
        match = next(
            (
                have
                for have in label
                if fuzz.ratio(have, k) >= 90 or have.rstrip("s") == k.rstrip("s")
            ),
            k,
        )
        label.setdefault(match, topic.strip())
        counts[match] += 1
    order = sorted(label, key=lambda k: -counts[k])
    return [label[k] for k in order[:limit]]


def merge_notes(items: list[GeopoliticalNote], limit: int = 8) -> list[GeopoliticalNote]:
    merged: list[GeopoliticalNote] = []
    for item in items:
        for i, have in enumerate(merged):
            if fuzz.token_set_ratio(key(have.note), key(item.note)) >= 80:
                merged[i] = have.model_copy(
                    update={"evidence": _evidence([have.evidence, item.evidence])}
                )
                break
        else:
            merged.append(item)
    return merged[:limit]


def merge_events(events: Iterable[Event | None]) -> Event | None:
    found = [e for e in events if e is not None and (e.name or e.date or e.place)]
    if not found:
        return None
    names = Counter(key(e.name) for e in found if e.name)
    best = max(found, key=lambda e: (names.get(key(e.name), 0), bool(e.date), bool(e.place)))
    return Event(
        name=best.name,
        date=best.date or next((e.date for e in found if e.date), None),
        place=best.place or next((e.place for e in found if e.place), None),
    )
