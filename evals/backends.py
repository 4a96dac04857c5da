"""Where predictions come from: files on disk, or the pipeline (live, recording, or replaying)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import perf_counter
from typing import Any, Protocol

from evals.gold import Case
from evals.recording import CURRENT_CASE, ReplayTransport
from evals.scoring import Outcome
from service.config import Settings
from service.errors import SummariserError
from service.schema import ArticleInput

ProgressFn = Callable[[Any], Awaitable[None] | None]


class Backend(Protocol):
    """Produces one outcome per case."""

    async def run(self, case: Case, progress: ProgressFn | None = None) -> Outcome: ...

    async def aclose(self) -> None: ...


class PredictionsBackend:
    """Scores outputs produced elsewhere: ``DIR/<case id>.json`` in our output schema."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def run(self, case: Case, progress: ProgressFn | None = None) -> Outcome:
        path = self.directory / f"{case.id}.json"
        if not path.is_file():
            return Outcome(case.id, None, "missing", f"no prediction file {path}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            return Outcome(case.id, None, "error", f"{path}: not JSON: {e}")
        return Outcome(case.id, raw)

    async def aclose(self) -> None:
        return None


def article_input(case: Case) -> ArticleInput:
    """The article exactly as a newsroom would POST it: the file, as text or as HTML."""
    if case.is_html:
        return ArticleInput(html=case.article)
    return ArticleInput(text=case.article)


Summarise = Callable[..., Awaitable[Any]]


class PipelineBackend:
    """Runs ``service.pipeline.summarise`` on each case through one shared LLM client.

    With a replay transport, latency is the recorded HTTP time of the case's exchanges (so two
    replays give identical reports) and a request with no recording marks the case as failed.
    """

    def __init__(
        self,
        llm: Any,
        settings: Settings,
        summarise: Summarise,
        replay: ReplayTransport | None = None,
    ) -> None:
        self.llm, self.settings, self.summarise, self.replay = llm, settings, summarise, replay

    async def run(self, case: Case, progress: ProgressFn | None = None) -> Outcome:
        CURRENT_CASE.set(case.id)
        start = perf_counter()
        try:
            result = await self.summarise(article_input(case), self.llm, self.settings, progress)
        except SummariserError as e:
            return self._checked(
                Outcome(
                    case.id, None, "error", f"{e.code}: {e.message}", self._latency(case, start)
                )
            )
        except Exception as e:  # a pipeline bug must not hide the other cases' scores
            return self._checked(
                Outcome(
                    case.id, None, "error", f"{type(e).__name__}: {e}", self._latency(case, start)
                )
            )
        raw = result.model_dump(mode="json")
        latency = self._latency(case, start)
        raw["meta"]["latency_ms"] = latency
        status, error = (
            ("partial", _failed_ranges(raw)) if raw["meta"].get("partial") else ("ok", None)
        )
        return self._checked(Outcome(case.id, raw, status, error, latency))

    def _checked(self, outcome: Outcome) -> Outcome:
        """A replayed case that asked for an unrecorded exchange failed, whatever the pipeline
        did."""
        misses = self.replay.misses_for(outcome.case_id) if self.replay else []
        if not misses:
            return outcome
        error = (
            f"replay miss: {len(misses)} request(s) not in the recording, first {misses[0]['key']}"
        )
        return Outcome(outcome.case_id, outcome.raw, "error", error, outcome.latency_ms)

    def _latency(self, case: Case, start: float) -> int:
        if self.replay is not None:
            return self.replay.per_case.get(case.id, 0)
        return round((perf_counter() - start) * 1000)

    async def aclose(self) -> None:
        await self.llm.aclose()


def _failed_ranges(raw: dict[str, Any]) -> str:
    ranges = raw["meta"].get("failed_ranges") or []
    return "; ".join(f"{r['start']}-{r['end']}: {r['error']}" for r in ranges) or "partial result"
