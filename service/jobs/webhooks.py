"""Signed webhooks: HMAC-SHA256 over ``<timestamp>.<body>`` with the key's secret, retried with
exponential backoff (tenacity); every attempt is written to the delivery log."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import uuid

import httpx
import structlog
from tenacity import AsyncRetrying, RetryError, stop_after_attempt, wait_exponential

from service.jobs.context import Services
from service.jobs.views import job_view
from service.store import jobs as job_store
from service.store.records import record_delivery, webhook_secret
from service.store.types import DeliveryEntry, JobRecord

log = structlog.get_logger("service.webhooks")
SIGNATURE_HEADER = "X-Summariser-Signature"
TIMESTAMP_HEADER = "X-Summariser-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``v1=`` + hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, tolerance_s: int = 300
) -> bool:
    """Check a webhook as a receiver should: fresh timestamp and constant-time signature match."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


class DeliveryFailed(Exception):
    """One attempt did not get a 2xx answer."""


class WebhookSender:
    """Delivers job webhooks in background tasks."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._tasks: set[asyncio.Task[bool]] = set()

    def schedule(self, job: JobRecord) -> None:
        """Deliver the webhook of a finished job in the background (if it has a callback)."""
        if not job.callback_url or job.webhook_state != "pending":
            return
        task = asyncio.create_task(self.deliver(job), name=f"webhook-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel deliveries in flight (they stay ``pending`` and resume on the next start)."""
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def deliver(self, job: JobRecord) -> bool:
        """POST the job to its callback URL until it answers 2xx or the attempts run out."""
        settings = self.services.settings
        secret = await asyncio.to_thread(self._secret, job)
        event = f"job.{job.status}"
        body = json.dumps({"event": event, "job": job_view(job).model_dump(mode="json")}).encode()
        delivery_id = uuid.uuid4().hex
        with structlog.contextvars.bound_contextvars(job_id=job.id, delivery_id=delivery_id):
            try:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(settings.webhook_max_attempts),
                    wait=wait_exponential(multiplier=settings.webhook_backoff_s, max=300),
                ):
                    with attempt:
                        n = attempt.retry_state.attempt_number
                        await self._attempt(job, secret, event, body, delivery_id, n)
                ok = True
            except RetryError:
                ok = False
            await asyncio.to_thread(
                job_store.set_webhook_state,
                self.services.db,
                job.id,
                "delivered" if ok else "failed",
            )
            log.info("webhook_done", ok=ok)
            return ok

    def _secret(self, job: JobRecord) -> str:
        if job.api_key_id is not None:
            secret = webhook_secret(self.services.db, job.api_key_id)
            if secret is not None:
                return secret
        return self.services.settings.webhook_secret or ""

    async def _attempt(
        self, job: JobRecord, secret: str, event: str, body: bytes, delivery_id: str, n: int
    ) -> None:
        assert job.callback_url is not None
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: sign(secret, ts, body),
            "X-Summariser-Event": event,
            "X-Summariser-Delivery": delivery_id,
            "User-Agent": "summariser-webhooks/1",
        }
        start = time.perf_counter()
        status, error = await self._post(job.callback_url, body, headers)
        row = DeliveryEntry(
            delivery_id=delivery_id,
            job_id=job.id,
            url=job.callback_url,
            event=event,
            attempt=n,
            status_code=status,
            ok=error is None,
            error=error,
            duration_ms=int((time.perf_counter() - start) * 1000),
        )
        await asyncio.to_thread(record_delivery, self.services.db, row)
        self.services.metrics.webhooks.labels(outcome="ok" if error is None else "error").inc()
        if error is not None:
            log.info("webhook_attempt_failed", attempt=n, error=error)
            raise DeliveryFailed(error)

    async def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        """Send one attempt; returns the status code and an error (None on 2xx)."""
        try:
            resp = await self.services.webhook_client().post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        ok = 200 <= resp.status_code < 300
        return resp.status_code, None if ok else f"HTTP {resp.status_code}"
