"""The bench report: a pydantic model (the JSON's schema), Markdown and a matplotlib plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BENCH_VERSION = 1


class Row(BaseModel):
    """One approach on one input."""

    model_config = ConfigDict(extra="forbid")

    approach: str
    input: str
    article_tokens: int
    status: Literal["ok", "partial", "error", "skipped"]
    error: str | None = None
    chunks: int | None = None
    calls: int
    prompt_tokens: int
    completion_tokens: int
    wall_ms: float
    llm_ms: float
    overhead_ms: float


class Scores(BaseModel):
    """Eval-harness scores of one approach over the gold inputs (micro aggregates)."""

    cases: int
    failed_cases: int
    participants_f1: float | None
    agreements_f1: float | None
    status_accuracy: float | None
    topics_recall: float | None
    notes_recall: float | None
    event_accuracy: float | None
    leaks: int
    grounding_rate: float | None
    schema_valid_rate: float | None
    rouge_l: float | None


class Overhead(BaseModel):
    input: str
    article_tokens: int
    chunks: int | None
    calls: int
    wall_ms: float
    llm_ms: float
    overhead_ms: float
    overhead_share: float | None
    profiled_stage_ms: dict[str, float]
    profiled_stage_share: dict[str, float]
    profiled_wall_ms: float
    status: str


class Scaling(BaseModel):
    approach: str
    input: str
    article_tokens: int
    chunks: int | None
    status: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    prompt_per_article_token: float | None
    wall_ms: float
    llm_ms: float
    # pipeline only: 1.25 × article tokens + the extract prompt's fixed tokens per call
    prompt_budget: int | None = None
    within_budget: bool | None = None


class ConcurrencyRun(BaseModel):
    wall_ms: float
    llm_ms: float
    sum_of_calls_ms: float
    calls: int
    chunks: int | None
    last_call_ms: float | None
    status: str


class Concurrency(BaseModel):
    input: str
    article_tokens: int
    parallel: int
    fake_latency_ms: float | None = None
    sequential: ConcurrencyRun
    concurrent: ConcurrencyRun
    speedup: float | None
    # the concurrent run against the best its calls allow (issue 11: within 1.3x)
    slowest_chunk_ms: float | None = None
    bound_ms: float | None = None
    wall_over_bound: float | None = None


class Rate(BaseModel):
    requests: int
    failures: int
    seconds: float
    per_s: float | None
    p50_ms: float | None
    p95_ms: float | None
    llm_calls: int | None = None
    all_cached: bool | None = None
    first_status: int | None = None
    server_cpu_ms: float | None = None  # the server process's CPU time per request


class Server(BaseModel):
    input: str
    workers: int
    cpus: int | None
    sync_uncached: Rate
    sync_cached: Rate
    sync_cached_serial: Rate | None = None  # one connection: a repeat's latency without queueing
    jobs_uncached: Rate


class Embedded(BaseModel):
    model_config = ConfigDict(extra="allow")

    model_start_ms: float
    second_open_ms: float
    input: str
    service: dict[str, Any]
    llama_alone: dict[str, Any]
    prompt_cache: dict[str, Any]


class BenchReport(BaseModel):
    """What ``summarise bench --json`` writes (validated before it is written)."""

    version: int = BENCH_VERSION
    run: dict[str, Any]
    rows: list[Row]
    scores: dict[str, Scores]
    overhead: list[Overhead] = Field(default_factory=list)
    scaling: list[Scaling] = Field(default_factory=list)
    concurrency: Concurrency | None = None
    server: Server | None = None
    embedded: Embedded | None = None
    plot: str | None = None


def _f(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _n(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def render_markdown(report: BenchReport) -> str:
    run = report.run
    lines = [
        f"# summarise bench ({run.get('mode')}: {run.get('model')})",
        "",
        f"Endpoint model `{run.get('model')}`, {run.get('cpus')} CPUs, "
        f"approaches {', '.join(run.get('approaches', []))}.",
        "",
    ]
    if run.get("fake"):
        lines += [
            "**Fake LLM**: a local OpenAI-compatible process answering schema-valid filler with "
            "zero latency. Scores, completion tokens and LLM times say nothing about any model; "
            "prompt tokens, calls and non-LLM overhead are real.",
            "",
        ]
    if report.scores:
        lines += [
            "## Eval scores (gold inputs)",
            "",
            "| approach | cases | participants F1 | agreements F1 | status acc. | topics R | "
            "notes R | leaks | grounded | valid | calls | tokens in+out | wall |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, s in report.scores.items():
            rows = [r for r in report.rows if r.approach == name and r.input in run.get("gold", [])]
            lines.append(
                f"| {name} | {s.cases} | {_f(s.participants_f1)} | {_f(s.agreements_f1)} | "
                f"{_f(s.status_accuracy)} | {_f(s.topics_recall)} | {_f(s.notes_recall)} | "
                f"{s.leaks} | {_f(s.grounding_rate)} | {_f(s.schema_valid_rate)} | "
                f"{sum(r.calls for r in rows)} | {_n(sum(r.prompt_tokens for r in rows))}+"
                f"{_n(sum(r.completion_tokens for r in rows))} | "
                f"{sum(r.wall_ms for r in rows) / 1000:.2f} s |"
            )
        lines.append("")
    if report.overhead:
        lines += [
            "## Overhead outside the LLM (pipeline)",
            "",
            "| input | tokens | chunks | calls | wall ms | LLM ms | overhead ms | share | "
            "largest stages (profiled share) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for o in report.overhead:
            top = ", ".join(f"{k} {v:.0%}" for k, v in list(o.profiled_stage_share.items())[:4])
            lines.append(
                f"| {o.input} | {o.article_tokens:,} | {o.chunks} | {o.calls} | "
                f"{o.wall_ms:.1f} | {o.llm_ms:.1f} | {o.overhead_ms:.1f} | "
                f"{_f(o.overhead_share and o.overhead_share * 100, 1)}% | {top} |"
            )
        lines.append("")
    if report.scaling:
        lines += [
            "## Scaling with article length",
            "",
            "| approach | article tokens | chunks | calls | prompt tokens | prompt / article | "
            "budget (1.25× article + template per call) | completion | wall ms | status |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for s in report.scaling:
            budget = (
                "–"
                if s.prompt_budget is None
                else f"{s.prompt_budget:,} ({'within' if s.within_budget else 'over'})"
            )
            lines.append(
                f"| {s.approach} | {s.article_tokens:,} | {s.chunks} | {s.calls} | "
                f"{s.prompt_tokens:,} | {_f(s.prompt_per_article_token)} | {budget} | "
                f"{s.completion_tokens:,} | {s.wall_ms:.1f} | {s.status} |"
            )
        lines.append("")
    if c := report.concurrency:
        lines += [
            "## Chunk-call concurrency (pipeline)",
            "",
            f"{c.input} ({c.article_tokens:,} tokens, {c.sequential.chunks} chunks), "
            f"fake latency {_f(c.fake_latency_ms, 0)} ms per call:",
            "",
            "| run | wall ms | sum of calls ms | calls | last call ms |",
            "|---|---|---|---|---|",
            f"| one at a time | {c.sequential.wall_ms:.1f} | {c.sequential.sum_of_calls_ms:.1f} | "
            f"{c.sequential.calls} | {_f(c.sequential.last_call_ms, 1)} |",
            f"| {c.parallel} in flight | {c.concurrent.wall_ms:.1f} | "
            f"{c.concurrent.sum_of_calls_ms:.1f} | {c.concurrent.calls} | "
            f"{_f(c.concurrent.last_call_ms, 1)} |",
            "",
            f"Speed-up {_f(c.speedup)}×. The {c.parallel}-in-flight run took "
            f"{_f(c.wall_over_bound)}× the best its calls allow ({_f(c.bound_ms, 1)} ms: the "
            f"slowest chunk's passes, {_f(c.slowest_chunk_ms, 1)} ms, or all calls spread over "
            f"{c.parallel} slots, whichever is longer; the reduce step is code, inside the wall).",
            "",
        ]
    if sv := report.server:
        lines += [
            "## One server process (`summarise serve`, loopback)",
            "",
            f"{sv.input}, {sv.workers} client connections, {sv.cpus} CPUs shared by the server, "
            "the fake model and the load generator.",
            "",
            "| load | requests | failed | per s | p50 ms | p95 ms | server CPU ms/request "
            "| LLM calls |",
            "|---|---|---|---|---|---|---|---|",
        ]
        rows: list[tuple[str, Rate | None]] = [
            ("POST /v1/summaries, new article each", sv.sync_uncached),
            ("POST /v1/summaries, repeated article (cached), 1 connection", sv.sync_cached_serial),
            ("POST /v1/summaries, repeated article (cached)", sv.sync_cached),
            ("POST /v1/jobs + poll, new article each", sv.jobs_uncached),
        ]
        for label, rate in rows:
            if rate is None:
                continue
            lines.append(
                f"| {label} | {rate.requests} | {rate.failures} | {_f(rate.per_s, 1)} | "
                f"{_f(rate.p50_ms, 1)} | {_f(rate.p95_ms, 1)} | {_f(rate.server_cpu_ms, 2)} | "
                f"{'–' if rate.llm_calls is None else rate.llm_calls} |"
            )
        lines.append("")
    if e := report.embedded:
        lines += [
            "## Embedded model",
            "",
            f"Model start {e.model_start_ms:.0f} ms (second open in the same process "
            f"{e.second_open_ms:.0f} ms).",
            "",
            "| measure | value |",
            "|---|---|",
        ]
        for group, values in (
            ("service", e.service),
            ("llama.cpp alone", e.llama_alone),
            ("prompt cache", e.prompt_cache),
        ):
            for key, value in values.items():
                lines.append(f"| {group}: {key} | {value} |")
        lines.append("")
    if report.plot:
        lines += [f"![wall time and tokens vs length]({Path(report.plot).name})", ""]
    return "\n".join(lines)


def plot(report: BenchReport, path: Path) -> Path:
    """Wall time and prompt+completion tokens vs article length, one line per approach."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    approaches = sorted({s.approach for s in report.scaling})
    for name in approaches:
        points = [s for s in report.scaling if s.approach == name and s.status != "skipped"]
        xs = [p.article_tokens for p in points]
        left.plot(xs, [p.wall_ms / 1000 for p in points], marker="o", label=name)
        right.plot(
            xs, [p.prompt_tokens + p.completion_tokens for p in points], marker="o", label=name
        )
    xs_all = sorted({s.article_tokens for s in report.scaling})
    if xs_all:
        right.plot(xs_all, xs_all, linestyle=":", color="grey", label="article tokens")
    for ax, title, unit in (
        (left, "wall time", "seconds"),
        (right, "tokens sent + received", "tokens"),
    ):
        ax.set_title(title)
        ax.set_xlabel("article length (cl100k tokens)")
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.legend()
    mode = "fake LLM" if report.run.get("fake") else str(report.run.get("model"))
    fig.suptitle(f"summarise bench — {mode}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
