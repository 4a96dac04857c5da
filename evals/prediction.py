"""A lenient view of a prediction, so outputs of other systems are scored by the same rules.

Schema validity is measured separately (``StructuredSummary``); scoring reads whatever fields
are there, so one bad status does not zero every other metric.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.schema import StructuredSummary


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _none_to_default(cls, value: Any, info: Any) -> Any:
        field = cls.model_fields[info.field_name]
        if value is None and not field.is_required() and field.default is not None:
            return field.get_default(call_default_factory=True)
        return value


class LooseEvidence(_Loose):
    quote: str = ""
    start: int | None = None
    end: int | None = None


class LooseParticipant(_Loose):
    name: str | None = None
    role: str | None = None
    affiliation: str | None = None
    evidence: list[LooseEvidence] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """What gold ``match`` strings are tested against: name + role."""
        return " ".join(p for p in (self.name, self.role) if p)


class LooseAgreement(_Loose):
    title: str = ""
    status: str | None = None
    evidence: list[LooseEvidence] = Field(default_factory=list)


class LooseNote(_Loose):
    note: str = ""
    evidence: list[LooseEvidence] = Field(default_factory=list)


class LooseEvent(_Loose):
    name: str | None = None
    place: str | None = None


class LooseMeta(_Loose):
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int | None = None
    partial: bool = False


class LooseSummary(_Loose):
    summary: str = ""
    participants: list[LooseParticipant] = Field(default_factory=list)
    agreements: list[LooseAgreement] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    geopolitical_notes: list[LooseNote] = Field(default_factory=list)
    event: LooseEvent | None = None
    source_text: str | None = None
    meta: LooseMeta | None = None


EMPTY = LooseSummary()


def loose_view(raw: object) -> LooseSummary:
    """Read what can be read; an output that is not even a summary-shaped object reads as empty."""
    try:
        return LooseSummary.model_validate(raw)
    except ValidationError:
        return EMPTY


_STUB_META = {"model": "unknown", "prompt_versions": {}, "chunks": 0}


def schema_errors(raw: object) -> list[str]:
    """Validation errors of ``raw`` against the published ``StructuredSummary`` (empty: valid).

    ``meta`` is run metadata, not content: outputs produced elsewhere (``--predictions``) may
    omit it and still count as valid; a ``meta`` that is present must be valid.
    """
    if raw is None:
        return ["no output"]
    if isinstance(raw, dict) and "meta" not in raw:
        raw = {**raw, "meta": _STUB_META}
    try:
        StructuredSummary.model_validate(raw)
    except ValidationError as e:
        return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
    return []
