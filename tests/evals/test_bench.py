"""``summarise bench``: the fake model's schema-driven answers, the HTTP meter, and a short
fake-LLM bench run end to end (completes; its JSON validates against the report model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from evals.bench.fake_llm import instance, snippets_from
from evals.bench.meter import Call, Meter
from evals.bench.report import BenchReport
from service.llm.openai_chat import require_all

ROOT = Path(__file__).parents[2]


class Quote(BaseModel):
    quote: str = Field("", max_length=40)
    start: int = Field(0, ge=3)


class Item(BaseModel):
    name: str | None = None
    kind: Literal["a", "b"] = "b"
    text: str = Field(..., min_length=12, max_length=30)
    quotes: list[Quote] = Field(default_factory=list, max_length=2)
    tags: list[str] = Field(..., min_length=2)


class Reply(BaseModel):
    items: list[Item] = Field(default_factory=list, max_length=3)
    event: Item | None = None
    score: float = 0.5
    ok: bool = True


@pytest.mark.parametrize("fill", ["rich", "minimal"])
def test_fake_answers_valid_instances_of_any_requested_schema(fill: str) -> None:
    schema = require_all(Reply.model_json_schema())
    messages = [{"role": "user", "content": "Minister Anne Berg signed the Oslo accord today."}]
    value = instance(schema, fill, snippets_from(messages))  # type: ignore[arg-type]
    reply = Reply.model_validate(value)
    if fill == "rich":
        assert reply.items and reply.items[0].quotes
        assert reply.items[0].quotes[0].quote in messages[0]["content"]
        assert reply.items[0].quotes[0].start == 3
    else:
        assert reply.items == [] and reply.event is None


def test_meter_counts_concurrent_calls_once() -> None:
    meter = Meter([Call(0.0, 1.0), Call(0.5, 1.5), Call(3.0, 4.0)])
    assert meter.llm_ms() == pytest.approx(2500)
    assert meter.sequential_ms() == pytest.approx(3000)


@pytest.mark.server
def test_short_fake_llm_bench_completes_and_its_json_validates(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    args = [
        sys.executable, "-m", "evals.bench", "--fake-llm", "--quick", "--out", str(out),
        "--context-window", "4096", "--lengths", "400", "--lengths", "10500",
        "--repeats", "1", "--concurrency", "2", "--fake-latency-ms", "5",
        "--server-requests", "4", "--server-workers", "2",
    ]  # fmt: skip
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = BenchReport.model_validate(json.loads((out / "bench.json").read_text()))
    assert {r.approach for r in report.rows} >= {"pipeline", "single"}
    if report.concurrency is not None and report.concurrency.bound_ms is not None:
        # a chunk's passes run one after another and at most 2 calls are in flight: no run can
        # beat the bound its own calls set
        assert report.concurrency.bound_ms <= report.concurrency.concurrent.wall_ms
    assert (out / "bench.md").read_text().startswith("# summarise bench")
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_prompt_budget_counts_the_template_once_per_call() -> None:
    from evals.bench.approaches import RunResult
    from evals.bench.measure import scaling_rows, template_tokens
    from service.config import Settings

    three = template_tokens(Settings(extract_prompt="extract@4"))
    one = template_tokens(Settings(extract_prompt="extract@7"))
    # one call asks all three questions: its fixed part is larger than one pass's, smaller than
    # three passes' (the system prompt and the article's heading are sent once)
    assert three < one < 3 * three

    def row(prompt_tokens: int) -> dict:
        result = RunResult("pipeline", "long", 1000, "ok", calls=2, prompt_tokens=prompt_tokens)
        [out] = scaling_rows([result], {"long"}, template=500.0)
        return out

    assert row(2250)["prompt_budget"] == 2250 and row(2250)["within_budget"] is True
    assert row(2251)["within_budget"] is False
    langchain = RunResult("langchain", "long", 1000, "ok", calls=2, prompt_tokens=9)
    [out] = scaling_rows([langchain], {"long"}, template=500.0)
    assert out["prompt_budget"] is None and out["within_budget"] is None


def test_long_inputs_are_one_language_the_most_common_of_the_gold_set() -> None:
    from collections import Counter

    from evals.bench.inputs import gold_inputs, long_inputs

    sources = gold_inputs([ROOT / "evals/gold"])
    plain = [s for s in sources if not s.is_html and s.case is not None]
    language = Counter(s.case.gold.language for s in plain if s.case).most_common(1)[0][0]
    [long] = long_inputs(sources, [6000])
    assert 3000 < long.tokens <= 6000  # whole paragraphs, stopping before one that overflows
    others = [s for s in plain if s.case and s.case.gold.language != language]
    assert others  # the gold set mixes languages, so the filter is what is tested
    for other in others:
        first = next(p.strip() for p in other.text.split("\n\n") if len(p.strip()) > 80)
        assert first not in long.text


def test_a_long_input_repeats_no_paragraph_so_intake_keeps_it_whole() -> None:
    from evals.bench.inputs import gold_inputs, long_inputs
    from service.clean import clean_text
    from service.tokens import count_tokens

    [long] = long_inputs(gold_inputs([ROOT / "evals/gold"]), [40000])
    paragraphs = [p for p in long.text.split("\n\n") if p.strip()]
    assert len(paragraphs) == len(set(paragraphs))
    doc = clean_text(long.text)
    assert not [d for d in doc.excluded if d.reason == "duplicate"]
    assert count_tokens(doc.view.text) > 0.8 * long.tokens


def test_chunk_bound_is_the_slowest_chunk_or_the_calls_spread_over_the_slots() -> None:
    from evals.bench.measure import chunk_bound
    from evals.bench.meter import Call

    def call(part: int, ms: float) -> Call:
        body = json.dumps({"messages": [{"role": "user", "content": f"Part {part} of 3\n[1] x"}]})
        return Call(start=0.0, end=ms / 1000, body=body.encode())

    calls = [call(1, 100), call(1, 100), call(1, 100), call(2, 50), call(3, 50)]
    wide = chunk_bound(calls, parallel=3)
    assert wide == {"slowest_chunk_ms": 300.0, "bound_ms": 300.0}  # chunk 1's three passes
    narrow = chunk_bound(calls, parallel=1)
    assert narrow is not None and narrow["bound_ms"] == pytest.approx(400.0)  # all in one slot
    assert chunk_bound([Call(start=0.0, end=0.1, body=b"{}")], parallel=2) is None
