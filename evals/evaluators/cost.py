"""Cost and speed: tokens, LLM calls and latency, from the output's ``meta``."""

from __future__ import annotations

from pydantic import BaseModel

from evals.evaluators.base import EvalContext


class CostResult(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    llm_calls: int
    latency_ms: int | None
    partial: bool


class CostEvaluator:
    """Reads ``meta``; latency measured (or replayed) by the harness wins over ``meta``'s own."""

    name = "cost"

    def evaluate(self, ctx: EvalContext) -> CostResult:
        meta = ctx.view.meta
        if meta is None:
            return CostResult(
                prompt_tokens=0,
                completion_tokens=0,
                total_tokens=0,
                llm_calls=0,
                latency_ms=ctx.latency_ms,
                partial=False,
            )
        latency = ctx.latency_ms if ctx.latency_ms is not None else meta.latency_ms
        return CostResult(
            prompt_tokens=meta.tokens_in,
            completion_tokens=meta.tokens_out,
            total_tokens=meta.tokens_in + meta.tokens_out,
            llm_calls=meta.llm_calls,
            latency_ms=latency,
            partial=meta.partial,
        )
