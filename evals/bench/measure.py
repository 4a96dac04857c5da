"""The bench's measurements: approach matrix with eval scores, overhead per stage, scaling with
length, chunk-call concurrency, and one real server process (throughput, cached repeats)."""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx

from evals.bench.approaches import Approach, PipelineApproach, RunResult
from evals.bench.inputs import BenchInput
from evals.bench.meter import Call
from evals.results import aggregate
from evals.scoring import Outcome, default_evaluators, score_case
from service.config import Settings

# --- approaches × inputs, scored by the eval harness --------------------------------------------


async def run_matrix(
    approaches: list[Approach],
    inputs: list[BenchInput],
    log: Callable[[str], None] = print,
) -> list[RunResult]:
    """Every approach on every input, one at a time (so timings do not interfere).

    Each approach first runs once on the first input, discarded: imports, tokenizer and client
    set-up are paid once per process and are not part of a request's cost.
    """
    results = []
    for approach in approaches:
        if inputs:
            await approach.run(inputs[0])
        for item in inputs:
            result = await approach.run(item)
            log(
                f"{approach.name:9} {item.id[:44]:44} {result.status:7} calls={result.calls} "
                f"tokens={result.prompt_tokens}+{result.completion_tokens} "
                f"wall={result.wall_ms:.0f}ms"
            )
            results.append(result)
    return results


def _outcome(result: RunResult) -> Outcome:
    status = "ok" if result.status == "ok" else "partial" if result.status == "partial" else "error"
    latency = round(result.wall_ms)
    return Outcome(result.input_id, result.raw, status, result.error, latency)  # type: ignore[arg-type]


def scores(results: list[RunResult], inputs: list[BenchInput]) -> dict[str, dict[str, Any]]:
    """Eval scores per approach over the gold inputs, with the harness's own evaluators."""
    cases = {i.id: i.case for i in inputs if i.case is not None}
    evaluators = default_evaluators(None)
    by_approach: dict[str, list[Any]] = defaultdict(list)
    for r in results:
        case = cases.get(r.input_id)
        if case is not None and r.status != "skipped":
            by_approach[r.approach].append(score_case(case, _outcome(r), evaluators))
    out = {}
    for name, case_results in by_approach.items():
        agg = aggregate(case_results)
        out[name] = {
            "cases": agg["cases"],
            "failed_cases": agg["failed_cases"],
            "participants_f1": agg["participants"]["f1"],
            "agreements_f1": agg["agreements"]["f1"],
            "status_accuracy": agg["agreements"]["status_accuracy"],
            "topics_recall": agg["topics"]["recall"],
            "notes_recall": agg["geopolitical_notes"]["recall"],
            "event_accuracy": agg["event"]["accuracy"],
            "leaks": agg["hallucinations"],
            "grounding_rate": agg["grounding_rate"],
            "schema_valid_rate": agg["schema_valid_rate"],
            "rouge_l": agg["summary"]["rouge_l"],
        }
    return out


# --- overhead: time outside the LLM, and where it goes ------------------------------------------


def _stage(path: str, service_dir: str) -> str:
    rel = os.path.relpath(path, service_dir)
    head = rel.split(os.sep, 1)[0]
    return head.removesuffix(".py")


