"""Retries, deadlines and a circuit breaker for calls to an LLM endpoint.

- ``CallPolicy``: how often and how long one logical model request may try (HTTP retries with
  jittered exponential backoff that honours ``Retry-After``; a per-call timeout; a deadline for
  the whole request, retries and repair re-asks included).
- ``Breaker``: a ``pybreaker`` circuit breaker per endpoint. After ``fail_max`` failed HTTP
  attempts in a row (5xx, timeouts, resets; not 4xx, not rate limits, not invalid output) it
  opens: every call fails at once with ``CircuitOpenError`` (503 with ``Retry-After`` in the
  API; a job waits) until ``reset_s`` has passed, then one trial call decides.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pybreaker
from tenacity import RetryCallState, wait_random_exponential
from tenacity.wait import wait_base

from service.errors import CircuitOpenError, ProviderUnavailableError


@dataclass(frozen=True)
class CallPolicy:
    """Bounds of one model request (see ``Settings.llm_*``)."""

    max_retries: int = 2
    timeout_s: float = 600.0
    deadline_s: float = 900.0
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0

    @classmethod
    def from_settings(cls, settings: Any) -> CallPolicy:
        return cls(
            max_retries=settings.llm_max_retries,
            timeout_s=settings.llm_timeout_s,
            deadline_s=settings.llm_deadline_s,
            backoff_base_s=settings.llm_backoff_base_s,
            backoff_max_s=settings.llm_backoff_max_s,
        )


def retry_after_seconds(headers: Any, now: float | None = None) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, then ``Retry-After`` (seconds or date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def is_transient(exc: BaseException) -> bool:
    """Worth another HTTP attempt: unreachable, timed out, 5xx or 429 — never an open circuit."""
    return isinstance(exc, ProviderUnavailableError) and not isinstance(exc, CircuitOpenError)


class wait_retry_after(wait_base):
    """The provider's ``Retry-After`` when it sent one, else jittered exponential backoff."""

    def __init__(self, base_s: float, max_s: float) -> None:
        self._backoff = wait_random_exponential(multiplier=base_s, max=max_s)

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        hint = (
            exc.details.get("retry_after_s") if isinstance(exc, ProviderUnavailableError) else None
        )
        if isinstance(hint, (int, float)):
            return float(hint)
        return float(self._backoff(retry_state))


def counts_as_failure(exc: BaseException) -> bool:
    """What trips the breaker: the endpoint is down or broken (not a 4xx, not a rate limit)."""
    if not isinstance(exc, ProviderUnavailableError) or isinstance(exc, CircuitOpenError):
        return False
    return exc.details.get("status") != 429


class _OpenedAt(pybreaker.CircuitBreakerListener):
    def __init__(self) -> None:
        self.at: float | None = None

    def state_change(self, cb: Any, old_state: Any, new_state: Any) -> None:
        self.at = time.monotonic() if new_state.name == pybreaker.STATE_OPEN else None


class Breaker:
    """A circuit breaker around the HTTP attempts to one endpoint (per process)."""

    def __init__(self, name: str, fail_max: int = 5, reset_s: float = 30.0) -> None:
        self.name = name
        self.reset_s = reset_s
        self._opened = _OpenedAt()
        self._cb = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_s,
            exclude=[lambda exc: not counts_as_failure(exc)],
            listeners=[self._opened],
            throw_new_error_on_trip=False,  # the call that trips it reports its own error
            name=name,
        )

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        return str(self._cb.current_state)

    def retry_after(self) -> int:
        """Whole seconds until a trial call is let through (at least 1)."""
        if self._opened.at is None:
            return 1
        left = self.reset_s - (time.monotonic() - self._opened.at)
        return max(1, int(left + 0.999))

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Run the block as one attempt; raise ``CircuitOpenError`` at once while open."""
        try:
            with self._cb.calling():
                yield
        except pybreaker.CircuitBreakerError as exc:
            wait = self.retry_after()
            raise CircuitOpenError(
                f"The LLM endpoint failed repeatedly; calls are paused for {wait} s "
                "(circuit breaker open).",
                retry_after=wait,
                endpoint=self.name,
            ) from exc
