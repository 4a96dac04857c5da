"""``summarise bench`` (also ``python -m evals.bench``): run the benchmark, write JSON, Markdown
and a PNG plot.

    summarise bench --fake-llm                 # seconds; CI-speed, fake model (figures are fake)
    summarise bench                            # the configured endpoint (embedded model by default)
    summarise bench --embedded --lengths 2000  # plus embedded-model figures (llama.cpp timings)
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from evals.gold import DEFAULT_GOLD_DIR

err = Console(stderr=True, soft_wrap=True)
Opt = typer.Option
SEED = "us-taiwan-epp-dialogue-2026"
MAX_LONG_TOKENS = 50_000


def default_lengths(context_window: int, max_tokens: int) -> list[int]:
    """Articles of about 1, 4 and 16 of the pipeline's default chunks, and the longest input."""
    chunk = min(3000, max(400, context_window // 5))
    lengths = [int(chunk * k * 0.85) for k in (1, 4, 16)] + [max_tokens]
    return sorted({n for n in lengths if n <= max_tokens})


def _settings(fake_url: str | None, context_window: int | None) -> Any:
    from service.config import Settings

    settings = Settings()
    if fake_url:
        return settings.model_copy(
            update={
                "llm_base_url": fake_url,
                "llm_model": "fake",
                "llm_api_key": "fake",
                "llm_context_window": context_window or 8192,
                "llm_max_retries": 0,
            }
        )
    if context_window:
        return settings.model_copy(update={"llm_context_window": context_window})
    return settings


async def _bench(options: dict[str, Any], fake: Any, log: Any) -> Any:
    from evals.bench import measure
    from evals.bench.approaches import PipelineApproach, open_approaches
    from evals.bench.inputs import gold_inputs, long_inputs
    from evals.bench.report import BenchReport

    settings = _settings(fake.url if fake else None, options["context_window"])
    gold = gold_inputs(options["gold"], options["case"])
    if options["quick"]:
        gold = gold[:2]
    window = settings.llm_context_window or (
        settings.local_context_window if settings.uses_embedded_model else 32_768
    )
    lengths = options["lengths"] or default_lengths(window, options["max_tokens"])
    if options["quick"] and not options["lengths"]:
        lengths = lengths[:2]  # about 1 and 4 chunks
    longs = long_inputs(gold_inputs(options["gold"]), lengths)
    inputs = gold + longs
    embedded = None
    if options["embedded"]:
        if fake:
            raise typer.BadParameter("--embedded needs the embedded model, not --fake-llm")
        from evals.bench.embedded import embedded_figures

        seed = next((i for i in gold if i.id == SEED), gold[0])
        log("embedded model: start, service vs llama.cpp alone, prompt cache")
        embedded = await embedded_figures(settings, seed)

    names = list(options["approach"])
    if "langchain" in names:
        try:
            import langchain_openai  # noqa: F401
            import langchain_text_splitters  # noqa: F401
        except ImportError:
            log("langchain approach skipped: install the bench extra (pip install -e '.[bench]')")
            names.remove("langchain")
    approaches = await open_approaches(settings, names)
    try:
        results = await measure.run_matrix(approaches, inputs, log)
        pipeline = next((a for a in approaches if isinstance(a, PipelineApproach)), None)
        overhead = []
        if pipeline is not None:
            seed = next((i for i in gold if i.id == SEED), gold[0] if gold else None)
            for item in [seed, max(longs, key=lambda i: i.tokens, default=None)]:
                if item is not None:
                    log(f"overhead: {item.id}")
                    overhead.append(await measure.overhead(pipeline, item, options["repeats"]))
    finally:
        for approach in approaches:
            await approach.aclose()

    concurrency = None
    many = [i for i in longs if i.tokens >= 12 * min(3000, max(400, window // 5))]
    if "pipeline" in names and options["concurrency"] > 1 and many:
        item = min(many, key=lambda i: i.tokens)
        log(f"concurrency: {item.id}, {options['concurrency']} in flight")
        if fake:
            fake.configure(latency_ms=options["fake_latency_ms"])
        try:
            concurrency = await measure.concurrency(settings, item, options["concurrency"])
        finally:
            if fake:
                fake.configure(latency_ms=0.0)
        concurrency["fake_latency_ms"] = options["fake_latency_ms"] if fake else None

    server = None
    if options["server"] and gold:
        log(f"server: {options['server_requests']} requests per load, loopback only")
        seed = next((i for i in gold if i.id == SEED), gold[0])
        server = await measure.server_figures(
            settings.llm_base_url or "",
            settings.llm_model or "",
            seed,
            options["server_requests"],
            options["server_workers"],
            (lambda: int(fake.stats()["requests"])) if fake else None,
        )

    from service.config import Settings

    return BenchReport.model_validate(
        {
            "run": {
                "mode": "fake-llm" if fake else "endpoint",
                "fake": bool(fake),
                "model": settings.llm_model or "embedded",
                "context_window": window,
                "llm_max_concurrency": settings.llm_max_concurrency,
                "approaches": names,
                "gold": [i.id for i in gold],
                "long": {i.id: i.tokens for i in longs},
                "cpus": os.cpu_count(),
                "prompts": {
                    "extract": settings.extract_prompt,
                    "summarise": settings.summary_prompt,
                }
                if isinstance(settings, Settings)
                else {},
            },
            "rows": [
                {
                    "approach": r.approach,
                    "input": r.input_id,
                    "article_tokens": r.article_tokens,
                    "status": r.status,
                    "error": r.error,
                    "chunks": r.chunks,
                    "calls": r.calls,
                    "prompt_tokens": r.prompt_tokens,
                    "completion_tokens": r.completion_tokens,
                    "wall_ms": round(r.wall_ms, 2),
                    "llm_ms": round(r.llm_ms, 2),
                    "overhead_ms": round(r.overhead_ms, 2),
                }
                for r in results
            ],
            "scores": measure.scores(results, inputs),
            "overhead": overhead,
            "scaling": measure.scaling_rows(
                results,
                {i.id for i in longs},
                measure.template_tokens(settings) if isinstance(settings, Settings) else None,
            ),
            "concurrency": concurrency,
            "server": server,
            "embedded": embedded,
        }
    )


def bench_command(
    out: Annotated[Path, Opt(help="Directory for bench.json, bench.md and bench.png.")] = Path(
        "reports/bench"
    ),
    fake_llm: Annotated[
        bool, Opt("--fake-llm", help="Run against a local zero-latency fake model (seconds).")
    ] = False,
    gold: Annotated[
        list[Path] | None, Opt("--gold", help="Gold directory (repeatable). Default: evals/gold.")
    ] = None,
    case: Annotated[list[str] | None, Opt("--case", help="Only this gold case.")] = None,
    approach: Annotated[
        list[str] | None,
        Opt("--approach", help="pipeline, single, langchain (repeatable). Default: all."),
    ] = None,
    lengths: Annotated[
        list[int] | None,
        Opt(
            "--lengths",
            help="Generated long inputs, in tokens (repeatable). Default: 1/4/16 "
            "chunks and --max-tokens.",
        ),
    ] = None,
    max_tokens: Annotated[int, Opt(help="Longest generated input.")] = MAX_LONG_TOKENS,
    context_window: Annotated[
        int | None, Opt(help="Model context (default: the endpoint's; 8192 with --fake-llm).")
    ] = None,
    repeats: Annotated[int, Opt(min=1, help="Overhead runs (median).")] = 3,
    concurrency: Annotated[int, Opt(min=1, help="Chunk calls in flight (1: skip).")] = 4,
    fake_latency_ms: Annotated[
        float, Opt(help="Fake model latency per call during the concurrency run.")
    ] = 20.0,
    server: Annotated[
        bool | None,
        Opt("--server/--no-server", help="Measure one server process (default: with --fake-llm)."),
    ] = None,
    server_requests: Annotated[int, Opt(min=1, help="Requests per server load.")] = 200,
    server_workers: Annotated[int, Opt(min=1, help="Client connections in flight.")] = 8,
    embedded: Annotated[
        bool, Opt("--embedded", help="Embedded-model figures (model start, llama.cpp timings).")
    ] = False,
    quick: Annotated[
        bool, Opt("--quick", help="Smoke run: two gold cases, inputs of about 1 and 4 chunks.")
    ] = False,
) -> None:
    """Measure this pipeline against single-call and LangChain map-reduce on one endpoint."""
    from evals.bench.approaches import APPROACHES
    from evals.bench.fake_llm import fake_llm as start_fake
    from evals.bench.report import plot, render_markdown

    unknown = set(approach or []) - set(APPROACHES)
    if unknown:
        raise typer.BadParameter(f"unknown approach {sorted(unknown)}; choose from {APPROACHES}")
    options = {
        "gold": gold or [DEFAULT_GOLD_DIR],
        "case": case or [],
        "approach": approach or list(APPROACHES),
        "lengths": sorted(set(lengths or [])),
        "max_tokens": max_tokens,
        "context_window": context_window,
        "repeats": repeats,
        "concurrency": concurrency,
        "fake_latency_ms": fake_latency_ms,
        "server": fake_llm if server is None else server,
        "server_requests": server_requests,
        "server_workers": server_workers,
        "embedded": embedded,
        "quick": quick,
    }

    def log(line: str) -> None:
        err.print(line, highlight=False, markup=False)

    with ExitStack() as stack:
        fake = stack.enter_context(start_fake()) if fake_llm else None
        report = asyncio.run(_bench(options, fake, log))
    out.mkdir(parents=True, exist_ok=True)
    if report.scaling:
        report.plot = str(plot(report, out / "bench.png"))
    (out / "bench.json").write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    markdown = render_markdown(report)
    (out / "bench.md").write_text(markdown, encoding="utf-8")
    sys.stdout.write(markdown)
    log(
        f"wrote {out / 'bench.json'}, {out / 'bench.md'}"
        + (f", {report.plot}" if report.plot else "")
    )


def register(app: typer.Typer) -> None:
    """Add the ``bench`` command to the ``summarise`` app."""
    app.command("bench", help="Benchmark the pipeline against its alternatives.")(bench_command)


def main() -> None:
    standalone = typer.Typer(add_completion=False)
    standalone.command()(bench_command)
    standalone()
