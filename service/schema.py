"""Pydantic models of the input and of the structured summary (the published output schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AgreementStatus = Literal[
    "signed",
    "endorsed",
    "announced",
    "agreed_in_principle",
    "under_negotiation",
    "proposed",
    "discussed",
    "rejected",
]
AGREEMENT_STATUSES: tuple[str, ...] = AgreementStatus.__args__  # type: ignore[attr-defined]


class Evidence(BaseModel):
    """A verbatim span of the source text: ``source_text[start:end] == quote``."""

    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    match: Literal["exact", "normalised", "fuzzy"] = "exact"


class Participant(BaseModel):
    name: str | None = Field(
        None, description="Personal name; null when the article gives only a title."
    )
    role: str | None = None
    affiliation: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    grounded: bool = True


class Agreement(BaseModel):
    title: str
    kind: str | None = None
    parties: list[str] = Field(default_factory=list)
    status: AgreementStatus
    evidence: list[Evidence] = Field(default_factory=list)
    grounded: bool = True


class GeopoliticalNote(BaseModel):
    note: str
    evidence: list[Evidence] = Field(default_factory=list)
    grounded: bool = True


class SummarySentence(BaseModel):
    text: str
    evidence: list[Evidence] = Field(default_factory=list)


class Event(BaseModel):
    name: str | None = None
    date: str | None = None
    place: str | None = None


class FailedRange(BaseModel):
    start: int
    end: int
    error: str


class DroppedSpan(BaseModel):
    """Source text left out of extraction (page boilerplate, duplicates, injected instructions)."""

    start: int
    end: int
    reason: Literal["boilerplate", "duplicate", "instructions_to_ai"]


class Meta(BaseModel):
    model: str
    prompt_versions: dict[str, str]
    chunks: int
    llm_calls: int = 0
    retries: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    ungrounded_dropped: int = 0
    dropped_items: dict[str, int] = Field(
        default_factory=dict,
        description=(
            "Items (or names) removed by a support check, by reason; sums to ungrounded_dropped."
        ),
    )
    partial: bool = False
    failed_ranges: list[FailedRange] = Field(default_factory=list)
    dropped_spans: list[DroppedSpan] = Field(default_factory=list)
    input_format: Literal["text", "html"] = "text"


class StructuredSummary(BaseModel):
    """The service's answer. Evidence offsets index ``source_text`` (for plain text: the input)."""

    model_config = ConfigDict(json_schema_extra={"title": "StructuredSummary"})

    summary: str
    summary_sentences: list[SummarySentence] = Field(default_factory=list)
    participants: list[Participant] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    geopolitical_notes: list[GeopoliticalNote] = Field(default_factory=list)
    event: Event | None = None
    language: str = "und"
    source_text: str | None = Field(
        None, description="The extracted article text that offsets index (HTML input only)."
    )
    meta: Meta


class ArticleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chunk_tokens: int | None = Field(None, ge=200, le=32000)
    chunk_overlap: int | None = Field(None, ge=0, le=2000)
    keep_ungrounded: bool = Field(
        False, description="Keep items whose evidence cannot be verified, flagged grounded=false."
    )


class ArticleInput(BaseModel):
    """One article as a newsroom submits it: exactly one of ``text`` or ``html``."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    html: str | None = None
    title: str | None = None
    url: str | None = None
    published_at: str | None = None
    language: str | None = None
    options: ArticleOptions = Field(default_factory=ArticleOptions)
