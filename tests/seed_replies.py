"""A scripted model behind respx: canned extraction replies quoting the seed article.

``ScriptedModel`` answers ``/chat/completions`` the way a model reading the prompt would: for an
extraction request it returns the canned items whose quote is in the article text it was shown
(so overlapping chunks both report an item, as a real model does; a focused pass is shown only
some sentences, so it reports only what those sentences state), restricted to the fields the
request's JSON schema asks for (so it serves one-pass and multi-pass prompts alike). For the summary
request it returns ``summary``. It records what it was asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from openai_fakes import chat_reply, request_body

Item = dict[str, Any]

# Items a model could extract from ../shared/evals/gold/us-taiwan-epp-dialogue-2026.txt, plus the
# mistakes grounding must catch. ``always`` items are returned whatever the chunk says.
SEED_ITEMS: dict[str, list[Item]] = {
    "participants": [
        {
            "quote": "Leading the American delegation was the U.S. Under Secretary for Economic Affairs",
            "name": None,
            "role": "Under Secretary for Economic Affairs",
            "affiliation": "United States",
        },
        # The article gives only a title: the name is invented (a real office holder).
        {
            "quote": "Taiwan was represented by the Minister responsible for economic affairs",
            "name": "Kung Ming-hsin",
            "role": "Minister responsible for economic affairs",
            "affiliation": "Taiwan",
        },
        # Same person as the first, reported from another part of the article (a sentence the
        # participants pass is shown: it mentions representatives).
        {
            "quote": "Senior representatives from Taiwan and the United States recently convened",
            "name": None,
            "role": "U.S. Under Secretary for Economic Affairs",
            "affiliation": "U.S.",
        },
        # A name with nothing behind it.
        {"quote": "", "name": "Jacob Helberg", "role": None, "affiliation": None, "always": True},
    ],
    "agreements": [
        {
            "quote": "officials endorsed key joint statements, including agreements tied to the Pax Silica Declaration",
            "title": "Pax Silica Declaration",
            "kind": "declaration",
            "parties": ["United States", "Taiwan"],
            "status": "endorsed",
        },
        {
            "quote": "The declaration underscores the shared interest in protecting vital technology",
            "title": "the Pax Silica declaration",
            "kind": None,
            "parties": ["U.S.", "Taiwan"],
            "status": "endorsed",
        },
        # A title the article states ("joint initiatives"), but quoted from the page boilerplate:
        # it rests on left-out text, so it is never grounded through its title.
        {
            "quote": "Viesearch - The Human-curated Search Engine",
            "title": "Joint initiatives in emerging areas",
            "kind": "initiative",
            "parties": ["Taiwan", "United States"],
            "status": "announced",
            "always": True,
        },
        # Quoted from the page boilerplate after "source", under a title the article never states.
        {
            "quote": "Best Technology Blogs and Websites to Follow - OnToplist.com",
            "title": "OnToplist technology blog directory",
            "kind": "listing",
            "parties": [],
            "status": "announced",
            "always": True,
        },
    ],
    "geopolitical_notes": [
        {
            "quote": "China continuing to object to formal interactions between U.S. and Taiwanese officials",
            "note": "China objects to formal interactions between U.S. and Taiwanese officials.",
        },
        # A real quote, but the note names a minister the article never mentions.
        {
            "quote": "Despite the absence of formal diplomatic ties",
            "note": "Minister Kung Ming-hsin says the absence of formal ties is no obstacle.",
        },
    ],
    "topics": [
        {"quote": "artificial intelligence", "topic": "artificial intelligence"},
        {"quote": "semiconductor", "topic": "Semiconductors"},
        {"quote": "semiconductors", "topic": "semiconductor"},
        {"quote": "drone", "topic": "drones"},
        {"quote": "supply chain", "topic": "supply chain resilience"},
    ],
    "event": [
        {
            "quote": "U.S.–Taiwan Economic Prosperity Partnership Dialogue",
            "name": "U.S.–Taiwan Economic Prosperity Partnership Dialogue",
            "date": None,
            "place": None,
        },
    ],
}

SEED_SUMMARY = {
    "sentences": [
        {
            "text": "Taiwan and the United States endorsed joint statements tied to the Pax Silica Declaration "
            "on AI and semiconductor supply chains.",
            "facts": [1, 2, 3, 4],
        },
        {"text": "Minister Kung Ming-hsin led the Taiwanese side.", "facts": [1]},  # invented name
        {"text": "The talks covered drones and critical minerals.", "facts": []},  # cites nothing
    ],
}

_ARTICLE = re.compile(r"<article>\n?(.*?)\n?</article>", re.S)
_PART = re.compile(r"part (\d+) of (\d+)")


@dataclass
class Asked:
    kind: str  # "extract" | "summary"
    part: int | None
    fields: list[str]
    article: str
    messages: list[dict[str, str]]


@dataclass
class ScriptedModel:
    items: dict[str, list[Item]] = field(default_factory=lambda: SEED_ITEMS)
    summary: dict[str, Any] = field(default_factory=lambda: SEED_SUMMARY)
    # Return a response of your own for some requests (e.g. a failing part); None = normal reply.
    override: Callable[[Asked], httpx.Response | None] | None = None
    prompt_tokens: int = 300
    completion_tokens: int = 40
    asked: list[Asked] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request_body(request)
        messages = body["messages"]
        fields = sorted(body["response_format"]["json_schema"]["schema"].get("properties", {}))
        user = next((m["content"] for m in reversed(messages) if "<article>" in m["content"]), "")
        article_match = _ARTICLE.search(user)
        part_match = _PART.search(user)
        kind = "summary" if "sentences" in fields else "extract"
        asked = Asked(
            kind,
            int(part_match[1]) if part_match and kind == "extract" else None,
            fields,
            article_match[1] if article_match else "",
            messages,
        )
        self.asked.append(asked)
        if self.override is not None and (response := self.override(asked)) is not None:
            return response
        content = self.summary if kind == "summary" else self._extraction(asked)
        return chat_reply(
            content, prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens
        )

    def _extraction(self, asked: Asked) -> dict[str, Any]:
        def seen(item: Item) -> bool:
            return bool(item.get("always")) or (
                bool(item["quote"]) and item["quote"] in asked.article
            )

        reply: dict[str, Any] = {}
        for name in asked.fields:
            found = [i for i in self.items.get(name, []) if seen(i)]
            if name == "topics":
                reply[name] = [i["topic"] for i in found]
            elif name == "event":
                reply[name] = {k: v for k, v in found[0].items() if k != "quote"} if found else None
            else:
                reply[name] = [{k: v for k, v in i.items() if k != "always"} for i in found]
        return reply

    def extraction_parts(self) -> set[int]:
        return {a.part for a in self.asked if a.kind == "extract" and a.part is not None}


def invalid_json() -> httpx.Response:
    return chat_reply(
        '{"participants": [{"quote": "unterminated', prompt_tokens=300, completion_tokens=40
    )


def as_json(result: Any) -> str:
    return result.model_dump_json() if hasattr(result, "model_dump_json") else json.dumps(result)
