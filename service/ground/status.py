"""An agreement's status, read from the words of the sentences that state it.

Small models default to "signed" for anything that looks like a deal. The sentences the model
cited for an agreement are searched for the cue words of each status (``service/lexicon``, all
languages); the model's status stands when its cue is there, otherwise the strongest cue found
wins; with no cue at all the model's status is kept. A cue right after a negation ("did not sign",
"não assinaram") does not count, and counts as failed talks instead.
"""

from __future__ import annotations

import re

from service.lexicon import STATUS_CLASSES, lexicon
from service.text import fold

_NEGATION = re.compile(
    r"(?<!\w)(not|never|no|without|failed to|não|nao|nem|nunca|sem|ni|sin|ne|pas|jamais|"
    r"nicht|kein\w*|nie)(\s+\w+){0,2}\s*$",
    re.I,
)
# A failure cue ("the talks failed") means the thing was discussed and nothing came of it.
_AS_STATUS = {"failed": "discussed"}


def cues(text: str, title: str | None = None) -> list[str]:
    """Status classes whose cue words occur in ``text`` (negated cues count as "failed")."""
    return sorted({c for _, c in placed_cues(text, title)}, key=STATUS_CLASSES.index)


def placed_cues(text: str, title: str | None = None) -> list[tuple[int, str]]:
    """``(position, status)`` of every cue in ``text``, negated cues as "failed". A proposal
    cue whose subject is a document (the word before it is a document noun, or it follows the
    agreement's ``title``) states the document's purpose and is left out."""
    ends = _title_ends(text, title) if title else []
    found: list[tuple[int, str]] = []
    for name in STATUS_CLASSES:
        rx = lexicon().status.get(name)
        if rx is None:
            continue
        for m in rx.finditer(text):
            if name == "proposed" and (
                _document_subject(text[: m.start()])
                or any(
                    e <= m.start() and _PARENTHETICAL.fullmatch(text[e : m.start()]) for e in ends
                )
            ):
                continue  # "This Framework … (Agreement) seeks to drive growth": its purpose
            negated = bool(_NEGATION.search(text[max(0, m.start() - 30) : m.start()]))
            if negated and name not in _FINAL:
                name_here = "failed"
            elif name in _DONE and _future(text[: m.start()]):
                name_here = "announced"  # "will agree to an arrangement": promised, not done
            else:
                name_here = name
            found.append((m.start(), name_here))
    return found


_PARENTHETICAL = re.compile(r"\s*(\([^()]*\)\s*)?")


def _title_ends(text: str, title: str) -> list[int]:
    """Where ``title`` ends in ``text`` (case and spacing ignored)."""
    pattern = r"\s+".join(re.escape(w) for w in title.split())
    if not pattern:
        return []
    return [m.end() for m in re.finditer(pattern, text, re.I)]


_LAST_WORD = re.compile(r"([^\W\d_][\w-]*)[\s)\]’'”\"]*$")


def _document_subject(before: str) -> bool:
    """The word right before a cue is a document noun: the document is the verb's subject, and
    what it "seeks" or "intends" is its purpose, not a proposal ("the agreement seeks to …",
    "o acordo busca …")."""
    m = _LAST_WORD.search(before[-80:])
    noun = lexicon().agreement_nouns.match(m.group(1)) if m is not None else None
    return noun is not None and m is not None and len(m.group(1)) - noun.end() <= 3


_FINAL = ("rejected", "failed")
# Cues that name the talks themselves ("negotiations", "discussions"): a final cue after the
# agreement's title (rejected, failed) says how they ended.
_PROCESS = ("under_negotiation", "discussed")
# Outcomes that a future auxiliary before the cue turns into an announcement.
_DONE = ("signed", "agreed_in_principle")


def _future(before: str) -> bool:
    """One of the two words right before a cue is an auxiliary of the future (lexicon
    ``future_markers``: "will", "shall", "vai", "va a")."""
    tail = re.findall(r"[^\W\d_]+", before[-30:].casefold())[-2:]
    return any(w in lexicon().future_markers for w in tail)


