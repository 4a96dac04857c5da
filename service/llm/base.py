"""The one seam to the model: an async ``complete`` returning parsed output plus usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)
Message = dict[str, str]


@dataclass
class Usage:
    """Token usage summed over every HTTP call, retries and repairs included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    repairs: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.repairs += other.repairs


@dataclass
class Completion(Generic[T]):
    value: T
    usage: Usage
    model: str
    raw: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class LLM(Protocol):
    """What the pipeline needs from a model. Implementations live in ``service.llm``."""

    model_name: str
    context_window: int

    async def complete(
        self, messages: list[Message], schema: type[T], *, max_tokens: int, name: str
    ) -> Completion[T]:
        """Return ``schema``-valid output or raise ``ProviderError`` (usage in ``details``)."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SupportsHealth(Protocol):
    """A model that can tell whether its endpoint answers (used by readiness probes)."""

    async def health(self, timeout_s: float) -> None:
        """Return when the endpoint answers; raise ``ProviderUnavailableError`` otherwise."""
        ...
