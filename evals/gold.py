"""Gold cases: the shared annotation format (``../shared/evals/README.md``) as pydantic models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.errors import InputError
from service.schema import AgreementStatus

GOLD_SUFFIX = ".gold.json"
DEFAULT_GOLD_DIR = Path(__file__).resolve().parent / "gold"

MatchList = list[str]


class GoldError(InputError):
    """A gold file is missing, unreadable or malformed; the message names the file and field."""

    code = "invalid_gold"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldEvent(_Strict):
    name: str
    match: MatchList = Field(min_length=1)


class GoldParticipant(_Strict):
    name: str | None
    role: str | None = None
    affiliation: str | None = None
    side: str | None = None
    match: MatchList = Field(min_length=1)


class GoldAgreement(_Strict):
    title: str
    kind: str | None = None
    parties: list[str] = Field(default_factory=list)
    status: AgreementStatus
    subject: str | None = None
    match: MatchList = Field(min_length=1)


class GoldTopic(_Strict):
    label: str
    match: MatchList = Field(min_length=1)


class GoldNote(_Strict):
    note: str
    match_all: list[MatchList] = Field(min_length=1)


class GoldSource(_Strict):
    title: str | None = None
    published: str | None = None
    origin: str | None = None
    license: str | None = None


class GoldBody(_Strict):
    event: GoldEvent | None
    participants: list[GoldParticipant]
    agreements: list[GoldAgreement]
    topics: list[GoldTopic]
    geopolitical_notes: list[GoldNote]
    must_not_contain: list[str]
    reference_summary: str = Field(min_length=1)


class GoldCase(_Strict):
    id: str = Field(min_length=1)
    text_file: str
    language: str
    kind: str
    source: GoldSource
    gold: GoldBody
    notes: str = ""


@dataclass(frozen=True)
class Case:
    """One loaded case: the annotation plus the article exactly as a newsroom would POST it."""

    gold: GoldCase
    article: str
    path: Path

    @property
    def id(self) -> str:
        return self.gold.id

    @property
    def is_html(self) -> bool:
        return self.gold.text_file.lower().endswith((".html", ".htm"))


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _check_strings(case: GoldCase, path: Path) -> None:
    """Reject empty match strings: an empty string would match every prediction."""
    groups: list[tuple[str, list[str]]] = []
    body = case.gold
    if body.event:
        groups.append(("gold.event.match", body.event.match))
    for name in ("participants", "agreements", "topics"):
        for i, item in enumerate(getattr(body, name)):
            groups.append((f"gold.{name}[{i}].match", item.match))
    for i, note in enumerate(body.geopolitical_notes):
        for j, group in enumerate(note.match_all):
            if not group:
                raise GoldError(f"{path}: gold.geopolitical_notes[{i}].match_all[{j}]: empty group")
            groups.append((f"gold.geopolitical_notes[{i}].match_all[{j}]", group))
    groups.append(("gold.must_not_contain", body.must_not_contain))
    for where, strings in groups:
        for k, s in enumerate(strings):
            if not s.strip():
                raise GoldError(f"{path}: {where}[{k}]: empty string would match everything")


def load_case(path: Path) -> Case:
    """Load and validate one ``<id>.gold.json`` and its article file.

    Raises:
        GoldError: naming the file and the offending field.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise GoldError(f"{path}: cannot read gold file: {e}") from e
    try:
        case = GoldCase.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise GoldError(f"{path}: {_field_path(first['loc'])}: {first['msg']}{more}") from e
    stem = path.name[: -len(GOLD_SUFFIX)]
    if case.id != stem:
        raise GoldError(f"{path}: id: {case.id!r} does not match the file name {stem!r}")
    _check_strings(case, path)
    article_path = path.parent / case.text_file
    try:
        article = article_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GoldError(f"{path}: text_file: cannot read {article_path}: {e}") from e
    return Case(gold=case, article=article, path=path)


def load_cases(dirs: list[Path], only: list[str] | None = None) -> list[Case]:
    """Load every case from the given directories, in id order.

    The same case found in two directories (a project copy of a shared case) is scored once
    when both copies are identical; differing copies are an error.

    Args:
        dirs: directories holding ``<id>.gold.json`` files and their articles.
        only: if given, keep just these case ids (unknown ids are an error).

    Raises:
        GoldError: a directory has no cases, a file is malformed, or copies disagree.
    """
    cases: dict[str, Case] = {}
    for directory in dirs:
        files = sorted(directory.glob(f"*{GOLD_SUFFIX}"))
        if not files:
            raise GoldError(
                f"{directory}: no *{GOLD_SUFFIX} files (is --gold the right directory?)"
            )
        for file in files:
            case = load_case(file)
            seen = cases.get(case.id)
            if seen and (seen.gold != case.gold or seen.article != case.article):
                raise GoldError(f"{file}: id: {case.id!r} also in {seen.path} with other content")
            cases.setdefault(case.id, case)
    if only:
        missing = sorted(set(only) - cases.keys())
        if missing:
            raise GoldError(f"unknown case id(s): {', '.join(missing)}")
        return [cases[i] for i in sorted(set(only))]
    return [cases[i] for i in sorted(cases)]
