"""A scripted model behind respx that answers the pointing protocol about the seed article.

``ScriptedModel`` answers ``/chat/completions`` the way a model reading the numbered sentences
would: an item is returned when its ``anchor`` text is in one of the sentences shown, with that
sentence's number (so overlapping chunks both report it, as a real model does), restricted to the
fields the request's JSON schema asks for. Items marked ``always`` are returned with the numbers
they carry, whatever the chunk shows (out-of-range numbers, invented names). It records what it
was asked.
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

# Items a model could point at in ../shared/evals/gold/us-taiwan-epp-dialogue-2026.txt, plus the
# mistakes the support checks must catch.
SEED_ITEMS: dict[str, list[Item]] = {
    "participants": [
        {
            "anchor": "Leading the American delegation was the U.S. Under Secretary",
            "name": None,
            "role": "Under Secretary for Economic Affairs",
            "affiliation": "United States",
        },
        # The article gives only a title: the name is invented (a real office holder).
        {
            "anchor": "Taiwan was represented by the Minister responsible for economic affairs",
            "name": "Kung Ming-hsin",
            "role": "Minister responsible for economic affairs",
            "affiliation": "Taiwan",
        },
        # A name the article never writes, with no title: not a participant.
        {
            "anchor": "Senior representatives",
            "name": "Jacob Helberg",
            "role": None,
            "affiliation": None,
        },
        # A sentence number that does not exist.
        {"always": True, "sentence": 999, "name": None, "role": "Minister", "affiliation": None},
    ],
    "agreements": [
        # The model says "signed"; the sentence says "endorsed".
        {
            "anchors": ["officials endorsed key joint statements"],
            "title": "Pax Silica Declaration",
            "kind": "declaration",
            "parties": ["United States", "Taiwan"],
            "status": "signed",
        },
        # A generic title the sentence does not state: replaced by the sentence's own document phrase.
        {
            "anchors": ["The declaration underscores the shared interest"],
            "title": "cooperation frameworks in various sectors",
            "kind": "other",
            "parties": ["U.S.", "Taiwan"],
            "status": "endorsed",
        },
        # A title pointing at a sentence that names no document: dropped.
        {
            "anchors": ["Participants noted that such meetings are critical"],
            "title": "Zorbland Semiconductor Accord",
            "kind": "other",
            "parties": [],
            "status": "announced",
        },
    ],
    "notes": [
        {"anchor": "China continuing to object", "kind": "objection"},
        # A sentence with no geopolitical context at all.
        {"anchor": "The event provided a platform for sharing perspectives", "kind": "other"},
    ],
    "summary": [
        {"anchor": "This round of talks was the sixth in the series"},
        {"anchor": "officials endorsed key joint statements"},
    ],
    "topics": [
        {"anchor": "artificial intelligence", "topic": "artificial intelligence"},
        {"anchor": "semiconductor", "topic": "Semiconductors"},
        {"anchor": "semiconductors", "topic": "semiconductor"},
        {"anchor": "drone", "topic": "drones"},
    ],
    "event": [
        {
            "anchor": "Economic Prosperity Partnership Dialogue",
            "name": "U.S.–Taiwan Economic Prosperity Partnership Dialogue",
            "date": None,
            "place": None,
        },
    ],
}

_LINE = re.compile(r"^\[(\d+)\] (.*)$", re.M)
_PART = re.compile(r"Part (\d+) of (\d+)")


@dataclass
class Asked:
    part: int | None
    fields: list[str]
    sentences: dict[int, str]
    messages: list[dict[str, str]]

    @property
    def article(self) -> str:
        return "\n".join(self.sentences.values())


@dataclass
class ScriptedModel:
    items: dict[str, list[Item]] = field(default_factory=lambda: SEED_ITEMS)
    # Return a response of your own for some requests (e.g. a failing part); None = normal reply.
    override: Callable[[Asked], httpx.Response | None] | None = None
    prompt_tokens: int = 300
    completion_tokens: int = 40
    asked: list[Asked] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request_body(request)
        messages = body["messages"]
        fields = sorted(body["response_format"]["json_schema"]["schema"].get("properties", {}))
        user = next((m["content"] for m in messages if "numbered sentence" in m["content"]), "")
        part = _PART.search(user)
        asked = Asked(
            int(part[1]) if part else None,
            fields,
            {int(n): text for n, text in _LINE.findall(user)},
            messages,
        )
        self.asked.append(asked)
        if self.override is not None and (response := self.override(asked)) is not None:
            return response
        return chat_reply(
            self._reply(asked),
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
        )

    def _number(self, asked: Asked, anchor: str) -> int | None:
        return next((n for n, text in asked.sentences.items() if anchor in text), None)

    def _reply(self, asked: Asked) -> dict[str, Any]:
        reply: dict[str, Any] = {}
        for name in asked.fields:
            out: list[Any] = []
            for item in self.items.get(name, []):
                fields = {k: v for k, v in item.items() if k not in ("anchor", "anchors", "always")}
                if item.get("always"):
                    out.append(fields)
                    continue
                if "anchors" in item:
                    numbers = [self._number(asked, a) for a in item["anchors"]]
                    if None not in numbers:
                        out.append({**fields, "sentences": numbers})
                    continue
                n = self._number(asked, item["anchor"])
                if n is None:
                    continue
                if name == "topics":
                    out.append(item["topic"])
                elif name == "summary":
                    out.append(n)
                else:
                    out.append({**fields, "sentence": n} if name != "event" else fields)
            if name == "event":
                reply[name] = out[0] if out else {"name": None, "date": None, "place": None}
            else:
                reply[name] = out
        return reply

    def extraction_parts(self) -> set[int]:
        return {a.part for a in self.asked if a.part is not None}


def invalid_json() -> httpx.Response:
    return chat_reply(
        '{"participants": [{"name": "unterminated', prompt_tokens=300, completion_tokens=40
    )


def as_json(result: Any) -> str:
    return result.model_dump_json() if hasattr(result, "model_dump_json") else json.dumps(result)
