"""Corrected jobs as gold cases, in the shared format of ``../shared/evals/README.md``.

Each corrected job becomes ``<id>.txt`` (or ``.html``: the article exactly as it was submitted)
and ``<id>.gold.json``. The gold lists are the job's result with the latest corrections applied:
rejected items are left out, edited fields win, added items are in. ``match`` strings come from
the corrected items (a participant's name and role, an agreement's title, a topic's label, an
event's name; for a note, its two most distinctive words); names and titles of rejected items
that the article never writes go to ``must_not_contain``. The service writes these files itself
(the eval harness only reads them), so nothing here imports ``evals``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.jobs.corrections import corrected_summary, source_text
from service.schema import StructuredSummary
from service.store import Database
from service.store import corrections as store
from service.store.types import CorrectionRecord, JobRecord

GOLD_SUFFIX = ".gold.json"
KIND = "editor-corrected review job"
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_STOP = frozenset(
    """about above after again against also among amid because been before being below between
    both could does doing down during each from further have having here into itself more most
    other over said same should some such than that their them then there these they this those
    through under until very were what when where which while will with would your also both
    sides side officials official""".split()
)


@dataclass(frozen=True)
class ExportedCase:
    """One written case."""

    case_id: str
    job_id: str
    version: int
    gold_path: Path
    article_path: Path


def slug(text: str, limit: int = 48) -> str:
    """Lower-case ASCII words joined by hyphens (accents folded), at most ``limit`` characters."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", folded.lower())
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out


def case_id(job: JobRecord) -> str:
    """A stable, readable id: the title's slug and the job id's first 8 characters."""
    title = job.article.get("title") or ""
    base = slug(title) or "job"
    return f"{base}-{job.id[:8]}"


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _matches(*values: Any) -> list[str]:
    out: list[str] = []
    for value in values:
        text = _clean(value)
        if text and text.casefold() not in (m.casefold() for m in out):
            out.append(text)
    return out


def note_groups(note: str) -> list[list[str]]:
    """Two ``match_all`` groups for a note: its two most distinctive words (names first)."""
    words = [w.strip("'’-") for w in _WORD.findall(note)]
    seen: set[str] = set()
    ranked: list[tuple[int, int, str]] = []
    for pos, word in enumerate(words):
        key = word.casefold()
        if len(word) < 4 or key in _STOP or key in seen:
            continue
        seen.add(key)
        capitalised = pos > 0 and word[0].isupper()
        ranked.append((0 if capitalised else 1, -len(word), word))
    picked = [w for _, _, w in sorted(ranked)[:2]]
    if not picked:
        return [[note.strip()[:60]]]
    return [[w] for w in picked]


def _leaks(rejected: list[dict[str, Any]], article: str) -> list[str]:
    """Names and titles of rejected items that the article never writes."""
    folded = " ".join(article.split()).casefold()
    out: list[str] = []
    for entry in rejected:
        item = entry["item"]
        if entry["section"] == "participants":
            candidates = [item.get("name")]
        elif entry["section"] == "agreements":
            candidates = [item.get("title")]
        else:
            continue
        for value in candidates:
            text = _clean(value)
            if text and text.casefold() not in folded and text not in out:
                out.append(text)
    return out


def gold_case(job: JobRecord, correction: CorrectionRecord) -> tuple[str, str, dict[str, Any]]:
    """The article file name, its content and the gold document of one corrected job."""
    if job.result is None:
        raise ValueError(f"job {job.id} has no result")
    result = StructuredSummary.model_validate(job.result).model_dump(mode="json")
    fixed = corrected_summary(result, correction.items)
    cid = case_id(job)
    html = job.article.get("html") is not None
    article = str(job.article.get("html") if html else job.article.get("text") or "")
    text_file = f"{cid}.html" if html else f"{cid}.txt"
    source = source_text(job) or article
    event = fixed.get("event") or {}
    participants = [
        {
            "name": _clean(p.get("name")),
            "role": _clean(p.get("role")),
            "affiliation": _clean(p.get("affiliation")),
            "side": _clean(p.get("affiliation")),
            "match": _matches(p.get("name"), p.get("role")),
        }
        for p in fixed["participants"]
        if _matches(p.get("name"), p.get("role"))
    ]
    agreements = [
        {
            "title": _clean(a.get("title")),
            "kind": _clean(a.get("kind")),
            "parties": [p for p in (a.get("parties") or []) if _clean(p)],
            "status": a["status"],
            "subject": None,
            "match": _matches(a.get("title")),
        }
        for a in fixed["agreements"]
        if _clean(a.get("title")) and a.get("status")
    ]
    topics = [
        {"label": _clean(t["label"]), "match": _matches(t["label"])}
        for t in fixed["topics"]
        if _clean(t.get("label"))
    ]
    notes = [
        {"note": _clean(n["note"]), "match_all": note_groups(n["note"])}
        for n in fixed["geopolitical_notes"]
        if _clean(n.get("note"))
    ]
    summary = _clean(fixed.get("summary")) or _clean(source[:400]) or "(no summary)"
    saved = correction.created_at
    saved = saved if saved.tzinfo else saved.replace(tzinfo=UTC)
    gold = {
        "id": cid,
        "text_file": text_file,
        "language": fixed.get("language") or job.article.get("language") or "und",
        "kind": KIND,
        "source": {
            "title": job.article.get("title"),
            "published": job.article.get("published_at"),
            "origin": f"summarise review: job {job.id}, corrections version {correction.version}"
            f" by API key {correction.key_name or correction.api_key_id or 'anonymous'}",
            "license": "newsroom internal",
        },
        "gold": {
            "event": (
                {"name": _clean(event["name"]), "match": _matches(event["name"])}
                if _clean(event.get("name"))
                else None
            ),
            "participants": participants,
            "agreements": agreements,
            "topics": topics,
            "geopolitical_notes": notes,
            "must_not_contain": _leaks(fixed["rejected"], source),
            "reference_summary": summary,
        },
        "notes": (
            f"Exported {datetime.now(UTC):%Y-%m-%d} from the model's result of job {job.id} with "
            f"the editor's corrections version {correction.version} (saved "
            f"{saved:%Y-%m-%d %H:%M} UTC, {len(correction.items)} operations); match strings "
            "derived from the "
            "corrected items; the reference summary is the reviewed extractive summary."
        ),
    }
    return text_file, article, gold


def export_gold(
    db: Database, out: Path, *, since: datetime | None = None, api_key_id: str | None = None
) -> list[ExportedCase]:
    """Write every corrected job (latest corrections version) as a gold case into ``out``.

    Jobs without a result are skipped. Re-exporting overwrites a case with its newest version.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: list[ExportedCase] = []
    for job, correction in store.corrected_jobs(db, since=since, api_key_id=api_key_id):
        if job.result is None:
            continue
        text_file, article, gold = gold_case(job, correction)
        article_path = out / text_file
        gold_path = out / f"{gold['id']}{GOLD_SUFFIX}"
        article_path.write_text(article, encoding="utf-8", newline="")
        gold_path.write_text(
            json.dumps(gold, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        written.append(
            ExportedCase(gold["id"], job.id, correction.version, gold_path, article_path)
        )
    return written
