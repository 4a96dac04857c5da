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

_NEGATION = re.compile(
    r"(?<!\w)(not|never|no|without|failed to|não|nao|nem|nunca|sem|ni|sin|ne|pas|jamais|"
    r"nicht|kein\w*|nie)(\s+\w+){0,2}\s*$",
    re.I,
)
# A failure cue ("the talks failed") means the thing was discussed and nothing came of it.
_AS_STATUS = {"failed": "discussed"}


def cues(text: str) -> list[str]:
    """Status classes whose cue words occur in ``text`` (negated cues count as "failed")."""
    found: list[str] = []
    for name in STATUS_CLASSES:
        rx = lexicon().status.get(name)
        if rx is None:
            continue
        for m in rx.finditer(text):
            negated = bool(_NEGATION.search(text[max(0, m.start() - 30) : m.start()]))
            cls = "failed" if negated and name not in ("rejected", "failed") else name
            if cls not in found:
                found.append(cls)
    return sorted(found, key=STATUS_CLASSES.index)


def read_status(model_status: str, text: str) -> str:
    """The status the cited sentences support."""
    found = [_AS_STATUS.get(c, c) for c in cues(text)]
    if not found or model_status in found:
        return model_status
    return found[0]
