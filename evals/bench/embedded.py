"""Embedded-model figures (``summarise bench --embedded``): model start, tokens/s through the
service against llama.cpp alone on the same prompt, and prompt-cache reuse across passes.

Reads llama.cpp's own ``timings`` block from its chat-completion responses: ``prompt_n`` is the
prefill actually computed, ``cache_n`` the prompt tokens reused from the slot's cache.
"""

from __future__ import annotations

import json
from time import perf_counter
from typing import Any

import httpx

from evals.bench.approaches import PipelineApproach
from evals.bench.inputs import BenchInput
from service.config import Settings


def _sum(timings: list[dict[str, Any]], key: str) -> float:
    return sum(float(t.get(key) or 0) for t in timings)


async def embedded_figures(settings: Settings, item: BenchInput) -> dict[str, Any]:
    """Run the pipeline once on ``item`` with the embedded model, then its first request alone."""
    from service.llm.local import ensure_local_server

    start = perf_counter()
    base_url = await ensure_local_server(settings)
    model_start_ms = (perf_counter() - start) * 1000
    start = perf_counter()
    await ensure_local_server(settings)
    second_open_ms = (perf_counter() - start) * 1000

    approach = await PipelineApproach.open(settings)
    approach.meter.capture_bodies = True
    try:
        result = await approach.run(item)
    finally:
        await approach.aclose()
    timings = result.timings
    predicted_n, predicted_ms = _sum(timings, "predicted_n"), _sum(timings, "predicted_ms")
    prompt_n, cache_n = _sum(timings, "prompt_n"), _sum(timings, "cache_n")
    service = {
        "status": result.status,
        "calls": result.calls,
        "wall_ms": round(result.wall_ms),
        "llm_ms": round(result.llm_ms),
        "overhead_ms": round(result.overhead_ms, 1),
        "overhead_share": round(result.overhead_ms / result.wall_ms, 4) if result.wall_ms else None,
        "completion_tokens_per_s": round(result.completion_tokens / (result.llm_ms / 1000), 2)
        if result.llm_ms
        else None,
        "llama_decode_tokens_per_s": round(predicted_n / (predicted_ms / 1000), 2)
        if predicted_ms
        else None,
    }
    alone: dict[str, Any] = {}
    first = next((c.body for c in approach.meter.calls if c.body), None)
    if first is not None:
        body = json.loads(first)
        body["cache_prompt"] = False  # compute the whole prefill, as a cold request would
        async with httpx.AsyncClient(timeout=settings.llm_timeout_s) as client:
            start = perf_counter()
            resp = await client.post(base_url.rstrip("/") + "/chat/completions", json=body)
            wall = (perf_counter() - start) * 1000
        data = resp.json()
        t = data.get("timings") or {}
        usage = data.get("usage") or {}
        alone = {
            "request": "the pipeline's first call, resent directly with cache_prompt=false",
            "wall_ms": round(wall),
            "completion_tokens": usage.get("completion_tokens"),
            "completion_tokens_per_s": round(usage.get("completion_tokens", 0) / (wall / 1000), 2)
            if wall
            else None,
            "llama_decode_tokens_per_s": t.get("predicted_per_second"),
            "llama_prefill_tokens_per_s": t.get("prompt_per_second"),
        }
    prompt_cache = {
        "prompt_tokens_reported": result.prompt_tokens,
        "prefill_computed": int(prompt_n),
        "reused_from_cache": int(cache_n),
        "reuse_share": round(cache_n / (cache_n + prompt_n), 4) if cache_n + prompt_n else None,
        "calls_with_timings": len(timings),
    }
    return {
        "model_start_ms": round(model_start_ms, 1),
        "second_open_ms": round(second_open_ms, 1),
        "input": item.id,
        "service": service,
        "llama_alone": alone,
        "prompt_cache": prompt_cache,
    }
