"""Editors' corrections of a job's result: validation, versions, and the corrected summary.

A correction set is a list of operations on the model's output — ``reject`` an item (it is
wrong), ``edit`` some of its fields (e.g. an agreement's status), or ``add`` a missing item whose
evidence the editor selected in the article. Each save is a new version, attributed to the API key
that saved it; the job's result (the model's output) is never changed. ``corrected_summary``
applies a set to the result, which is what the review page shows and what ``summarise gold
export`` turns into gold cases.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.errors import InputError, SummariserError
from service.jobs.auth import Principal
from service.jobs.context import Services
from service.jobs.errors import NotFoundError
from service.jobs.models import JobView
from service.jobs.reads import read_job
from service.jobs.views import job_view, utc
from service.schema import AgreementStatus, StructuredSummary
from service.store import corrections as store
from service.store.types import CorrectionRecord, JobRecord

Section = Literal["participants", "agreements", "topics", "geopolitical_notes", "event"]
LIST_SECTIONS: tuple[str, ...] = ("participants", "agreements", "topics", "geopolitical_notes")
MAX_FIELD_CHARS = 500


class InvalidCorrectionError(InputError):
    """A correction names an item that does not exist, a field it may not set, or bad offsets."""

    code = "invalid_correction"


class CorrectionConflictError(SummariserError):
    """Another save happened since the version the editor started from."""

    code = "correction_conflict"


class JobNotReviewableError(InputError):
    """The job has no result (still running, or failed without a partial result)."""

    code = "job_not_reviewable"


# --- what a client sends -------------------------------------------------------------------------


class Span(BaseModel):
    """Evidence selected in the article: offsets into the job's source text."""

    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str | None = Field(None, description="Filled in by the service: source[start:end].")


class ParticipantFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=MAX_FIELD_CHARS)
    role: str | None = Field(None, max_length=MAX_FIELD_CHARS)
    affiliation: str | None = Field(None, max_length=MAX_FIELD_CHARS)


class AgreementFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=MAX_FIELD_CHARS)
    kind: str | None = Field(None, max_length=100)
    parties: list[str] | None = Field(None, max_length=20)
    status: AgreementStatus | None = None


class NoteFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, min_length=1, max_length=2000)


class TopicFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(None, min_length=1, max_length=200)


class EventFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=MAX_FIELD_CHARS)
    date: str | None = Field(None, max_length=100)
    place: str | None = Field(None, max_length=200)


FIELDS: dict[str, type[BaseModel]] = {
    "participants": ParticipantFields,
    "agreements": AgreementFields,
    "geopolitical_notes": NoteFields,
    "topics": TopicFields,
    "event": EventFields,
}
# What an added item must have (besides evidence, required for all but topics and the event).
REQUIRED_ON_ADD: dict[str, tuple[tuple[str, ...], ...]] = {
    "participants": (("name", "role"),),
    "agreements": (("title",), ("status",)),
    "geopolitical_notes": (("note",),),
    "topics": (("label",),),
    "event": (("name",),),
}
EVIDENCE_ON_ADD = frozenset({"participants", "agreements", "geopolitical_notes"})


class CorrectionItem(BaseModel):
    """One operation on the model's output."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "edit", "section": "agreements", "index": 0,
                 "fields": {"status": "endorsed"}},
                {"action": "reject", "section": "participants", "index": 1,
                 "comment": "the article names no minister"},
                {"action": "add", "section": "agreements",
                 "fields": {"title": "joint statements", "status": "endorsed"},
                 "evidence": [{"start": 2875, "end": 3090}]},
            ]
        },
    )  # fmt: skip

    action: Literal["reject", "edit", "add"]
    section: Section
    index: int | None = Field(
        None, ge=0, description="The model's item (reject, edit); the event is index 0."
    )
    fields: dict[str, Any] = Field(
        default_factory=dict, description="edit: the changed fields; add: the new item."
    )
    evidence: list[Span] = Field(default_factory=list, max_length=20)
    comment: str | None = Field(None, max_length=MAX_FIELD_CHARS)


class CorrectionsRequest(BaseModel):
    """A new version of the job's corrections: the whole set, replacing the previous version."""

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(
        0, ge=0, description="The version the editor started from (0: none); a save made "
        "meanwhile by someone else makes this request a 409 correction_conflict.",
    )  # fmt: skip
    items: list[CorrectionItem] = Field(default_factory=list, max_length=500)
    comment: str | None = Field(None, max_length=2000)


# --- what the service answers --------------------------------------------------------------------


