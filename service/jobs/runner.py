"""Runs the pipeline for a request or a job: intake validation, content-hash cache, usage."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from dataclasses import dataclass
from typing import Any

import structlog

from service.clean import load_article
from service.config import Settings
from service.errors import SummariserError
from service.jobs.auth import ANONYMOUS
from service.jobs.context import Services
from service.jobs.errors import MissingTextError
from service.llm.base import Usage
from service.pipeline import Progress, ProgressCallback, summarise
from service.schema import ArticleInput, StructuredSummary
from service.store.records import add_result_owner, get_result_for, put_result, record_usage
from service.store.types import UsageEntry

log = structlog.get_logger("service.jobs")

# A summary reused from another key takes as long as its run did, up to this (a job).
MAX_REUSE_PACING_S = 300.0
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
    await asyncio.to_thread(
        load_article, article, settings.max_input_chars, max_html_chars=settings.max_body_bytes
    )


@dataclass
class Outcome:
    """A summary, whether it came from the store rather than the model, and what it cost."""

    summary: StructuredSummary
    cached: bool
    content_hash: str
    usage: UsageEntry


@dataclass
class RunContext:
    """Who asked and where the usage is booked."""

    key_id: str | None
    request_id: str | None
    endpoint: str
    job_id: str | None = None


class RunFailed(SummariserError):
    """Carries the pipeline's error together with the usage it spent (booked by the caller)."""

    def __init__(self, error: SummariserError, usage: UsageEntry) -> None:
        super().__init__(error.message)
        self.error = error
        self.usage = usage


async def run_summary(
    services: Services,
    article: ArticleInput,
    ctx: RunContext,
    progress: ProgressCallback | None = None,
) -> Outcome:
    """Summarise ``article``, or return the stored summary of identical content.

    The usage is returned, not booked, so that a job books it in the same transaction that
    finishes it (exactly once, even when a worker dies and another takes over).

    Raises:
        RunFailed: the pipeline raised a ``SummariserError``; its usage is attached.
    """
    llm = services.llm.get()
    digest = content_hash(article, services.settings, llm.model_name)
    owner = ctx.key_id or ANONYMOUS
    stored, seen = await asyncio.to_thread(get_result_for, services.db, digest, owner)
    if stored is not None:
        services.metrics.cache_hits.inc()
        summary = StructuredSummary.model_validate(stored)
        if seen:  # this key had it before: say so, and it costs nothing
            log.info("summary_cached", content_hash=digest[:12])
            usage = usage_entry(services.settings, ctx, Usage(), cached=True)
            return Outcome(summary, True, digest, usage)
        # Another key's summary of identical content: served and booked as this key's own run
        # (same tokens, progress and pace), so that nothing confirms someone else sent it.
        log.info("summary_reused", content_hash=digest[:12])
        await _pace_like_a_run(summary, progress, _pacing_limit_s(services.settings, ctx))
        await asyncio.to_thread(add_result_owner, services.db, digest, owner)
        meta = summary.meta
        spent = Usage(meta.tokens_in, meta.tokens_out, meta.llm_calls)
        return Outcome(
            summary, False, digest, usage_entry(services.settings, ctx, spent, cached=False)
        )
    try:
        summary = await summarise(article, llm, services.settings, progress)
    except SummariserError as exc:
        failed = exc.details.get("usage")
        usage = usage_entry(
            services.settings, ctx, failed if isinstance(failed, Usage) else Usage(), cached=False
        )
        raise RunFailed(exc, usage) from exc
    meta = summary.meta
    spent = Usage(meta.tokens_in, meta.tokens_out, meta.llm_calls)
    if not meta.partial:
        await asyncio.to_thread(
            put_result, services.db, digest, summary.model_dump(mode="json"), owner
        )
    return Outcome(summary, False, digest, usage_entry(services.settings, ctx, spent, cached=False))


def _pacing_limit_s(settings: Settings, ctx: RunContext) -> float:
    """How long a reused summary may take at most: well inside the sync deadline."""
    if ctx.endpoint == "summaries":
        return 0.8 * settings.sync_deadline_s
    return MAX_REUSE_PACING_S


async def _pace_like_a_run(
    summary: StructuredSummary, progress: ProgressCallback | None, limit_s: float
) -> None:
    """Report the progress a run of this summary reports, spread over its recorded latency."""
    meta = summary.meta
    n = max(1, meta.chunks)
    steps = [
        Progress(0, n, "extract"),
        *(Progress(i, n, "extract") for i in range(1, n + 1)),
        Progress(n, n, "summarise"),
    ]
    pause = min(meta.latency_ms / 1000, limit_s) / len(steps)
    for step in steps:
        if progress is not None:
            reported = progress(step)
            if inspect.isawaitable(reported):
                await reported
        await asyncio.sleep(pause)


async def stored_for_caller(
    services: Services, article: ArticleInput, ctx: RunContext
) -> Outcome | None:
    """The stored summary of identical content that this key had before, or ``None``.

    Looked up before intake validation: the stored summary exists only because identical content
    passed validation and ran, so a repeat is answered without cleaning the article again.
    """
    if article.text is None and article.html is None:
        return None
    digest = content_hash(article, services.settings, services.llm.get().model_name)
    owner = ctx.key_id or ANONYMOUS
    stored, seen = await asyncio.to_thread(get_result_for, services.db, digest, owner)
    if stored is None or not seen:
        return None
    services.metrics.cache_hits.inc()
    log.info("summary_cached", content_hash=digest[:12])
    usage = usage_entry(services.settings, ctx, Usage(), cached=True)
    return Outcome(StructuredSummary.model_validate(stored), True, digest, usage)


async def run_and_book(services: Services, article: ArticleInput, ctx: RunContext) -> Outcome:
    """``run_summary`` for a request: its usage (also of a failure) is booked at once.

    Raises:
        SummariserError: whatever the pipeline raised.
    """
    try:
        outcome = await run_summary(services, article, ctx)
    except RunFailed as failed:
        await asyncio.to_thread(record_usage, services.db, failed.usage)
        raise failed.error from None
    await asyncio.to_thread(record_usage, services.db, outcome.usage)
    return outcome


def cost_estimate(settings: Settings, tokens_in: int, tokens_out: int) -> float:
    """Estimated cost of a run from the configured per-1k-token prices."""
    return round(
        tokens_in / 1000 * settings.cost_per_1k_input_tokens
        + tokens_out / 1000 * settings.cost_per_1k_output_tokens,
        6,
    )


def usage_entry(settings: Settings, ctx: RunContext, usage: Usage, *, cached: bool) -> UsageEntry:
    """The usage record of one run."""
    return UsageEntry(
        api_key_id=ctx.key_id,
        request_id=ctx.request_id,
        job_id=ctx.job_id,
        endpoint=ctx.endpoint,
        llm_calls=usage.calls,
        tokens_in=usage.prompt_tokens,
        tokens_out=usage.completion_tokens,
        cached=cached,
        cost_estimate=cost_estimate(settings, usage.prompt_tokens, usage.completion_tokens),
    )