def stage_breakdown(stats: pstats.Stats, pipeline_file: str) -> dict[str, float]:
    """Milliseconds per stage module, from a profile of ``summarise``.

    A stage is the module of a function that ``service/pipeline.py`` calls directly (``clean``,
    ``chunk``, ``ground``, ``merge``, ``summary``, ``llm`` — the client's own CPU time, never the
    wait for the model — ...), so the breakdown follows the pipeline's modules as they change.
    ``pipeline`` is the pipeline's own code; ``other`` libraries it calls directly.
    """
    service_dir = os.path.dirname(pipeline_file)
    out: dict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for func, (_cc, _nc, tt, _ct, callers) in raw.items():
        file = func[0]
        if file == pipeline_file:
            out["pipeline"] += tt * 1000
            continue
        for caller, edge in callers.items():
            if caller[0] != pipeline_file:
                continue
            stage = _stage(file, service_dir) if file.startswith(service_dir) else "other"
            out[stage] += edge[3] * 1000
    return {k: round(v, 2) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


async def _profiled(run: Awaitable[RunResult]) -> tuple[RunResult, pstats.Stats]:
    """``run`` under cProfile, with the work it hands to worker threads (``asyncio.to_thread``:
    sentence splitting and spaCy) profiled too: cProfile sees one thread only, so the run gets a
    one-thread default executor whose thread has its own profiler, and the two are added."""
    loop = asyncio.get_running_loop()
    worker = cProfile.Profile()
    executor = ThreadPoolExecutor(max_workers=1, initializer=worker.enable)
    loop.set_default_executor(executor)
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        result = await run
        profiler.disable()
        await loop.run_in_executor(executor, worker.disable)
    finally:
        executor.shutdown(wait=True)
        loop.set_default_executor(ThreadPoolExecutor())
    stats = pstats.Stats(profiler)
    if worker.getstats():
        stats.add(worker)
    return result, stats


async def overhead(approach: PipelineApproach, item: BenchInput, repeats: int) -> dict[str, Any]:
    """Non-LLM time of the pipeline on one input (median of ``repeats``), and a profiled run's
    split of it by stage."""
    import service.pipeline

    await approach.run(item)  # warm
    runs = [await approach.run(item) for _ in range(max(1, repeats))]
    wall = statistics.median(r.wall_ms for r in runs)
    over = statistics.median(r.overhead_ms for r in runs)
    profiled, stats = await _profiled(approach.run(item))
    stages = stage_breakdown(stats, service.pipeline.__file__)
    in_stages = sum(v for k, v in stages.items() if k != "llm") or 1.0
    return {
        "input": item.id,
        "article_tokens": item.tokens,
        "chunks": runs[0].chunks,
        "calls": runs[0].calls,
        "wall_ms": round(wall, 2),
        "llm_ms": round(statistics.median(r.llm_ms for r in runs), 2),
        "overhead_ms": round(over, 2),
        "overhead_share": round(over / wall, 4) if wall else None,
        "profiled_stage_ms": stages,
        "profiled_stage_share": {
            k: round(v / in_stages, 4) for k, v in stages.items() if k != "llm"
        },
        "profiled_wall_ms": round(profiled.wall_ms, 2),
        "status": runs[0].status,
    }


# --- scaling and concurrency ----------------------------------------------------------------------


# The issue-11 token budget: prompt tokens at most this many times the article's own tokens, plus
# the fixed template (system, instructions, empty hints) once per call.
PROMPT_BUDGET_FACTOR = 1.25


def template_tokens(settings: Settings) -> float:
    """Tokens of the extract prompt's fixed part per call: each pass rendered with an empty
    article and empty hints, counted as the fake model counts a request (content + 4 per
    message); the mean over the passes."""
    from service.prompts import load_prompt
    from service.tokens import count_tokens

    prompt = load_prompt(settings.prompts_dir, settings.extract_prompt)
    empty = dict.fromkeys(("people", "context_hints", "terms"), "none found")
    sizes = [
        sum(count_tokens(m["content"]) + 4 for m in messages)
        for messages in (
            prompt.render_pass(step, extra=empty, title="(none)", part="1 of 1", article="")
            for step in prompt.passes
        )
    ]
    return statistics.mean(sizes) if sizes else 0.0


def scaling_rows(
    results: list[RunResult], long_ids: set[str], template: float | None = None
) -> list[dict[str, Any]]:
    """Tokens and time per long input; for the pipeline (with ``template``, the extract prompt's
    fixed tokens per call) also its prompt-token budget and whether it stays within it."""
    rows = []
    for r in results:
        if r.input_id in long_ids:
            budget = (
                round(PROMPT_BUDGET_FACTOR * r.article_tokens + r.calls * template)
                if template is not None and r.approach == "pipeline"
                else None
            )
            rows.append(
                {
                    "approach": r.approach,
                    "input": r.input_id,
                    "article_tokens": r.article_tokens,
                    "chunks": r.chunks,
                    "status": r.status,
                    "calls": r.calls,
                    "prompt_tokens": r.prompt_tokens,
                    "completion_tokens": r.completion_tokens,
                    "prompt_per_article_token": round(r.prompt_tokens / r.article_tokens, 3)
                    if r.article_tokens
                    else None,
                    "wall_ms": round(r.wall_ms, 2),
                    "llm_ms": round(r.llm_ms, 2),
                    "prompt_budget": budget,
                    "within_budget": None if budget is None else r.prompt_tokens <= budget,
                }
            )
    return sorted(rows, key=lambda row: (row["approach"], row["article_tokens"]))


_PART = re.compile(rb"Part (\d+) of \d+")


def chunk_bound(calls: list[Call], parallel: int) -> dict[str, float] | None:
    """The shortest LLM time ``parallel`` chunk calls in flight allow: a chunk's passes run one
    after another, so no schedule beats its slowest chunk, nor the calls' total spread over
    ``parallel`` slots. Calls are assigned to chunks by the "Part n of m" of their request."""
    per_chunk: defaultdict[int, float] = defaultdict(float)
    for call in calls:
        m = _PART.search(call.body or b"")
        if m is None:
            return None
        per_chunk[int(m.group(1))] += call.ms
    if not per_chunk:
        return None
    slowest = max(per_chunk.values())
    return {
        "slowest_chunk_ms": round(slowest, 2),
        "bound_ms": round(max(slowest, sum(per_chunk.values()) / parallel), 2),
    }


async def concurrency(settings: Settings, item: BenchInput, parallel: int) -> dict[str, Any]:
    """The pipeline on one multi-chunk input with chunk calls one at a time, then ``parallel``;
    the concurrent run's wall time against the best its calls allow (``chunk_bound``)."""
    out: dict[str, Any] = {"input": item.id, "article_tokens": item.tokens, "parallel": parallel}
    for label, n in (("sequential", 1), ("concurrent", parallel)):
        approach = await PipelineApproach.open(
            settings.model_copy(update={"llm_max_concurrency": n})
        )
        try:
            await approach.run(item)
            approach.meter.capture_bodies = label == "concurrent"
            r = await approach.run(item)
            if label == "concurrent" and (bound := chunk_bound(approach.meter.calls, n)):
                out.update(bound)
                out["wall_over_bound"] = round(r.wall_ms / bound["bound_ms"], 3)
        finally:
            await approach.aclose()
        last = max(approach.meter.calls, key=lambda c: c.end) if approach.meter.calls else None
        out[label] = {
            "wall_ms": round(r.wall_ms, 2),
            "llm_ms": round(r.llm_ms, 2),
            "sum_of_calls_ms": round(r.sequential_llm_ms, 2),
            "calls": r.calls,
            "chunks": r.chunks,
            "last_call_ms": round(last.ms, 2) if last else None,
            "status": r.status,
        }
    seq, con = out["sequential"]["wall_ms"], out["concurrent"]["wall_ms"]
    out["speedup"] = round(seq / con, 2) if con else None
    return out


# --- one real server process ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summarise_cmd() -> list[str]:
    script = Path(sys.executable).parent / "summarise"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from service.cli import app; app()"]


class ServerProcess:
    """``summarise serve`` on a loopback port with a throwaway SQLite database, auth off."""

    def __init__(self, llm_url: str, model: str, workdir: Path, job_concurrency: int = 1) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARISER_")}
        env.update(
            {
                "SUMMARISER_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
                "SUMMARISER_LLM_BASE_URL": llm_url,
                "SUMMARISER_LLM_MODEL": model,
                "SUMMARISER_LLM_MAX_RETRIES": "0",
                "SUMMARISER_REQUIRE_AUTH": "false",
                "SUMMARISER_RATE_LIMIT_PER_MINUTE": "100000000",
                "SUMMARISER_LOG_LEVEL": "WARNING",
                "SUMMARISER_JOB_CONCURRENCY": str(job_concurrency),
            }
        )
        for key in ("SUMMARISER_LLM_CONTEXT_WINDOW", "SUMMARISER_LLM_MAX_CONCURRENCY"):
            if key in os.environ:
                env[key] = os.environ[key]
        self.log = (workdir / "server.log").open("ab")
        self.log_path = workdir / "server.log"
        self.proc = subprocess.Popen(
            [*_summarise_cmd(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=self.log,
        )

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server process has used (None without psutil)."""
        try:
            import psutil
        except ImportError:
            return None
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text()[-2000:])
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server never became ready:\n" + self.log_path.read_text()[-2000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def _body(item: BenchInput, salt: int | None) -> dict[str, Any]:
    text = item.text if salt is None or item.is_html else f"{item.text}\n\n(ref {salt})\n"
    return {"html": text} if item.is_html else {"text": text}


async def _load(
    client: httpx.AsyncClient,
    send: Callable[[httpx.AsyncClient, int], Any],
    count: int,
    workers: int,
) -> tuple[float, list[float], int]:
    """``count`` requests with ``workers`` in flight; (seconds, per-request ms, failures)."""
    queue = iter(range(count))
    latencies: list[float] = []
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for n in queue:
            start = perf_counter()
            ok = await send(client, n)
            latencies.append((perf_counter() - start) * 1000)
            failures += 0 if ok else 1

    start = perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return perf_counter() - start, latencies, failures


def _rate(seconds: float, latencies: list[float], failures: int) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "failures": failures,
        "seconds": round(seconds, 3),
        "per_s": round(len(latencies) / seconds, 1) if seconds else None,
        "p50_ms": round(ordered[len(ordered) // 2], 2) if ordered else None,
        "p95_ms": round(ordered[int(len(ordered) * 0.95)], 2) if ordered else None,
    }


async def server_figures(
    llm_url: str,
    model: str,
    item: BenchInput,
    requests: int,
    workers: int,
    llm_requests: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Requests/s of one server process: sync uncached, sync cached, jobs; cached-repeat cost.

    ``llm_requests`` (the fake model's counter) proves that cached answers made no LLM call.
    """
    with tempfile.TemporaryDirectory(prefix="summarise-bench-") as tmp:
        server = ServerProcess(llm_url, model, Path(tmp))
        try:
            await asyncio.to_thread(server.wait_ready)
            async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
                return await _server_runs(
                    client, item, requests, workers, llm_requests, server.cpu_seconds
                )
        finally:
            server.stop()


async def _server_runs(
    client: httpx.AsyncClient,
    item: BenchInput,
    requests: int,
    workers: int,
    llm_requests: Callable[[], int] | None,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> dict[str, Any]:
    counter = llm_requests or (lambda: -1)
    out: dict[str, Any] = {"input": item.id, "workers": workers, "cpus": os.cpu_count()}

    async def measured(
        send: Callable[[httpx.AsyncClient, int], Any], count: int, in_flight: int
    ) -> dict[str, Any]:
        """``_rate`` of a load, with the server's CPU time per request (robust on a shared
        machine, where wall-clock rates move with the neighbours' load)."""
        before_cpu = server_cpu()
        rate = _rate(*await _load(client, send, count, in_flight))
        after_cpu = server_cpu()
        if before_cpu is not None and after_cpu is not None and count:
            rate["server_cpu_ms"] = round((after_cpu - before_cpu) / count * 1000, 2)
        return rate

    async def sync_uncached(c: httpx.AsyncClient, n: int) -> bool:
        r = await c.post("/v1/summaries", json=_body(item, 10_000 + n))
        return r.status_code == 200

    # warm-up (first request imports and opens everything)
    await sync_uncached(client, -1)
    before = counter()
    out["sync_uncached"] = await measured(sync_uncached, requests, workers)
    out["sync_uncached"]["llm_calls"] = counter() - before if before >= 0 else None

    first = await client.post("/v1/summaries", json=_body(item, None))
    cached_flags: list[str] = []

    async def sync_cached(c: httpx.AsyncClient, n: int) -> bool:
        r = await c.post("/v1/summaries", json=_body(item, None))
        cached_flags.append(r.headers.get("x-summariser-cached", ""))
        return r.status_code == 200

    # one request at a time first: the latency of a repeat, without queueing behind others
    out["sync_cached_serial"] = await measured(sync_cached, requests, 1)
    before = counter()
    out["sync_cached"] = await measured(sync_cached, requests, workers)
    out["sync_cached"]["llm_calls"] = counter() - before if before >= 0 else None
    out["sync_cached"]["all_cached"] = bool(cached_flags) and all(f == "true" for f in cached_flags)
    out["sync_cached"]["first_status"] = first.status_code

    async def job(c: httpx.AsyncClient, n: int) -> bool:
        r = await c.post("/v1/jobs", json=_body(item, 20_000 + n))
        if r.status_code != 202:
            return False
        url = r.headers["location"]
        for _ in range(6000):
            view = (await c.get(url)).json()
            if view.get("status") in ("succeeded", "failed"):
                return bool(view["status"] == "succeeded")
            await asyncio.sleep(0.01)
        return False

    out["jobs_uncached"] = await measured(job, requests, workers)
    return out
