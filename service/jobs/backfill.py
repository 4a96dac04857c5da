"""Archive backfill: many articles from a JSONL/CSV file or a directory, one output line each.

Resumable: every output line carries the item's content hash; a rerun with the same output file
keeps the lines that succeeded and skips those items. A failed item never stops the batch.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.config import Settings
from service.jobs.runner import content_hash
from service.schema import ArticleInput

ARTICLE_FIELDS = ("text", "html", "title", "url", "published_at", "language")
TEXT_SUFFIXES = (".txt", ".text", ".md")
HTML_SUFFIXES = (".html", ".htm")


@dataclass
class Item:
    """One input article, or the reason it could not be read."""

    id: str
    article: ArticleInput | None
    error: str | None = None
    hash: str = ""


def _from_record(record: dict[str, Any], index: int) -> Item:
    ident = str(record.get("id") or record.get("ref") or index)
    fields = {k: v for k, v in record.items() if k in ARTICLE_FIELDS and v not in (None, "")}
    try:
        return Item(ident, ArticleInput.model_validate(fields))
    except ValidationError as exc:
        return Item(ident, None, f"invalid item: {exc.errors()[0]['msg']}")


def read_items(source: Path) -> Iterator[Item]:
    """Items of a JSONL file, a CSV file (header row) or a directory of .txt/.html files.

    Raises:
        ValueError: the source is neither a directory nor a .jsonl/.csv file.
    """
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            suffix = path.suffix.lower()
            if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            key = "html" if suffix in HTML_SUFFIXES else "text"
            yield _from_record({key: text, "id": str(path.relative_to(source))}, 0)
        return
    suffix = source.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv"):
        raise ValueError(f"{source}: give a .jsonl or .csv file, or a directory")
    with source.open(encoding="utf-8", newline="") as handle:
        if suffix in (".jsonl", ".ndjson"):
            for index, line in enumerate(handle):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Item(str(index), None, f"line {index + 1}: invalid JSON ({exc.msg})")
                    continue
                if not isinstance(record, dict):
                    yield Item(str(index), None, f"line {index + 1}: not a JSON object")
                    continue
                yield _from_record(record, index)
        else:
            for index, row in enumerate(csv.DictReader(handle)):
                yield _from_record(dict(row), index)


def item_hash(item: Item, settings: Settings) -> str:
    """The resume key: the API's content hash (article, options, prompt versions, model)."""
    if item.article is None:
        return ""
    return content_hash(item.article, settings, settings.llm_model or "embedded")


def load_done(output: Path) -> set[str]:
    """Keep only the succeeded lines of an earlier run (rewritten atomically); their hashes."""
    if not output.exists():
        return set()
    kept: list[str] = []
    done: set[str] = set()
    for line in output.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut off by a crash
        if row.get("status") == "succeeded" and row.get("content_hash"):
            kept.append(line)
            done.add(row["content_hash"])
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".backfill-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{line}\n" for line in kept))
    os.replace(tmp, output)
    return done


def output_line(
    item: Item, status: str, result: dict[str, Any] | None, error: dict[str, Any] | None
) -> str:
    """One JSON line: id, content hash, status and the result or the error."""
    row: dict[str, Any] = {"id": item.id, "content_hash": item.hash, "status": status}
    if result is not None:
        row["result"] = result
    if error is not None:
        row["error"] = error
    return json.dumps(row, ensure_ascii=False)
