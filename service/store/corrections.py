"""Corrections: append-only versions of an editor's review of a job's result.

A save never updates a row: it adds version ``n + 1`` of the job's correction set, and only when
the editor started from version ``n`` (otherwise the caller reports a conflict). Every function
returns plain ``CorrectionRecord`` objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service.store.db import Database
from service.store.models import ApiKey, Correction, Job, utcnow
from service.store.types import CorrectionRecord, JobRecord


class VersionConflict(Exception):
    """The job's latest correction version is not the one the editor started from."""

    def __init__(self, latest: int) -> None:
        super().__init__(f"latest version is {latest}")
        self.latest = latest


def _record(row: Any) -> CorrectionRecord:
    c: Correction = row[0]
    return CorrectionRecord(
        id=c.id,
        job_id=c.job_id,
        version=c.version,
        api_key_id=c.api_key_id,
        key_name=row[1],
        items=list(c.items),
        comment=c.comment,
        created_at=c.created_at,
    )


def _select() -> Any:
    return select(Correction, ApiKey.name).outerjoin(ApiKey, ApiKey.id == Correction.api_key_id)


def add_version(
    db: Database,
    job_id: str,
    *,
    base_version: int,
    api_key_id: str | None,
    items: list[dict[str, Any]],
    comment: str | None = None,
) -> CorrectionRecord:
    """Store the next version of the job's corrections.

    Raises:
        VersionConflict: the latest version is not ``base_version`` (someone saved meanwhile).
    """
    try:
        with db.session() as s:
            latest = s.scalar(
                select(func.max(Correction.version)).where(Correction.job_id == job_id)
            )
            latest = int(latest or 0)
            if latest != base_version:
                raise VersionConflict(latest)
            row = Correction(
                job_id=job_id,
                version=latest + 1,
                api_key_id=api_key_id,
                items=items,
                comment=comment,
                created_at=utcnow(),
            )
            s.add(row)
            s.flush()
            new_id = row.id
    except IntegrityError as exc:  # a concurrent save took the same version number
        raise VersionConflict(latest_version(db, job_id)) from exc
    found = get_version_by_id(db, new_id)
    assert found is not None
    return found


def get_version_by_id(db: Database, correction_id: int) -> CorrectionRecord | None:
    """One stored version by its row id."""
    with db.session() as s:
        row = s.execute(_select().where(Correction.id == correction_id)).first()
        return _record(row) if row else None


def latest_version(db: Database, job_id: str) -> int:
    """The newest version number of the job's corrections (0: never corrected)."""
    with db.session() as s:
        n = s.scalar(select(func.max(Correction.version)).where(Correction.job_id == job_id))
        return int(n or 0)


def list_versions(db: Database, job_id: str) -> list[CorrectionRecord]:
    """Every version of the job's corrections, oldest first."""
    with db.session() as s:
        rows = s.execute(
            _select().where(Correction.job_id == job_id).order_by(Correction.version)
        ).all()
        return [_record(r) for r in rows]


def get_version(db: Database, job_id: str, version: int | None = None) -> CorrectionRecord | None:
    """One version of the job's corrections (None: the latest), or None when there is none."""
    query = _select().where(Correction.job_id == job_id)
    if version is None:
        query = query.order_by(Correction.version.desc()).limit(1)
    else:
        query = query.where(Correction.version == version)
    with db.session() as s:
        row = s.execute(query).first()
        return _record(row) if row else None


def corrected_jobs(
    db: Database, *, since: datetime | None = None, api_key_id: str | None = None
) -> list[tuple[JobRecord, CorrectionRecord]]:
    """Jobs with corrections and the latest version of each, oldest job first.

    Args:
        db: The database.
        since: Only jobs whose latest version was saved at or after this moment.
        api_key_id: Only jobs owned by this key.
    """
    newest = (
        select(Correction.job_id, func.max(Correction.version).label("version"))
        .group_by(Correction.job_id)
        .subquery()
    )
    query = (
        select(Correction, ApiKey.name, Job)
        .join(
            newest,
            (newest.c.job_id == Correction.job_id) & (newest.c.version == Correction.version),
        )
        .join(Job, Job.id == Correction.job_id)
        .outerjoin(ApiKey, ApiKey.id == Correction.api_key_id)
        .order_by(Job.created_at, Job.id)
    )
    if since is not None:
        query = query.where(Correction.created_at >= since)
    if api_key_id is not None:
        query = query.where(Job.api_key_id == api_key_id)
    with db.session() as s:
        rows: Any = s.execute(query).all()
        return [(JobRecord.from_row(r[2]), _record(r)) for r in rows]
