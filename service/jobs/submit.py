"""Accepting work: sync summaries under a deadline, jobs and batches, with idempotency keys."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from service.errors import InputError
from service.jobs.auth import Principal
from service.jobs.context import Services
from service.jobs.egress import check_callback
from service.jobs.errors import (
    BatchTooLargeError,
    DeadlineExceededError,
    IdempotencyConflictError,
    JobNotFoundError,
    WebhookSecretMissingError,
)
from service.jobs.models import BatchRequest, JobRequest, SummaryRequest
from service.jobs.runner import (
    Outcome,
    RunContext,
    canonical_hash,
    run_and_book,
    stored_for_caller,
    validate_article,
)
from service.schema import ArticleInput
from service.store import jobs as job_store
from service.store.records import claim_idempotency_key, find_idempotency_key, record_usage
from service.store.types import BatchRecord, JobRecord


@dataclass
class Caller:
    """Who submits, under which request id and idempotency key."""

    principal: Principal
    request_id: str | None
    idempotency_key: str | None = None


def _article(body: SummaryRequest) -> ArticleInput:
    return ArticleInput.model_validate(body.model_dump(include=set(ArticleInput.model_fields)))


async def _check_key(services: Services, caller: Caller, request_hash: str) -> str | None:
    """The job id stored under the caller's idempotency key (None: first use or no key)."""
    if caller.idempotency_key is None:
        return None
    row = await asyncio.to_thread(
        find_idempotency_key, services.db, caller.principal.owner, caller.idempotency_key
    )
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyConflictError(
            "This Idempotency-Key was used for a different request; use a new key."
        )
    return row.job_id or ""


async def summarise_now(services: Services, body: SummaryRequest, caller: Caller) -> Outcome:
    """Summarise within ``sync_deadline_s``; identical content comes from the store.

    Raises:
        DeadlineExceededError: the deadline passed (the client should use a job instead).
    """
    article = _article(body)
    ctx = RunContext(caller.principal.key_id, caller.request_id, "summaries")
    # A repeat of content this key had summarised: straight from the store (no cleaning).
    stored = None if caller.idempotency_key else await stored_for_caller(services, article, ctx)
    if stored is not None:
        await asyncio.to_thread(record_usage, services.db, stored.usage)
        return stored
    await validate_article(article, services.settings)
    request_hash = canonical_hash({"summaries": body.model_dump(mode="json")})
    if await _check_key(services, caller, request_hash) is None and caller.idempotency_key:
        await asyncio.to_thread(
            claim_idempotency_key,
            services.db,
            caller.principal.owner,
            caller.idempotency_key,
            request_hash,
        )
    deadline = services.settings.sync_deadline_s
    try:
        return await asyncio.wait_for(run_and_book(services, article, ctx), deadline)
    except TimeoutError as exc:
        raise DeadlineExceededError(
            f"The summary took longer than {deadline:g} s (SUMMARISER_SYNC_DEADLINE_S); "
            "submit long articles with POST /v1/jobs.",
            deadline_s=deadline,
        ) from exc


async def _check_callback(services: Services, principal: Principal, callback_url: object) -> None:
    """A ``callback_url`` needs a signing secret and a destination the egress policy allows."""
    if callback_url is None:
        return
    if not principal.webhook_secret:
        raise WebhookSecretMissingError(
            "Webhooks need a signing secret: set SUMMARISER_WEBHOOK_SECRET when auth is off."
        )
    await check_callback(services.egress_policy(), str(callback_url))


async def submit_job(
    services: Services, body: JobRequest, caller: Caller
) -> tuple[JobRecord, bool]:
    """Queue a job, or return the job already queued under the same idempotency key.

    Returns:
        The job and whether it was replayed from an earlier request.
    """
    request_hash = canonical_hash({"jobs": body.model_dump(mode="json")})
    earlier = await _check_key(services, caller, request_hash)
    if earlier:
        job = await asyncio.to_thread(job_store.get_job, services.db, earlier)
        if job is None:
            raise JobNotFoundError(f"Job {earlier} of this idempotency key no longer exists.")
        return job, True
    article = _article(body)
    await validate_article(article, services.settings)
    await _check_callback(services, caller.principal, body.callback_url)
    new = job_store.NewJob(
        article=article.model_dump(mode="json"),
        owner=caller.principal.key_id,
        callback_url=str(body.callback_url) if body.callback_url else None,
        request_id=caller.request_id,
    )
    job = await asyncio.to_thread(job_store.create_job, services.db, new)
    if caller.idempotency_key:
        await asyncio.to_thread(
            claim_idempotency_key,
            services.db,
            caller.principal.owner,
            caller.idempotency_key,
            request_hash,
            job.id,
        )
    await services.dispatcher.dispatch([job.id])
    return job, False


async def submit_batch(
    services: Services, body: BatchRequest, caller: Caller
) -> tuple[BatchRecord, list[JobRecord]]:
    """Validate every item (errors name the item index), then queue one job per item."""
    limit = services.settings.batch_max_items
    if len(body.items) > limit:
        raise BatchTooLargeError(
            f"A batch holds at most {limit} items (SUMMARISER_BATCH_MAX_ITEMS); "
            f"got {len(body.items)}.",
            limit=limit,
        )
    await _check_callback(services, caller.principal, body.callback_url)
    callback = str(body.callback_url) if body.callback_url else None
    items: list[job_store.NewJob] = []
    for index, item in enumerate(body.items):
        article = _article(item)
        try:
            await validate_article(article, services.settings)
        except InputError as exc:
            exc.details["item"] = index
            exc.message = f"items[{index}]: {exc.message}"
            raise
        items.append(
            job_store.NewJob(
                article=article.model_dump(mode="json"),
                owner=caller.principal.key_id,
                callback_url=callback,
                request_id=caller.request_id,
                ref=item.ref,
            )
        )
    batch, jobs = await asyncio.to_thread(
        job_store.create_batch, services.db, caller.principal.key_id, items
    )
    await services.dispatcher.dispatch([job.id for job in jobs])
    return batch, jobs
