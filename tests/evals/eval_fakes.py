"""Test data for the eval harness: a tiny hand-made gold case, prediction builders, a fake LLM server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from evals.gold import Case, load_case

ARTICLE = (
    "GENEVA (Wire) - Trade Minister Jane Roe of Freedonia and Commerce Secretary John Poe of "
    "Sylvania signed the Geneva Tariff Accord on Monday, cutting tariffs on steel by half.\n"
    "They also discussed a digital trade framework, which remains under negotiation.\n"
    "Freedonia and Sylvania have no diplomatic relations since the border war of 1999.\n"
    "Subscribe to our newsletter! Cookie settings.\n"
)

GOLD: dict[str, Any] = {
    "id": "tiny-case",
    "text_file": "tiny-case.txt",
    "language": "en",
    "kind": "hand-made test case",
    "source": {"title": "Tiny", "published": "2026-01-01", "origin": "tests", "license": "CC0"},
    "gold": {
        "event": {"name": "Geneva trade meeting", "match": ["Geneva"]},
        "participants": [
            {
                "name": "Jane Roe",
                "role": "Trade Minister",
                "affiliation": "Freedonia",
                "side": "Freedonia",
                "match": ["Jane Roe", "Trade Minister"],
            },
            {
                "name": "John Poe",
                "role": "Commerce Secretary",
                "affiliation": "Sylvania",
                "side": "Sylvania",
                "match": ["John Poe", "Commerce Secretary"],
            },
        ],
        "agreements": [
            {
                "title": "Geneva Tariff Accord",
                "kind": "accord",
                "parties": ["Freedonia", "Sylvania"],
                "status": "signed",
                "subject": "steel tariffs",
                "match": ["Tariff Accord"],
            },
            {
                "title": "Digital trade framework",
                "kind": "framework",
                "parties": ["Freedonia", "Sylvania"],
                "status": "under_negotiation",
                "subject": "digital trade",
                "match": ["digital trade"],
            },
        ],
        "topics": [
            {"label": "tariffs", "match": ["tariff"]},
            {"label": "steel", "match": ["steel"]},
            {"label": "digital trade", "match": ["digital"]},
        ],
        "geopolitical_notes": [
            {
                "note": "No diplomatic relations since the 1999 border war.",
                "match_all": [["diplomatic"], ["1999", "border war"]],
            },
        ],
        "must_not_contain": ["Richard Moe", "Subscribe to our newsletter", "Cookie settings"],
        "reference_summary": "Freedonia's trade minister and Sylvania's commerce secretary signed the Geneva Tariff Accord halving steel tariffs and discussed a digital trade framework.",
    },
    "notes": "test",
}


def write_case(directory: Path, gold: dict[str, Any] | None = None, article: str = ARTICLE) -> Path:
    """Write a gold case (default: the tiny case) into ``directory``; return the gold path."""
    gold = gold or GOLD
    directory.mkdir(parents=True, exist_ok=True)
    (directory / gold["text_file"]).write_text(article, encoding="utf-8")
    path = directory / f"{gold['id']}.gold.json"
    path.write_text(json.dumps(gold), encoding="utf-8")
    return path


def evidence(quote: str) -> list[dict[str, Any]]:
    """Evidence at the quote's real offsets in ARTICLE."""
    start = ARTICLE.index(quote)
    return [{"quote": quote, "start": start, "end": start + len(quote)}]


def prediction(**fields: Any) -> dict[str, Any]:
    """A schema-valid output with the given fields."""
    meta = {
        "model": "fake",
        "prompt_versions": {},
        "chunks": 1,
        "llm_calls": 2,
        "tokens_in": 100,
        "tokens_out": 20,
        "latency_ms": 5,
    }
    return {"summary": "", "meta": meta, **fields}


PERFECT = prediction(
    summary="Freedonia's trade minister and Sylvania's commerce secretary signed the Geneva Tariff Accord halving steel tariffs and discussed a digital trade framework.",
    participants=[
        {
            "name": "Jane Roe",
            "role": "Trade Minister",
            "evidence": evidence("Trade Minister Jane Roe"),
        },
        {
            "name": "John Poe",
            "role": "Commerce Secretary",
            "evidence": evidence("Commerce Secretary John Poe"),
        },
    ],
    agreements=[
        {
            "title": "Geneva Tariff Accord",
            "status": "signed",
            "evidence": evidence("signed the Geneva Tariff Accord"),
        },
        {
            "title": "Digital trade framework",
            "status": "under_negotiation",
            "evidence": evidence("a digital trade framework"),
        },
    ],
    topics=["tariffs", "steel", "digital trade"],
    geopolitical_notes=[
        {
            "note": "No diplomatic relations since the border war of 1999.",
            "evidence": evidence("have no diplomatic relations since the border war of 1999"),
        },
    ],
    event={"name": "Geneva trade meeting"},
)


def tiny(tmp_path: Path) -> Case:
    return load_case(write_case(tmp_path / "gold"))


# What the fake model points at: (anchor text of the sentence, reply item without its number).
POINTS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "participants": [
        ("Jane Roe", {"name": "Jane Roe", "role": "Trade Minister", "affiliation": "Freedonia"})
    ],
    "agreements": [
        (
            "Geneva Tariff Accord",
            {"title": "Geneva Tariff Accord", "kind": "other", "parties": [], "status": "signed"},
        )
    ],
    "notes": [("diplomatic relations", {"kind": "diplomatic_status"})],
    "summary": [("Geneva Tariff Accord", {})],
}


def point(user: str, wanted: set[str]) -> dict[str, Any]:
    """A pointing-protocol reply about the numbered sentences in ``user``."""
    sentences = {int(n): s for n, s in re.findall(r"^\[(\d+)\] (.*)$", user, re.M)}
    content: dict[str, Any] = {}
    for name in wanted:
        if name == "event":
            content[name] = {"name": "Geneva trade meeting", "date": None, "place": "Geneva"}
        elif name == "topics":
            content[name] = ["tariffs", "steel"]
        else:
            out: list[Any] = []
            for anchor, item in POINTS.get(name, []):
                n = next((k for k, s in sentences.items() if anchor in s), None)
                if n is None:
                    continue
                if name == "summary":
                    out.append(n)
                elif name == "agreements":
                    out.append({**item, "sentences": [n]})
                else:
                    out.append({**item, "sentence": n})
            content[name] = out
    return content


class FakeOpenAI(httpx.AsyncBaseTransport):
    """An OpenAI-compatible chat endpoint that answers from the tiny article, deterministically."""

    def __init__(self) -> None:
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        body = json.loads(await request.aread())
        schema = body["response_format"]["json_schema"]
        wanted = set(schema["schema"].get("properties", {}))
        user = "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
        content = point(user, wanted)
        reply = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": json.dumps(content)},
                }
            ],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
        }
        return httpx.Response(200, json=reply)