class CorrectionVersionView(BaseModel):
    """One saved version: who saved it (the API key) and when."""

    job_id: str
    version: int
    items: list[CorrectionItem]
    comment: str | None = None
    key_id: str | None = None
    key_name: str | None = None
    created_at: datetime


class ReviewView(BaseModel):
    """Everything the review page needs about one job."""

    job: JobView
    source_text: str | None = Field(
        None, description="The text evidence offsets index (extracted text for HTML input)."
    )
    input_format: Literal["text", "html"]
    title: str | None = None
    corrections: CorrectionVersionView | None = Field(None, description="The latest version.")
    corrected: dict[str, Any] | None = Field(
        None, description="The result with the latest corrections applied (items carry `review`)."
    )


class WhoAmI(BaseModel):
    key_id: str | None
    name: str


# --- validation and application ------------------------------------------------------------------


def source_text(job: JobRecord) -> str | None:
    """The text the result's offsets index: ``source_text`` for HTML input, else the text sent."""
    result = job.result or {}
    if result.get("source_text") is not None:
        return str(result["source_text"])
    text = job.article.get("text")
    return str(text) if text is not None else None


def _count(result: dict[str, Any], section: str) -> int:
    if section == "event":
        return 1 if result.get("event") else 0
    return len(result.get(section) or [])


def validate_items(
    items: list[CorrectionItem], result: dict[str, Any], source: str | None
) -> list[CorrectionItem]:
    """Check every operation against the result and the source; fill evidence quotes.

    Raises:
        InvalidCorrectionError: naming the offending ``items[i]``.
    """
    seen: set[tuple[str, int]] = set()
    out: list[CorrectionItem] = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        model = FIELDS[item.section]
        try:
            fields = model.model_validate(item.fields).model_dump(exclude_unset=True)
        except ValueError as exc:
            raise InvalidCorrectionError(f"{where}.fields: {exc}", item=i) from exc
        if item.action == "add":
            if item.index is not None:
                raise InvalidCorrectionError(f"{where}: an added item has no index", item=i)
            if item.section == "event" and _count(result, "event"):
                raise InvalidCorrectionError(f"{where}: the event exists; edit it", item=i)
            for group in REQUIRED_ON_ADD[item.section]:
                if not any(str(fields.get(f) or "").strip() for f in group):
                    raise InvalidCorrectionError(
                        f"{where}: an added {item.section} item needs {' or '.join(group)}",
                        item=i,
                    )
            if item.section in EVIDENCE_ON_ADD and not item.evidence:
                raise InvalidCorrectionError(
                    f"{where}: select the evidence of the added item in the article", item=i
                )
        else:
            count = _count(result, item.section)
            if item.index is None or item.index >= count:
                raise InvalidCorrectionError(
                    f"{where}: {item.section} has no item {item.index} (it has {count})", item=i
                )
            if (item.section, item.index) in seen:
                raise InvalidCorrectionError(
                    f"{where}: {item.section}[{item.index}] is corrected twice", item=i
                )
            seen.add((item.section, item.index))
            if item.action == "edit" and not fields:
                raise InvalidCorrectionError(f"{where}: an edit changes at least one field", item=i)
            if item.action == "reject" and fields:
                raise InvalidCorrectionError(f"{where}: a rejection changes no field", item=i)
        evidence = []
        for j, span in enumerate(item.evidence):
            if source is None or not (0 <= span.start < span.end <= len(source)):
                size = len(source) if source is not None else 0
                raise InvalidCorrectionError(
                    f"{where}.evidence[{j}]: {span.start}..{span.end} is outside the article "
                    f"(0..{size})",
                    item=i,
                )
            evidence.append(
                Span(start=span.start, end=span.end, quote=source[span.start : span.end])
            )
        out.append(item.model_copy(update={"fields": fields, "evidence": evidence}))
    return out


def _evidence(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"quote": s.get("quote") or "", "start": s["start"], "end": s["end"], "match": "exact"}
        for s in spans
    ]