def read_status(model_status: str, text: str, title: str | None = None) -> str:
    """The status the cited sentences support.

    With the agreement's title located in the sentences, the clause that names it decides (a
    sentence can report a deal signed and another one still under negotiation): the nearest cue
    before the title, else the nearest after. Without the title or a cue in its clause, the
    model's status stands when any cue of the sentences supports it, else the strongest cue.
    """
    at = _locate(title, text) if title else -1
    if at >= 0:
        lo, hi = _clause(text, at)
        placed = [(lo + pos, c) for pos, c in placed_cues(text[lo:hi], title)]
        # The verb that governs the title usually comes before it ("agreed to propose a joint
        # patrol", "signed a memorandum"): the nearest cue before it, else the nearest after.
        if lexicon().agreement_nouns.match(text, at):
            # the title opens with a noun that is a cue too: "[aprovou a] proposta para …" is
            # what the proposal is, not what happened to it
            placed = [(pos, c) for pos, c in placed if pos != at]
        noun = lexicon().agreement_nouns.search(text, at, at + len(title or ""))
        if noun is not None:
            # likewise its document noun further in ("Litewska propozycja [została odrzucona]")
            placed = [(pos, c) for pos, c in placed if pos != noun.start()]
        # A cue after another named document belongs to that one ("X would build on the
        # Reciprocal Access Agreement the two countries signed in 2024": signed is the other's).
        other = _other_document(text, at + len(title or ""), hi)
        before = sorted(((at - pos, c) for pos, c in placed if pos <= at), key=lambda x: x[0])
        after = sorted(((pos - at, c) for pos, c in placed if at < pos < other), key=lambda x: x[0])
        if before and before[0][1] in _PROCESS and any(c in _FINAL for _, c in after):
            # "the negotiations on renewing the agreement failed": the talks are the subject,
            # the verb after the title says how they ended
            return _AS_STATUS.get(c := next(c for _, c in after if c in _FINAL), c)
        if before or after:
            c = (before or after)[0][1]
            return _AS_STATUS.get(c, c)
        if other < hi:
            text = text[:other] + " " + text[hi:]  # the other document's cues are not this one's
    found = [_AS_STATUS.get(c, c) for c in cues(text, title)]
    if not found or model_status in found:
        return model_status
    return found[0]


def _locate(title: str, text: str) -> int:
    return fold(text).find(fold(title))


_CAPITALISED = re.compile(r"[^\W\d_][\w'’-]*")


def _other_document(text: str, start: int, end: int) -> int:
    """Where the first document noun of ``text[start:end]`` that belongs to another named
    document begins (a capitalised noun next to another capitalised word: "the Reciprocal Access
    Agreement", "o Acordo de Itaipu"), else ``end``. A noun written in lowercase ("as the pact is
    formally known") refers back to the one already named."""
    for m in lexicon().agreement_nouns.finditer(text, start, end):
        if not text[m.start()].isupper() or not text[start : m.start()].strip():
            continue  # lowercase, or the title's own noun right after it ("Pax Silica Declaration")
        left = _CAPITALISED.findall(text[max(start, m.start() - 40) : m.start()])
        right = re.match(r"\s+(?:\w+\s+)?([^\W\d_])", text[_word_end(text, m.end()) : end])
        if (left and left[-1][0].isupper() and text[: m.start()].rstrip().endswith(left[-1])) or (
            right and right.group(1).isupper()
        ):
            return m.start()
    return end


def _word_end(text: str, at: int) -> int:
    while at < len(text) and (text[at].isalnum() or text[at] in "-'’"):
        at += 1
    return at


def _clause(text: str, at: int) -> tuple[int, int]:
    """The clause around ``at``: bounded by ``;``, sentence ends and line breaks."""
    lo = max(text.rfind(c, 0, at) for c in (";", ". ", "\n\n", ":"))
    his = [i for i in (text.find(c, at) for c in (";", ". ", "\n\n")) if i >= 0]
    return lo + 1, min(his) if his else len(text)
