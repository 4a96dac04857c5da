"""Wires the stages: clean → chunk → extract (map) → ground → merge (reduce) → summarise.

No HTTP, no SDK imports: the model is reached only through the ``LLM`` protocol.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import py3langid

from service import merge
from service.chunk import Chunk, chunk_text
from service.clean import CleanDocument, Span, load_article
from service.config import Settings
from service.errors import ContextOverflowError, ProviderError
from service.extract import ChunkExtraction, SummaryReply, pass_schema
from service.items import Found, ground_chunk
from service.llm.base import LLM, Message, Usage
from service.plausible import focus_text
from service.prompts import Pass, PromptTemplate, load_prompt
from service.schema import (
    ArticleInput,
    FailedRange,
    Meta,
    StructuredSummary,
)
from service.summary import collect_facts, ground_sentences, render_facts
from service.tokens import count_tokens

# Local tokenizers count differently from cl100k: budget prompts with this margin.
TOKEN_MARGIN = 1.25
SUMMARY_MAX_TOKENS = 400


@dataclass
class Progress:
    chunks_done: int
    chunks_total: int
    stage: str  # "extract" | "summarise" | "done"


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


def chunk_sizes(settings: Settings, article: ArticleInput, context_window: int) -> tuple[int, int]:
    """Chunk size and overlap: request options, then settings, then derived from the window."""
    size = (
        article.options.chunk_tokens
        or settings.chunk_tokens
        or min(3000, max(400, context_window // 5))
    )
    overlap = article.options.chunk_overlap
    if overlap is None:
        overlap = settings.chunk_overlap if settings.chunk_overlap is not None else size // 10
    return size, overlap


def check_fit(messages: list[Message], max_tokens: int, context_window: int, what: str) -> None:
    """Fail before calling when the prompt plus reserved output cannot fit the context."""
    prompt = sum(count_tokens(m["content"]) + 8 for m in messages)
    need = int(prompt * TOKEN_MARGIN) + max_tokens
    if need > context_window:
        raise ContextOverflowError(
            f"The {what} prompt needs about {need} tokens ({prompt} prompt × {TOKEN_MARGIN} margin + "
            f"{max_tokens} reserved for output) but the model's context is {context_window}. "
            "Lower chunk_tokens or raise the context window.",
            need=need,
            context_window=context_window,
        )


async def _notify(progress: ProgressCallback | None, value: Progress) -> None:
    if progress is not None:
        result = progress(value)
        if inspect.isawaitable(result):
            await result


async def summarise(
    article: ArticleInput,
    llm: LLM,
    settings: Settings,
    progress: ProgressCallback | None = None,
) -> StructuredSummary:
    """Turn one article into a grounded structured summary.

    Raises:
        InputError: the article is empty, binary, oversize or otherwise unusable.
        ContextOverflowError: a prompt cannot fit the model's context.
        ProviderError: every chunk failed (a partial failure is reported in ``meta`` instead).
    """
    started = time.monotonic()
    doc = load_article(article, settings.max_input_chars)
    extract_prompt = load_prompt(settings.prompts_dir, settings.extract_prompt)
    summary_prompt = load_prompt(settings.prompts_dir, settings.summary_prompt)
    size, overlap = chunk_sizes(settings, article, llm.context_window)
    chunks = chunk_text(doc.source_text, doc.body, count_tokens, size, overlap)
    usage = Usage()
    failed: list[tuple[Chunk | None, ProviderError]] = []
    done = 0
    semaphore = asyncio.Semaphore(settings.llm_max_concurrency)
    title = doc.title or ""

    async def run(chunk: Chunk) -> Found | None:
        nonlocal done
        async with semaphore:
            try:
                return await _extract(
                    chunk, len(chunks), doc, title, extract_prompt, llm, settings, usage, article
                )
            except ProviderError as exc:
                usage.add(exc.details.get("usage") or Usage())  # type: ignore[arg-type]
                failed.append((chunk, exc))
                return None
            finally:
                done += 1
                await _notify(progress, Progress(done, len(chunks), "extract"))

    await _notify(progress, Progress(0, len(chunks), "extract"))
    found = [f for f in await asyncio.gather(*(run(c) for c in chunks)) if f is not None]
    if chunks and not found:
        raise failed[0][1]
    result = _reduce(found, doc, article, llm, settings, len(chunks))
    await _notify(progress, Progress(len(chunks), len(chunks), "summarise"))
    await _summarise_prose(result, doc, summary_prompt, llm, settings, usage, failed)
    result.meta = _meta(result.meta, usage, failed, started, doc.body)
    await _notify(progress, Progress(len(chunks), len(chunks), "done"))
    return result


async def _extract(
    chunk: Chunk,
    total: int,
    doc: CleanDocument,
    title: str,
    prompt: PromptTemplate,
    llm: LLM,
    settings: Settings,
    usage: Usage,
    article: ArticleInput,
) -> Found:
    variables = {
        "title": title or "(none)",
        "part": f"{chunk.index + 1} of {total}",
        "article": doc.prompt_text(chunk.context.start, chunk.context.end),
    }
    reply = ChunkExtraction()
    steps = prompt.passes or [
        Pass(name="all", fields=list(ChunkExtraction.model_fields), instruction="")
    ]
    for step in steps:
        text = focus_text(variables["article"], step.focus)
        if not text.strip():
            continue  # nothing in this chunk can state this kind of item: no call
        step_vars = {**variables, "article": text}
        messages = (
            prompt.render_pass(step, **step_vars) if prompt.passes else prompt.render(**step_vars)
        )
        check_fit(
            messages,
            settings.llm_max_output_tokens,
            llm.context_window,
            f"{prompt.ref}/{step.name}",
        )
        schema = pass_schema(tuple(step.fields))
        part = await llm.complete(
            messages, schema, max_tokens=settings.llm_max_output_tokens, name=f"extract_{step.name}"
        )
        usage.add(part.usage)
        reply = reply.model_copy(update=dict(part.value))
    return ground_chunk(reply, chunk, doc, keep_ungrounded=article.options.keep_ungrounded)


def _reduce(
    found: list[Found],
    doc: CleanDocument,
    article: ArticleInput,
    llm: LLM,
    settings: Settings,
    n_chunks: int,
) -> StructuredSummary:
    body = doc.visible(doc.body.start, doc.body.end)
    language = article.language or str(py3langid.classify(body[:5000])[0])
    return StructuredSummary(
        summary="",
        participants=merge.merge_participants([p for f in found for p in f.participants]),
        agreements=merge.merge_agreements([a for f in found for a in f.agreements]),
        topics=merge.merge_topics(t for f in found for t in f.topics),
        geopolitical_notes=merge.merge_notes([n for f in found for n in f.notes]),
        event=merge.merge_events(f.event for f in found),
        language=language,
        source_text=doc.source_text if doc.input_format == "html" else None,
        meta=Meta(
            model=llm.model_name,
            prompt_versions={
                "extract": settings.extract_prompt,
                "summarise": settings.summary_prompt,
            },
            chunks=n_chunks,
            ungrounded_dropped=sum(f.ungrounded for f in found),
            dropped_spans=doc.excluded,
            input_format=doc.input_format,
        ),
    )


async def _summarise_prose(
    result: StructuredSummary,
    doc: CleanDocument,
    prompt: PromptTemplate,
    llm: LLM,
    settings: Settings,
    usage: Usage,
    failed: list[tuple[Chunk | None, ProviderError]],
) -> None:
    facts = collect_facts(
        doc,
        result.event,
        result.participants,
        result.agreements,
        result.geopolitical_notes,
        result.topics,
    )
    messages = prompt.render(
        title=doc.title or "(none)", language=result.language, facts=render_facts(facts)
    )
    check_fit(messages, SUMMARY_MAX_TOKENS, llm.context_window, prompt.ref)
    try:
        reply = await llm.complete(
            messages, SummaryReply, max_tokens=SUMMARY_MAX_TOKENS, name="summary"
        )
    except ProviderError as exc:
        usage.add(exc.details.get("usage") or Usage())  # type: ignore[arg-type]
        failed.append((None, exc))
        return
    usage.add(reply.usage)
    sentences, dropped = ground_sentences(
        [(s.text, s.facts) for s in reply.value.sentences], facts, doc
    )
    result.summary_sentences = sentences
    result.summary = " ".join(s.text for s in sentences)
    result.meta.ungrounded_dropped += dropped


def _meta(
    meta: Meta,
    usage: Usage,
    failed: list[tuple[Chunk | None, ProviderError]],
    started: float,
    body: Span,
) -> Meta:
    ranges = [
        FailedRange(
            start=c.owned.start if c else body.start,
            end=c.owned.end if c else body.end,
            error=f"{'' if c else 'summary: '}{e.code}: {e.message}",
        )
        for c, e in failed
    ]
    return meta.model_copy(
        update={
            "llm_calls": usage.calls,
            "retries": usage.repairs,
            "tokens_in": usage.prompt_tokens,
            "tokens_out": usage.completion_tokens,
            "latency_ms": int((time.monotonic() - started) * 1000),
            "partial": bool(failed),
            "failed_ranges": ranges,
        }
    )
