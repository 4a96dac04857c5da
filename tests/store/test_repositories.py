"""Repositories on SQLite and PostgreSQL: keys, the job queue and its recovery, records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.store import Database
from service.store import jobs as job_store
from service.store.keys import create_key, find_key, hash_token, list_keys, revoke_key
from service.store.models import Job
from service.store.records import (
    claim_idempotency_key,
    find_idempotency_key,
    get_result,
    list_deliveries,
    put_result,
    record_delivery,
    record_usage,
    usage_totals,
)
from service.store.types import DeliveryEntry, UsageEntry


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def test_keys_are_stored_hashed(db: Database) -> None:
    key, token = create_key(db, "cms", rate_limit_per_minute=5)
    assert token.startswith("sk_") and len(token) > 40
    assert key.key_hash == hash_token(token) and token not in key.key_hash
    found = find_key(db, token)
    assert found is not None and found.id == key.id and found.rate_limit_per_minute == 5
    assert find_key(db, token + "x") is None
    assert [k.name for k in list_keys(db)] == ["cms"]
    revoked = revoke_key(db, key.key_prefix)
    assert revoked is not None and revoked.revoked_at is not None
    assert find_key(db, token).revoked_at is not None  # type: ignore[union-attr]
    assert revoke_key(db, "nope") is None


def test_claim_is_exclusive_and_ordered(db: Database) -> None:
    first = job_store.create_job(db, job_store.NewJob({"text": "a"}, None))
    second = job_store.create_job(db, job_store.NewJob({"text": "b"}, None))
    claimed = job_store.claim_jobs(db, 1)
    assert [j.id for j in claimed] == [first.id] and claimed[0].status == "running"
    assert claimed[0].attempts == 1
    assert [j.id for j in job_store.claim_jobs(db, 5)] == [second.id]
    assert job_store.claim_jobs(db, 5) == []
    assert job_store.queue_depth(db) == {"queued": 0, "running": 2}


def test_running_jobs_are_requeued_after_a_crash(db: Database) -> None:
    job = job_store.create_job(db, job_store.NewJob({"text": "a"}, None, callback_url="http://x/h"))
    job_store.claim_jobs(db, 1)
    job_store.set_progress(db, job.id, 1, 3, "extract")
    assert job_store.requeue_running(db) == 1
    again = job_store.claim_jobs(db, 1)[0]
    assert again.id == job.id and again.attempts == 2
    done = job_store.finish_job(db, job.id, result={"summary": "s"}, content_hash="h")
    assert done is not None and done.status == "succeeded" and done.finished_at is not None
    assert [j.id for j in job_store.pending_webhooks(db)] == [job.id]
    job_store.set_webhook_state(db, job.id, "delivered")
    assert job_store.pending_webhooks(db) == []


def test_batches_and_ownership(db: Database) -> None:
    key, _ = create_key(db, "cms")
    items = [job_store.NewJob({"text": t}, key.id, ref=t) for t in ("a", "b", "c")]
    batch, jobs = job_store.create_batch(db, key.id, items)
    found = job_store.get_batch(db, batch.id, key.id)
    assert found is not None and [j.ref for j in found[1]] == ["a", "b", "c"]
    assert job_store.get_batch(db, batch.id, "someone-else") is None
    assert job_store.get_job(db, jobs[0].id, "someone-else") is None
    assert job_store.get_job(db, jobs[0].id, key.id) is not None


def test_result_cache_and_idempotency(db: Database) -> None:
    assert get_result(db, "h1") is None
    put_result(db, "h1", {"summary": "one"})
    put_result(db, "h1", {"summary": "two"})  # first writer wins
    assert get_result(db, "h1") == {"summary": "one"}
    row = claim_idempotency_key(db, "k", "idem", "req-hash", "job-1")
    again = claim_idempotency_key(db, "k", "idem", "other-hash")
    assert again.request_hash == row.request_hash == "req-hash" and again.job_id == "job-1"
    assert find_idempotency_key(db, "other-owner", "idem") is None


def test_usage_totals(db: Database) -> None:
    key, _ = create_key(db, "cms")
    record_usage(
        db,
        UsageEntry(
            api_key_id=key.id,
            request_id=None,
            job_id=None,
            endpoint="summaries",
            llm_calls=2,
            tokens_in=100,
            tokens_out=10,
            cost_estimate=0.5,
            cached=False,
        ),
    )
    record_usage(
        db,
        UsageEntry(
            api_key_id=key.id,
            request_id=None,
            job_id=None,
            endpoint="summaries",
            llm_calls=0,
            tokens_in=0,
            tokens_out=0,
            cost_estimate=0.0,
            cached=True,
        ),
    )
    totals = usage_totals(db, key.id)
    assert (totals.requests, totals.llm_calls, totals.tokens_in, totals.cached) == (2, 2, 100, 1)
    assert totals.cost_estimate == pytest.approx(0.5)
    assert usage_totals(db, None).requests == 0


def test_delivery_log(db: Database) -> None:
    key, _ = create_key(db, "cms")
    job = job_store.create_job(db, job_store.NewJob({"text": "a"}, key.id))
    for n in (1, 2):
        record_delivery(
            db,
            DeliveryEntry(
                delivery_id="d",
                job_id=job.id,
                url="http://x",
                event="job.succeeded",
                attempt=n,
                status_code=500,
                ok=False,
                error="HTTP 500",
                duration_ms=3,
            ),
        )
    assert [d.attempt for d in list_deliveries(db, job.id)] == [1, 2]


def test_retry_later_delays_the_next_claim(db: Database) -> None:
    job = job_store.create_job(db, job_store.NewJob({"text": "a"}, None))
    job_store.claim_jobs(db, 1)
    job_store.retry_later(db, job.id, 3600)
    assert job_store.claim_jobs(db, 1) == []
    assert job_store.queue_depth(db)["queued"] == 1
    job_store.retry_later(db, job.id, 0)  # no effect: the job is no longer running
    with db.session() as s:
        s.get(Job, job.id).run_after = None  # type: ignore[union-attr]
    assert [j.id for j in job_store.claim_jobs(db, 1)] == [job.id]
