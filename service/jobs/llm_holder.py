"""Opens the model in the background so the server answers (healthz, 503s) while it loads."""

from __future__ import annotations

import asyncio

import structlog

from service.config import Settings
from service.errors import ConfigError, ProviderUnavailableError, SummariserError
from service.jobs.metrics import MeteredLLM, Metrics
from service.llm.base import LLM

log = structlog.get_logger("service.api")


class LLMHolder:
    """The service's one model: given (tests) or opened with ``open_llm`` at startup."""

    def __init__(self, settings: Settings, metrics: Metrics, llm: LLM | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.given = llm is not None
        self._llm: LLM | None = self._wrap(llm) if llm is not None else None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None
        if self._llm is not None:
            self._ready.set()

    def start(self) -> None:
        """Begin opening the configured model unless one was given."""
        if self._llm is None and self._task is None:
            self._task = asyncio.create_task(self._open(), name="open-llm")

    async def _open(self) -> None:
        from service.jobs.limits import open_limited_llm

        delay = 2.0
        while True:
            try:
                self._llm = self._wrap(await open_limited_llm(self.settings))
                self.error = None
                self._ready.set()
                log.info("llm_ready", model=self._llm.model_name)
                return
            except ConfigError as exc:
                self.error = exc.message
                log.error("llm_config_error", code=exc.code, detail=exc.message)
                return
            except SummariserError as exc:
                self.error = exc.message
                log.warning("llm_open_failed", code=exc.code, retry_in_s=delay)
            except Exception as exc:  # e.g. the native server failed to start: keep trying
                self.error = f"{type(exc).__name__} while opening the model"
                log.exception("llm_open_failed", retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    def _wrap(self, llm: LLM) -> LLM:
        return MeteredLLM(llm, self.metrics)

    @property
    def ready(self) -> bool:
        """Whether the model is open."""
        return self._ready.is_set()

    def get(self) -> LLM:
        """The model, or ``ProviderUnavailableError`` (503) while it is still loading."""
        if self._llm is None:
            raise ProviderUnavailableError(
                "The model is not ready yet"
                + (f" ({self.error})" if self.error else "")
                + "; retry shortly, or submit a job with POST /v1/jobs.",
                retry_after=self.settings.llm_retry_after_s,
            )
        return self._llm

    async def wait(self) -> LLM:
        """Wait until the model is open and return it."""
        await self._ready.wait()
        return self.get()

    async def aclose(self) -> None:
        """Stop opening and close the model (a model given by the caller is left open)."""
        if self._task is not None:
            self._task.cancel()
        if self._llm is not None and not self.given:
            await self._llm.aclose()
