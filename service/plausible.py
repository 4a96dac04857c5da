"""Sanity checks on what a small model calls a person, an agreement or a note.

These rules are about the *kind* of thing extracted, not about any particular article: a personal
name contains no job title; a participant without a name is described by a title or a body that
can take part (a minister, a delegation, a government); an agreement's title is written in the
article and names a document or deal rather than the meeting itself.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from service.clean import CleanDocument
from service.ground import norm_str, normalised_visible

# Stems of titles and bodies that take part in talks, in the languages newsrooms send most.
_ROLE = re.compile(
    r"\b(minist|secretar|secretár|president|presid|prime|premier|chancel|cancill|canciller|ambassad|"
    r"embaj|embaix|botschaft|envoy|enviad|represent|repräs|delegat|delegac|delegaç|délégu|"
    r"government|gobiern|gouvern|govern|regierung|official|funcionari|leader|líder|head|jef|chef|"
    r"chair|director|directeur|diretor|leiter|commission|comisionad|governor|gobernador|mayor|alcald|"
    r"spokes|portavoz|porte-parole|porta-voz|sprecher|negotiat|negociad|adviser|advisor|asesor|"
    r"conseill|king|queen|rey|reina|roi|reine|prince|emir|sultan|sheikh|general|admiral|senator|"
    r"senador|deputy|diputad|undersecretary|administrator|ceo|chief|counsel|attorney|lawmaker|"
    r"member|parliament|congress|team|authorit|ministry|ministerio|department|council|consejo|"
    r"cabinet|state|estado|état|staat|monarch|sovereign|signator|firmante|party|parties|partes|"
    r"côté|side|sides|nation|country|países|republic|república|kingdom|reino|union|unión)",
    re.I,
)
_AGREEMENT = re.compile(
    r"\b(declaration|statement|agreement|memorand|mou|framework|treaty|deal|accord|pact|plan|"
    r"initiative|partnership|arrangement|protocol|charter|convention|communiqu|roadmap|road map|"
    r"compact|understanding|commitment|program|strategy|action|ceasefire|truce|"
    r"declaraci|acuerdo|tratado|memorando|marco|compromiso|comunicado|alianza|convenio|"
    r"déclaration|accord|traité|feuille de route|erklärung|abkommen|vertrag|acordo|tratado)",
    re.I,
)
_MEETING = re.compile(
    r"\b(dialogue|meeting|talks|summit|forum|conference|visit|session|round)\s*$", re.I
)
TITLE_MATCH = 85.0


# Whole words that make a "name" a title ("U.S. Under Secretary ...") — whole words, because title
# stems are also the start of real names (Mayorkas, Jeffries, Kingsley, Reyes).
_TITLE_WORDS = frozenset(
    [
        "minister",
        "ministers",
        "ministry",
        "secretary",
        "undersecretary",
        "president",
        "vice",
        "prime",
        "premier",
        "chancellor",
        "ambassador",
        "envoy",
        "representative",
        "representatives",
        "delegate",
        "delegates",
        "delegation",
        "government",
        "official",
        "officials",
        "leader",
        "leaders",
        "head",
        "chief",
        "chair",
        "chairman",
        "chairwoman",
        "chairperson",
        "director",
        "commissioner",
        "governor",
        "mayor",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "negotiator",
        "adviser",
        "advisor",
        "king",
        "queen",
        "prince",
        "princess",
        "emir",
        "sultan",
        "sheikh",
        "general",
        "admiral",
        "senator",
        "deputy",
        "administrator",
        "council",
        "commission",
        "department",
        "team",
        "authorities",
        "state",
        "states",
        "republic",
        "kingdom",
        "ministro",
        "ministra",
        "secretario",
        "secretaria",
        "presidente",
        "presidenta",
        "canciller",
        "embajador",
        "embajadora",
        "representante",
        "delegado",
        "delegada",
        "delegación",
        "gobierno",
        "jefe",
        "jefa",
        "jefes",
        "rey",
        "reina",
        "ministre",
        "secrétaire",
        "président",
        "présidente",
        "chancelier",
        "ambassadeur",
        "délégation",
        "gouvernement",
        "chef",
        "roi",
        "reine",
        "minister",
        "präsident",
        "kanzler",
        "botschafter",
        "regierung",
        "ministério",
        "governo",
        "embaixador",
    ]
)


def _has_title_word(text: str) -> bool:
    return any(w in _TITLE_WORDS for w in re.findall(r"\w+", text.casefold()))


def split_name(
    name: str | None, role: str | None, affiliation: str | None
) -> tuple[str | None, str | None]:
    """Return (personal name or None, role): a "name" that is really a title or a country moves out."""
    if not name:
        return None, role
    k = norm_str(name)
    if _has_title_word(name) or k == norm_str(affiliation or "") or k == norm_str(role or ""):
        return None, role if role and len(role) >= len(name) else name
    return name, role


_GENERIC = {
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
}


def plausible_participant(name: str | None, role: str | None, affiliation: str | None) -> bool:
    """A named person, or a title/body that can take part (not a headline, a topic or a crowd)."""
    if name:
        return True
    if not role or len(role) > 100 or not _ROLE.search(f"{role} {affiliation or ''}"):
        return False
    words = set(re.findall(r"[\w-]+", role.casefold()))
    return bool(affiliation) or not words <= _GENERIC


def _script(ch: str) -> str:
    """The Unicode script family of a letter, from its name ("LATIN", "CYRILLIC", "CJK", ...)."""
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


@lru_cache(maxsize=8)
def _scripts(source: str) -> frozenset[str]:
    return frozenset(_script(ch) for ch in set(source) if ch.isalpha())


def foreign_script(text: str, source: str) -> bool:
    """Whether ``text`` uses letters of a script the source never uses (a small model's drift)."""
    known = _scripts(source)
    return any(ch.isalpha() and _script(ch) not in known for ch in text)


def _body(doc: CleanDocument) -> str:
    return normalised_visible(doc, doc.body)


def title_is_stated(title: str, doc: CleanDocument) -> bool:
    """The agreement's title is (nearly) a phrase of the article and names a document or deal."""
    t = norm_str(title)
    if len(t) < 4 or _MEETING.search(t) or not _AGREEMENT.search(t):
        return False
    for text in (_body(doc), norm_str(doc.title or "")):
        if text and (t in text or fuzz.partial_ratio(t, text) >= TITLE_MATCH):
            return True
    return False


def tidy_note(note: str) -> str:
    """Cut a note that hit its length limit back to its last complete sentence."""
    note = " ".join(note.split())
    if note.endswith((".", "!", "?", "”", '"')):
        return note
    cut = max(note.rfind(". "), note.rfind("! "), note.rfind("? "))
    return note[: cut + 1] if cut > 40 else note


_PEOPLE = re.compile(
    r"\b(minist|secretar|president|presid|prime|premier|chancel|cancill|ambassad|embaj|envoy|enviad|"
    r"represent|delegat|delegac|délégu|government|gobiern|gouvern|governo|regierung|official|"
    r"funcionari|leader|líder|head|jef|chef|chair|director|commissioner|governor|mayor|spokes|"
    r"portavoz|porte-parole|negotiat|negociad|adviser|advisor|king|queen|rey|reina|prince|emir|"
    r"sultan|sheikh|senator|deputy|undersecretary|chief|signed|signator|firm|witness|met with|hosted)",
    re.I,
)
_FOCUS = {"people": _PEOPLE, "agreements": _AGREEMENT}
_ABBREV = re.compile(r"(\b[A-Z]\.|\b(Mr|Mrs|Ms|Dr|St|No|Gen|Sen|Rep|Gov|Sr|Jr|Sra|Art)\.)$")
_BREAK = re.compile(r"[.!?][\"”’)]?\s+|\n\s*\n\s*")


def sentences(text: str) -> list[str]:
    """Split into sentences (abbreviations like "U.S." kept whole; line-wrapped prose joined)."""
    out, pos = [], 0
    for m in _BREAK.finditer(text):
        if m.group()[0] == "." and _ABBREV.search(text[max(0, m.start() - 4) : m.start() + 1]):
            continue
        out.append(text[pos : m.end()].strip())
        pos = m.end()
    out.append(text[pos:].strip())
    return [s for s in out if s]


def focus_text(text: str, focus: str) -> str:
    """Only the sentences of ``text`` that can state the pass's kind of item, in order.

    A 1.5B model reading 1,500 tokens misses participants named once in a long paragraph; the same
    model reading the sentences that mention a title, a delegation or a document finds them. A
    sentence just before a match is kept too (signature blocks put names above titles). Quotes are
    still located in the whole chunk, so offsets are unaffected.
    """
    if focus not in _FOCUS:
        return text
    units = sentences(text)
    hits = [bool(_FOCUS[focus].search(u)) for u in units]
    keep = [
        u
        for i, u in enumerate(units)
        if hits[i] or (i + 1 < len(units) and hits[i + 1] and len(u) < 120)
    ]
    return "\n".join(keep)
