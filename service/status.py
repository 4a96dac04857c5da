"""Check an agreement's status against the words of its own sentence.

Small models default to "signed" for anything that looks like a deal (PEERS.md: frameworks still
under negotiation reported as signed). A strong status the sentence gives no cue for is replaced by
the status the sentence's own words support; a status with a cue is left alone.
"""

from __future__ import annotations

import re

from service.schema import Evidence

_CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(rx, re.I)
    for name, rx in {
        "signed": r"\bsign(ed|ing|s|atur\w*)?\b|\bfirm(ó|aron|ada|ado|an|aron)\b|\bsuscri",
        "endorsed": r"\bendors\w*|\badopt\w*|\bapprov\w*|\bwelcom\w*|\brespald\w*|\baprob\w*|\bratif\w*",
        "under_negotiation": r"\bnegotiat\w*|\bfinali[sz]\w*|\bto conclude\b|\bcontinue to work\b|\bnegoci\w*"
        r"|\bwork(ing)? (toward|towards)\b|\bin the coming weeks\b",
        "agreed_in_principle": r"\bagreed? (on|to|upon)\b|\bframework\b|\bin principle\b|\bacord\w*",
        "announced": r"\bannounc\w*|\bunveil\w*|\blaunch\w*|\breleas\w*|\banunci\w*",
        "proposed": r"\bpropos\w*|\bplan(s|ned)? to\b|\bintend\w*|\bpropon\w*",
        "rejected": r"\breject\w*|\brefus\w*|\bdeclin\w*|\brechaz\w*",
        "discussed": r"\bdiscuss\w*|\btalks?\b|\bexplor\w*|\baddress\w*|\bdiscut\w*|\bdialog\w*",
    }.items()
}
_STRONG = {"signed", "endorsed", "agreed_in_principle", "rejected"}
_SENTENCE_EDGE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def sentence_around(source: str, ev: Evidence, reach: int = 400) -> str:
    """The sentence(s) containing the evidence span, within ``reach`` characters either side."""
    lo, hi = max(0, ev.start - reach), min(len(source), ev.end + reach)
    starts = [m.end() for m in _SENTENCE_EDGE.finditer(source, lo, ev.start)]
    ends = [m.start() for m in _SENTENCE_EDGE.finditer(source, ev.end, hi)]
    return source[starts[-1] if starts else lo : ends[0] if ends else hi]


def checked_status(status: str, source: str, evidence: list[Evidence]) -> str:
    """``status`` if its sentence supports it (or it is a weak status), else the supported one."""
    if status not in _STRONG or not evidence:
        return status
    context = " ".join(sentence_around(source, ev) for ev in evidence)
    if _CUES[status].search(context):
        return status
    for candidate, cue in _CUES.items():
        if cue.search(context):
            return candidate
    return status
