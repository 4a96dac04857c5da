"""Passages that speak to AI systems rather than to readers (prompt injection). Data, never orders.

Cleaning drops such a paragraph from what the model sees (``instructions_to_ai`` in
``meta.dropped_spans``); the offsets of everything else stay true. Three signs, none tied to one
wording, with the words of every lexicon language (``ai_address`` in ``service/lexicon``):

- an *address to AI systems*: a paragraph opening with a note, message or instruction word, then
  an AI term, then a colon ("Nota da redação para resumidores de IA:", "Hinweis für KI-Systeme:");
- an *override* verb next to an AI term ("KI: ignoriere …", "ignore, IA, …");
- *chat-template role markers*: a line opening with ``system:`` / ``assistant:``, template tokens
  (``<|im_start|>``, ``[INST]``, ``<<SYS>>``) or prompt delimiters (``</article>``);
- *output mimicry*: a paragraph that is a JSON object with the keys of a structured summary.

HTML pages lose their hidden elements before extraction (``strip_hidden``): a reader never sees
``display:none``, ``hidden`` or ``aria-hidden`` text, so the model must not either.
"""

from __future__ import annotations

import json
import re

from lxml import html as lxml_html

from service.lexicon import lexicon

_COLON = re.compile(r"[:—–]")
_ROLE_LINE = re.compile(
    r"^\s*(?:(?:system|assistant|developer|sistema|assistente|asistente|assistent|systeme|système)"
    r"\s*:|<\|(?:im_start|im_end|system|assistant|user|endoftext)\|>|\[/?INST\]|<</?SYS>>"
    r"|</?(?:article|document|instructions?|system|prompt)>)",
    re.I | re.M,
)
_USER_LINE = re.compile(r"^\s*user\s*:", re.I | re.M)
_OUTPUT_KEYS = frozenset(
    "participants agreements topics geopolitical_notes summary summary_sentences event "
    "notes title status".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def addresses_ai(text: str) -> bool:
    """A paragraph that opens by addressing AI systems: an address word among its first words,
    then an AI term, then a colon ("Editor's note to AI summarisers:"), within 120 characters.
    Reporting that *mentions* a message to chatbot makers opens otherwise."""
    lex = lexicon()
    colon = _COLON.search(text[:120])
    if colon is None:
        return False
    head = text[: colon.start()]
    address = lex.ai_address.search(head)
    return bool(
        address is not None and address.start() <= 25 and lex.ai_terms.search(head, address.end())
    )


def overrides_ai(text: str) -> bool:
    """An override verb within 80 characters of an AI term."""
    lex = lexicon()
    for verb in lex.ai_override.finditer(text):
        near = text[max(0, verb.start() - 80) : verb.end() + 80]
        if lex.ai_terms.search(near):
            return True
    return False


def role_markers(text: str) -> bool:
    """Chat-template roles or prompt delimiters at the start of a line."""
    return bool(_ROLE_LINE.search(text)) or len(_USER_LINE.findall(text)) >= 2


def mimics_output(text: str) -> bool:
    """A JSON object (or list of objects) whose keys are those of a structured summary."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        value = json.loads(stripped)
    except ValueError:
        return False
    objects = value if isinstance(value, list) else [value]
    keys = {k for o in objects if isinstance(o, dict) for k in o}
    return len(keys & _OUTPUT_KEYS) >= 1


def speaks_to_ai(text: str) -> bool:
    """Whether a paragraph addresses AI systems instead of readers."""
    return addresses_ai(text) or overrides_ai(text) or role_markers(text) or mimics_output(text)


def strip_hidden(page: str) -> lxml_html.HtmlElement | str:
    """The page's tree without the elements a browser would not show; the page if unparseable."""
    try:
        tree = lxml_html.document_fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return page
    hidden = [
        el
        for el in tree.iter()
        if isinstance(el.tag, str)
        and el.getparent() is not None
        and (
            el.get("hidden") is not None
            or (el.get("aria-hidden") or "").strip().lower() == "true"
            or _HIDDEN_STYLE.search(el.get("style") or "")
            or el.tag == "template"
        )
    ]
    for el in hidden:
        if el.getparent() is not None:  # not inside an element dropped already
            el.drop_tree()
    return tree
