"""Request and response bodies of the REST API, with the examples shown in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from service.clean import MAX_TITLE_CHARS
from service.schema import ArticleInput, ArticleOptions, StructuredSummary

SEED_TEXT = (
    "GENEVA, 3 March - The foreign ministers of Norway and Chile signed a fisheries cooperation "
    "agreement on Tuesday, pledging joint patrols against illegal fishing in the South Pacific. "
    "Norwegian Foreign Minister Anne Berg said the deal 'sets a standard for ocean governance'."
)
ARTICLE_EXAMPLE: dict[str, Any] = {
    "text": SEED_TEXT,
    "title": "Norway and Chile sign fisheries pact",
    "url": "https://news.example.org/2026/03/fisheries-pact",
    "published_at": "2026-03-03",
    "language": "en",
}

HTML_EXAMPLE = (
    f"<html><body><article><h1>Fisheries pact</h1><p>{SEED_TEXT}</p></article></body></html>"
)
CALLBACK_EXAMPLE = "https://cms.example.org/hooks/summaries"

JobStatusName = Literal["queued", "running", "succeeded", "failed"]

# "Exactly one of text or html" in the schema, as the service enforces it (missing_text otherwise).
ONE_OF_TEXT_OR_HTML: Any = [
    {"required": ["text"], "properties": {"text": {"type": "string"}}},
    {"required": ["html"], "properties": {"html": {"type": "string"}}},
]


class RequestOptions(ArticleOptions):
    """Per-request pipeline options (strict types: ``keep_ungrounded`` is true or false, not 0)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _article_schema(*examples: dict[str, Any]) -> dict[str, Any]:
    return {"examples": list(examples), "oneOf": ONE_OF_TEXT_OR_HTML}


class SummaryRequest(ArticleInput):
    """One article: exactly one of ``text`` or ``html``; the rest is optional metadata."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_article_schema(ARTICLE_EXAMPLE))

    title: str | None = Field(
        None,
        description=f"The headline (at most {MAX_TITLE_CHARS:,} characters: title_too_long).",
        json_schema_extra={"maxLength": MAX_TITLE_CHARS},
    )
    url: str | None = Field(None, max_length=2048, description="A label; not fetched.")
    published_at: str | None = Field(None, max_length=64)
    language: str | None = Field(None, max_length=35, description="BCP 47 tag, e.g. en, pt-BR.")
    options: RequestOptions = Field(default_factory=RequestOptions)


class JobRequest(SummaryRequest):
    """An article to summarise in the background; ``callback_url`` receives a signed webhook."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_article_schema({**ARTICLE_EXAMPLE, "callback_url": CALLBACK_EXAMPLE}),
    )

    callback_url: AnyHttpUrl | None = Field(
        None,
        description="POSTed the job when it finishes: a public http(s) URL (see the README's "
        "Security section; private hosts need SUMMARISER_WEBHOOK_ALLOW_HOSTS).",
    )


class BatchItem(SummaryRequest):
    """One article of a batch; ``ref`` is your own id for it (e.g. the CMS story id)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": ONE_OF_TEXT_OR_HTML})

    ref: str | None = Field(None, max_length=200)


class BatchRequest(BaseModel):
    """Many articles at once; each becomes a job. ``callback_url`` applies to every item."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {**ARTICLE_EXAMPLE, "ref": "story-1041"},
                        {"html": HTML_EXAMPLE, "ref": "story-1042"},
                    ],
                    "callback_url": CALLBACK_EXAMPLE,
                }
            ]
        },
    )

    items: list[BatchItem] = Field(min_length=1)
    callback_url: AnyHttpUrl | None = Field(None, description="As for a job, for every item.")


class Progress(BaseModel):
    """How far a job got: chunks extracted out of the total, and the current pipeline stage."""

    chunks_done: int = 0
    chunks_total: int | None = None
    stage: str | None = None


class ErrorInfo(BaseModel):
    """Why a job failed: the stable error ``code`` and a message."""

    code: str
    message: str


class JobView(BaseModel):
    """A job's status, progress and (once succeeded) result."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2d0a9b8e4c1f8a7d6e5f4c3b2a19",
                    "status": "running",
                    "progress": {"chunks_done": 1, "chunks_total": 3, "stage": "extract"},
                    "created_at": "2026-03-03T10:00:00Z",
                    "links": {
                        "self": "/v1/jobs/6f1c2d0a9b8e4c1f8a7d6e5f4c3b2a19",
                        "events": "/v1/jobs/6f1c2d0a9b8e4c1f8a7d6e5f4c3b2a19/events",
                    },
                }
            ]
        }
    )

    id: str
    status: JobStatusName
    progress: Progress
    ref: str | None = None
    batch_id: str | None = None
    cached: bool = False
    attempts: int = 0
    result: StructuredSummary | None = None
    partial_result: StructuredSummary | None = None
    error: ErrorInfo | None = None
    webhook: Literal["pending", "delivered", "failed"] | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    links: dict[str, str] = Field(default_factory=dict)


class BatchView(BaseModel):
    """A batch and the status of each item, in submission order."""

    id: str
    created_at: datetime
    counts: dict[str, int]
    items: list[JobView]


class DeliveryView(BaseModel):
    """One webhook delivery attempt."""

    delivery_id: str
    event: str
    url: str
    attempt: int
    status_code: int | None
    ok: bool
    error: str | None
    duration_ms: int
    created_at: datetime


class UsageTotalsView(BaseModel):
    requests: int
    llm_calls: int
    tokens_in: int
    tokens_out: int
    cost_estimate: float
    cached: int


class UsageRecordView(BaseModel):
    request_id: str | None
    job_id: str | None
    endpoint: str
    llm_calls: int
    tokens_in: int
    tokens_out: int
    cost_estimate: float
    cached: bool
    created_at: datetime


class UsageView(BaseModel):
    """Usage of the calling key: today (UTC), all time, and the latest requests."""

    key_id: str | None
    today: UsageTotalsView
    total: UsageTotalsView
    limits: dict[str, int | None]
    recent: list[UsageRecordView]


class Check(BaseModel):
    ok: bool
    detail: str | None = None


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, Check]
