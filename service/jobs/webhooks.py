"""Signed webhooks in the Standard Webhooks format, resumable across restarts.

Each webhook carries ``webhook-id`` (the same for every attempt, stored with the job),
``webhook-timestamp`` and ``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 of
``"<id>.<timestamp>.<body>"`` keyed with the base64-decoded ``whsec_`` secret), so receivers can
verify with any Standard Webhooks library. The older ``X-Summariser-*`` headers are still sent,
deprecated. Attempts are counted in the job row before they are sent and retried with exponential
backoff up to ``webhook_max_attempts`` in all, restarts included; every attempt is written to the
delivery log. Destinations are checked when sent (``service.jobs.egress``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import httpx
import structlog
from standardwebhooks import Webhook

from service.jobs.context import Services
from service.jobs.egress import DestinationForbidden
from service.jobs.views import job_view
from service.store import jobs as job_store
from service.store.records import record_delivery, webhook_secret
from service.store.types import DeliveryEntry, JobRecord

log = structlog.get_logger("service.webhooks")
# Deprecated (kept for receivers written against them): use webhook-signature instead.
SIGNATURE_HEADER = "X-Summariser-Signature"
TIMESTAMP_HEADER = "X-Summariser-Timestamp"
MAX_BACKOFF_S = 300.0
NO_RESPONSE = "no_response"  # one word for refused, reset, timed out...: the log is no port scanner


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Deprecated ``X-Summariser-Signature``: ``v1=`` + hex HMAC-SHA256 of ``"<ts>." + body``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, tolerance_s: int = 300
) -> bool:
    """Check a deprecated-style webhook: fresh timestamp and constant-time signature match."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def signing_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: its base64 payload, decoded.

    Secrets are standard base64; those of keys created before the Standard Webhooks headers use
    the URL-safe alphabet, read here as the same bytes (give a library that secret with ``-`` and
    ``_`` replaced by ``+`` and ``/``). Anything else is used as it is.
    """
    payload = secret.removeprefix("whsec_")
    standard = payload.replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    return key or secret.encode()


def standard_headers(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` of one attempt."""
    signature = Webhook(signing_key(secret)).sign(
        webhook_id, datetime.fromtimestamp(timestamp, UTC), body.decode()
    )
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def backoff_s(base_s: float, attempt: int) -> float:
    """The pause before attempt ``attempt`` (2, 3, ...): ``base_s`` doubled each time, capped."""
    return min(MAX_BACKOFF_S, base_s * 2 ** (attempt - 2)) if attempt > 1 else 0.0


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
        """POST the job to its callback URL until it answers 2xx or the attempts run out.

        Resumes where an earlier run (before a restart) stopped: the attempt count and the
        webhook id come from the job row.
        """
        settings = self.services.settings
        db = self.services.db
        secret = await asyncio.to_thread(self._secret, job)
        event = f"job.{job.status}"
        body = json.dumps({"event": event, "job": job_view(job).model_dump(mode="json")}).encode()
        done = job.webhook_attempts
        with structlog.contextvars.bound_contextvars(job_id=job.id, webhook_id=job.webhook_id):
            outcome = "failed"
            while True:
                await asyncio.sleep(backoff_s(settings.webhook_backoff_s, done + 1))
                claimed = await asyncio.to_thread(
                    job_store.begin_webhook_attempt, db, job.id, settings.webhook_max_attempts
                )
                if claimed is None:  # delivered or given up elsewhere, or no attempts left
                    current = await asyncio.to_thread(job_store.get_job, db, job.id)
                    if current is None or current.webhook_state != "pending":
                        return current is not None and current.webhook_state == "delivered"
                    break
                webhook_id, done = claimed
                result = await self._attempt(job, secret, event, body, webhook_id, done)
                if result in ("delivered", "forbidden"):
                    outcome = "delivered" if result == "delivered" else "failed"
                    break
                if done >= settings.webhook_max_attempts:
                    break
            await asyncio.to_thread(job_store.set_webhook_state, db, job.id, outcome)
            log.info("webhook_done", ok=outcome == "delivered", attempts=done)
            return outcome == "delivered"

    def _secret(self, job: JobRecord) -> str:
        if job.api_key_id is not None:
            secret = webhook_secret(self.services.db, job.api_key_id)
            if secret is not None:
                return secret
        return self.services.settings.webhook_secret or ""

    async def _attempt(
        self, job: JobRecord, secret: str, event: str, body: bytes, webhook_id: str, n: int
    ) -> str:
        """Send attempt ``n``; returns ``delivered``, ``failed`` (retry) or ``forbidden``."""
        assert job.callback_url is not None
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json",
            **standard_headers(secret, webhook_id, ts, body),
            TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: sign(secret, ts, body),
            "X-Summariser-Event": event,
            "X-Summariser-Delivery": webhook_id,
            "User-Agent": "summariser-webhooks/2",
        }
        start = time.perf_counter()
        status, error, forbidden = await self._post(job.callback_url, body, headers)
        row = DeliveryEntry(
            delivery_id=webhook_id,
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
        if error is None:
            return "delivered"
        log.info("webhook_attempt_failed", attempt=n, error=error)
        return "forbidden" if forbidden else "failed"

    async def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None, bool]:
        """Send one attempt; returns the status code, an error (None on 2xx) and whether the
        destination was refused.

        Only the status line and headers of the answer are read (never its body), within
        ``webhook_timeout_s`` for the whole attempt. Network failures of every kind are
        reported alike (``no_response``), so the log cannot tell open from closed ports.
        """
        client = self.services.webhook_client()
        try:
            async with asyncio.timeout(self.services.settings.webhook_timeout_s):
                async with client.stream("POST", url, content=body, headers=headers) as resp:
                    status = resp.status_code
        except DestinationForbidden as exc:
            return None, f"destination_forbidden: {exc}", True
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            log.info("webhook_no_response", error_type=type(exc).__name__)
            return None, NO_RESPONSE, False
        if 200 <= status < 300:
            return status, None, False
        return status, f"HTTP {status}", False
