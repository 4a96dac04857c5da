"""Runs the pipeline for the API: intake validation, content-hash cache, usage accounting."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import structlog

from service.api.errors import MissingTextError
from service.api.state import AppState
from service.clean import load_article
from service.config import Settings
from service.errors import SummariserError
from service.llm.base import Usage
from service.pipeline import ProgressCallback, summarise
from service.schema import ArticleInput, StructuredSummary
from service.store.models import UsageRecord
from service.store.records import get_result, put_result, record_usage

log = structlog.get_logger("service.api")

# Article fields that can change the summary; ``url`` is only a label and is left out.
_HASHED_FIELDS = ("text", "html", "title", "published_at", "language", "options")


def canonical_hash(payload: Any) -> str:
    """SHA-256 of the canonical JSON form of ``payload``."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def content_hash(article: ArticleInput, settings: Settings, model: str) -> str:
    """The cache key of a summary: article content + options + prompt versions + model."""
    data = article.model_dump(mode="json", include=set(_HASHED_FIELDS))
    prompts = {"extract": settings.extract_prompt, "summary": settings.summary_prompt}
    return canonical_hash({"article": data, "prompts": prompts, "model": model})


async def validate_article(article: ArticleInput, settings: Settings) -> None:
    """Raise the ``InputError`` the pipeline would raise, before any work is accepted."""
    if article.text is None and article.html is None:
        raise MissingTextError("Send the article as 'text' (plain text) or 'html'.")
    await asyncio.to_thread(load_article, article, settings.max_input_chars)


@dataclass
class Outcome:
    """A summary and whether it came from the store rather than the model."""

    summary: StructuredSummary
    cached: bool
    content_hash: str


@dataclass
class RunContext:
    """Who asked and where the usage is booked."""

    key_id: str | None
    request_id: str | None
    endpoint: str
    job_id: str | None = None


async def run_summary(
    state: AppState,
    article: ArticleInput,
    ctx: RunContext,
    progress: ProgressCallback | None = None,
) -> Outcome:
    """Summarise ``article``, or return the stored summary of identical content.

    Usage is recorded for every run, cached and failed ones included.

    Raises:
        SummariserError: whatever the pipeline raised (after recording its usage).
    """
    llm = state.llm.get()
    digest = content_hash(article, state.settings, llm.model_name)
    stored = await asyncio.to_thread(get_result, state.db, digest)
    if stored is not None:
        state.metrics.cache_hits.inc()
        await _book(state, ctx, Usage(), cached=True)
        log.info("summary_cached", content_hash=digest[:12])
        return Outcome(StructuredSummary.model_validate(stored), True, digest)
    try:
        summary = await summarise(article, llm, state.settings, progress)
    except SummariserError as exc:
        spent = exc.details.get("usage")
        await _book(state, ctx, spent if isinstance(spent, Usage) else Usage(), cached=False)
        raise
    meta = summary.meta
    await _book(state, ctx, Usage(meta.tokens_in, meta.tokens_out, meta.llm_calls), cached=False)
    if not meta.partial:
        await asyncio.to_thread(put_result, state.db, digest, summary.model_dump(mode="json"))
    return Outcome(summary, False, digest)


def cost_estimate(settings: Settings, tokens_in: int, tokens_out: int) -> float:
    """Estimated cost of a run from the configured per-1k-token prices."""
    return round(
        tokens_in / 1000 * settings.cost_per_1k_input_tokens
        + tokens_out / 1000 * settings.cost_per_1k_output_tokens,
        6,
    )


async def _book(state: AppState, ctx: RunContext, usage: Usage, *, cached: bool) -> None:
    record = UsageRecord(
        api_key_id=ctx.key_id,
        request_id=ctx.request_id,
        job_id=ctx.job_id,
        endpoint=ctx.endpoint,
        llm_calls=usage.calls,
        tokens_in=usage.prompt_tokens,
        tokens_out=usage.completion_tokens,
        cached=cached,
        cost_estimate=cost_estimate(state.settings, usage.prompt_tokens, usage.completion_tokens),
    )
    await asyncio.to_thread(record_usage, state.db, record)