def corrected_summary(result: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The result with a correction set applied; the result itself is not modified.

    Every item of the returned lists carries ``review``: ``{"state": "model" | "edited" |
    "added", "original": ...}``; rejected items are left out and listed under ``rejected``
    (section, index, the item). Topics become ``{"label": ..., "review": ...}`` objects.
    """
    out = copy.deepcopy(result)
    ops = [CorrectionItem.model_validate(i) for i in items]
    by_target: dict[tuple[str, int | None], CorrectionItem] = {
        (op.section, op.index): op for op in ops if op.action != "add"
    }
    rejected: list[dict[str, Any]] = []
    for section in (*LIST_SECTIONS, "event"):
        original = result.get(section)
        originals = (
            [original] if section == "event" and original else [] if section == "event" else
            list(original or [])
        )  # fmt: skip
        kept: list[Any] = []
        for index, item in enumerate(originals):
            value = {"label": item} if section == "topics" else copy.deepcopy(item)
            op = by_target.get((section, index))
            if op is not None and op.action == "reject":
                rejected.append({"section": section, "index": index, "item": value,
                                 "comment": op.comment})  # fmt: skip
                continue
            state = "model"
            if op is not None and op.action == "edit":
                value.update(op.fields)
                state = "edited"
            value["review"] = {"state": state, "index": index}
            if state == "edited":
                value["review"]["original"] = item
                value["review"]["comment"] = op.comment if op else None
            kept.append(value)
        for op in ops:
            if op.action == "add" and op.section == section:
                added = {**op.fields, "evidence": _evidence([s.model_dump() for s in op.evidence])}
                if section in ("participants", "agreements", "geopolitical_notes"):
                    added["grounded"] = True
                added["review"] = {"state": "added", "comment": op.comment}
                kept.append(added)
        if section == "event":
            out["event"] = kept[0] if kept else None
        else:
            out[section] = kept
    out["rejected"] = rejected
    return out


# --- reading and saving on behalf of a caller ----------------------------------------------------


def version_view(record: CorrectionRecord) -> CorrectionVersionView:
    """The public view of one stored version."""
    return CorrectionVersionView(
        job_id=record.job_id,
        version=record.version,
        items=[CorrectionItem.model_validate(i) for i in record.items],
        comment=record.comment,
        key_id=record.api_key_id,
        key_name=record.key_name,
        created_at=utc(record.created_at),
    )


def _result(job: JobRecord) -> dict[str, Any] | None:
    if job.result is None:
        return None
    # Validate once so the page and the export read the published schema only.
    return StructuredSummary.model_validate(job.result).model_dump(mode="json")


async def review_view(services: Services, job_id: str, principal: Principal) -> ReviewView:
    """The caller's job with its source text, latest corrections and the corrected summary."""
    job = await read_job(services, job_id, principal)
    latest = await asyncio.to_thread(store.get_version, services.db, job.id)
    result = _result(job)
    html = job.article.get("html") is not None
    return ReviewView(
        job=job_view(job),
        source_text=source_text(job),
        input_format="html" if html else "text",
        title=job.article.get("title"),
        corrections=version_view(latest) if latest else None,
        corrected=corrected_summary(result, latest.items if latest else []) if result else None,
    )


async def list_corrections(
    services: Services, job_id: str, principal: Principal
) -> list[CorrectionVersionView]:
    """Every saved version of the caller's job's corrections, oldest first."""
    job = await read_job(services, job_id, principal)
    rows = await asyncio.to_thread(store.list_versions, services.db, job.id)
    return [version_view(r) for r in rows]


async def get_correction(
    services: Services, job_id: str, version: int, principal: Principal
) -> CorrectionVersionView:
    """One saved version of the caller's job's corrections.

    Raises:
        NotFoundError: no such version.
    """
    job = await read_job(services, job_id, principal)
    row = await asyncio.to_thread(store.get_version, services.db, job.id, version)
    if row is None:
        raise NotFoundError(f"Job {job_id} has no corrections version {version}.")
    return version_view(row)


async def save_corrections(
    services: Services, job_id: str, body: CorrectionsRequest, principal: Principal
) -> CorrectionVersionView:
    """Validate and store the next version of the caller's corrections to its job.

    Raises:
        JobNotReviewableError: the job has no result yet (or failed without one).
        InvalidCorrectionError: an operation does not fit the result or the article.
        CorrectionConflictError: another version was saved since ``base_version``.
    """
    job = await read_job(services, job_id, principal)
    result = _result(job)
    if result is None:
        raise JobNotReviewableError(f"Job {job_id} has no result to correct (status {job.status}).")
    items = validate_items(body.items, result, source_text(job))
    try:
        row = await asyncio.to_thread(
            store.add_version,
            services.db,
            job.id,
            base_version=body.base_version,
            api_key_id=principal.key_id,
            items=[i.model_dump(mode="json") for i in items],
            comment=body.comment,
        )
    except store.VersionConflict as exc:
        raise CorrectionConflictError(
            f"Version {exc.latest} was saved since version {body.base_version}; reload the job "
            "and apply your corrections again.",
            latest_version=exc.latest,
        ) from exc
    return version_view(row)
