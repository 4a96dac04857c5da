"""Wires the stages: clean → chunk → extract (map) → ground → merge (reduce) → summary.

No HTTP, no SDK imports: the model is reached only through the ``LLM`` protocol. Each chunk is
shown as numbered sentences (the same prefix for every question about it, so the model server
prefills it once); the model answers with sentence numbers and the code quotes.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import py3langid

from service import merge
from service.candidates import (
    Mention,
    Term,
    analyse,
    item_labels,
    key_terms,
    named_meeting,
    titles,
)
from service.chunk import Chunk, chunk_text
from service.clean import CleanDocument, load_article
from service.config import Settings
from service.errors import ContextOverflowError, PromptError, ProviderError
from service.extract import ChunkExtraction, pass_schema
from service.ground import (
    Found,
    Numbered,
    context_classes,
    ground_chunk,
    number_sentences,
    render_numbered,
    stand_ins,
)
from service.llm.base import LLM, Message, Usage
from service.prompts import PromptTemplate, load_prompt
from service.schema import ArticleInput, Event, FailedRange, Meta, StructuredSummary
from service.summary import extractive_summary
from service.tokens import count_tokens

# Local tokenizers count differently from cl100k: budget prompts with this margin.
TOKEN_MARGIN = 1.25
SUMMARY_MODES = ("extractive",)
HINT_TERMS = 16  # the article's recurring key terms the prompt may name
TOPIC_TERMS = 64  # key terms kept for the topics, rare single words among them


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


# A chunk's passes repeat its system and article messages: each is counted once.
_message_tokens = lru_cache(maxsize=64)(count_tokens)


def check_fit(messages: list[Message], max_tokens: int, context_window: int, what: str) -> None:
    """Fail before calling when the prompt plus reserved output cannot fit the context."""
    prompt = sum(_message_tokens(m["content"]) + 8 for m in messages)
    need = int(prompt * TOKEN_MARGIN) + max_tokens
    if need > context_window:
        raise ContextOverflowError(
            f"The {what} prompt needs about {need} tokens "
            f"({prompt} prompt × {TOKEN_MARGIN} margin + "
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
        PromptError: the configured prompt cannot be used.
        ContextOverflowError: a prompt cannot fit the model's context.
        ProviderError: every chunk failed (a partial failure is reported in ``meta`` instead).
    """
    started = time.monotonic()
    prompt = load_prompt(settings.prompts_dir, settings.extract_prompt)
    if prompt.protocol != "point":
        raise PromptError(
            f"{prompt.ref} uses the retired quote protocol; use extract@4 or later "
            "(its recorded scores are in evals/baselines/)."
        )
    if settings.summary_prompt not in SUMMARY_MODES:
        raise PromptError(
            f"Summary mode {settings.summary_prompt!r} is not one of {SUMMARY_MODES}."
        )
    doc = load_article(article, settings.max_input_chars)
    doc.language = article.language or _language(doc)
    # Sentence splitting and name finding are CPU work (spaCy): keep the event loop free.
    mentions, terms = await asyncio.to_thread(_prepare, doc)
    size, overlap = chunk_sizes(settings, article, llm.context_window)
    cuts = [s.span.start for s in doc.sentences]
    chunks = chunk_text(doc.source_text, doc.body, count_tokens, size, overlap, cuts)
    usage = Usage()
    failed: list[tuple[Chunk, ProviderError]] = []
    done = 0
    semaphore = asyncio.Semaphore(settings.llm_max_concurrency)

    async def run(chunk: Chunk) -> Found | None:
        nonlocal done
        async with semaphore:
            try:
                return await _extract(
                    chunk,
                    len(chunks),
                    doc,
                    mentions,
                    prompt,
                    llm,
                    settings,
                    usage,
                    article,
                    terms.hints,
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
    await _notify(progress, Progress(len(chunks), len(chunks), "summarise"))
    result = _reduce(found, doc, llm, settings, len(chunks), terms)
    result.meta = _meta(result.meta, usage, failed, started)
    await _notify(progress, Progress(len(chunks), len(chunks), "done"))
    return result


def _language(doc: CleanDocument) -> str:
    return str(py3langid.classify(doc.view.text[:5000])[0])


def _prepare(doc: CleanDocument) -> tuple[list[Mention], Terms]:
    doc.sentences  # noqa: B018 - computed once here, off the event loop
    mentions, tags = analyse(doc.view, doc.language, doc.source_text)
    # The prompt's hints are the article's recurring key terms as found in every language (no
    # tagger), so a prompt reads the same whether or not a tagger exists for the language; the
    # topic candidates use the tagger where there is one (a noun and its modifiers, not a verb).
    hints = key_terms(doc.view.text, doc.language, limit=HINT_TERMS)
    topics = key_terms(doc.view.text, doc.language, limit=TOPIC_TERMS, rare_singles=True, tags=tags)
    return mentions, Terms(hints=hints, topics=topics, labels=item_labels(doc.view.text))


@dataclass(frozen=True)
class Terms:
    """Key terms found by code: recurring ones the prompt names (``hints``), the candidates that
    complete the model's topics (``topics``) and the labels of the article's labelled lists, which
    come first among those (``labels``: the article names those subjects itself)."""

    hints: Sequence[Term] = ()
    topics: Sequence[Term] = ()
    labels: Sequence[str] = ()


def _hints(
    numbered: Numbered, mentions: list[Mention], terms: Sequence[Term] = (), language: str = "en"
) -> dict[str, str]:
    """Candidates found by code, named in the questions (after the shared prefix). The context
    candidates are the sentences the notes check accepts: cue words of the article's language
    and English (another language's cue is a false friend: Portuguese "energ-", "conden-")."""
    names: dict[str, list[int]] = {}
    ordered = sorted(mentions, key=lambda m: m.span.start)
    starts = [m.span.start for m in ordered]
    for n, s in enumerate(numbered.items, start=1):
        # the document's mentions that start in this sentence (not a scan of all of them)
        for m in ordered[bisect_left(starts, s.span.start) : bisect_left(starts, s.span.end)]:
            names.setdefault(m.text, []).append(n)
        for t in titles(s.text):
            names.setdefault(t, []).append(n)
    context = [
        str(n) for n, s in enumerate(numbered.items, start=1) if context_classes(s.text, language)
    ]
    return {
        "people": "; ".join(
            f"{k} [{', '.join(map(str, v[:3]))}]" for k, v in list(names.items())[:30]
        )
        or "none found",
        "context_hints": ", ".join(context[:20]) or "none found",
        "terms": ", ".join(_chunk_terms(numbered, terms)) or "none found",
    }


def _chunk_terms(numbered: Numbered, terms: Sequence[Term], limit: int = 12) -> list[str]:
    """The article's recurring key terms that this chunk writes, most salient first."""
    text = " ".join(s.text for s in numbered.items).casefold()
    return [t.text for t in terms if any(f in text for f in t.forms)][:limit]


async def _extract(
    chunk: Chunk,
    total: int,
    doc: CleanDocument,
    mentions: list[Mention],
    prompt: PromptTemplate,
    llm: LLM,
    settings: Settings,
    usage: Usage,
    article: ArticleInput,
    terms: Sequence[Term] = (),
) -> Found:
    numbered = number_sentences(doc, chunk)
    if not numbered.items:
        return Found()
    variables = {
        "title": doc.title or "(none)",
        "part": f"{chunk.index + 1} of {total}",
        "article": render_numbered(numbered),
    }
    hints = _hints(numbered, mentions, terms, doc.language)
    reply = ChunkExtraction()
    for step in prompt.passes:
        messages = prompt.render_pass(step, extra=hints, **variables)
        max_tokens = min(
            step.max_tokens or settings.llm_max_output_tokens, settings.llm_max_output_tokens
        )
        check_fit(messages, max_tokens, llm.context_window, f"{prompt.ref}/{step.name}")
        part = await llm.complete(
            messages,
            pass_schema(tuple(step.fields)),
            max_tokens=max_tokens,
            name=f"extract_{step.name}",
        )
        usage.add(part.usage)
        reply = reply.model_copy(update=dict(part.value))
    return ground_chunk(
        reply, numbered, doc, mentions, keep_ungrounded=article.options.keep_ungrounded
    )


def _named_event(event: Event | None, doc: CleanDocument) -> Event | None:
    """The event, named by the meeting the article names most often when the model gave no name
    or a generic one ("meeting", "high-level forum": fewer than two capitalised words)."""
    if event is not None and event.name and sum(w[:1].isupper() for w in event.name.split()) >= 2:
        return event
    name = named_meeting(doc.view.text, doc.language)
    if name is None:
        return event
    if event is None:
        return Event(name=name)
    return event.model_copy(update={"name": name})


def _reduce(
    found: list[Found],
    doc: CleanDocument,
    llm: LLM,
    settings: Settings,
    n_chunks: int,
    terms: Terms = Terms(),
) -> StructuredSummary:
    drops: Counter[str] = Counter()
    for f in found:
        drops.update(f.drops)
    sentences = extractive_summary([f.summary for f in found], doc)
    participants, redundant = stand_ins(
        merge.merge_participants(
            [p for f in found for p in f.participants] + [p for f in found for p in f.titled]
        )
    )
    if redundant:
        drops["side_already_named"] += redundant
    return StructuredSummary(
        summary=" ".join(s.text for s in sentences),
        summary_sentences=sentences,
        participants=participants,
        agreements=merge.merge_agreements(
            [a for f in found for a in f.agreements] + [a for f in found for a in f.stated],
            doc.language,
        ),
        topics=merge.merge_topics(
            (t for f in found for t in f.topics),
            extra=[*terms.labels, *(t.text for t in terms.topics)],
        ),
        geopolitical_notes=merge.merge_notes([n for f in found for n in f.notes]),
        event=_named_event(merge.merge_events(f.event for f in found), doc),
        language=doc.language,
        source_text=doc.source_text if doc.input_format == "html" else None,
        meta=Meta(
            model=llm.model_name,
            prompt_versions={
                "extract": settings.extract_prompt,
                "summarise": settings.summary_prompt,
            },
            chunks=n_chunks,
            ungrounded_dropped=sum(drops.values()),
            dropped_items=dict(sorted(drops.items())),
            dropped_spans=doc.excluded,
            input_format=doc.input_format,
        ),
    )


def _meta(
    meta: Meta,
    usage: Usage,
    failed: list[tuple[Chunk, ProviderError]],
    started: float,
) -> Meta:
    ranges = [
        FailedRange(start=c.owned.start, end=c.owned.end, error=f"{e.code}: {e.message}")
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
