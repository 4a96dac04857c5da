"""Which database errors mean "unavailable" (503 database_unavailable) and which are bugs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service.errors import DatabaseUnavailableError
from service.store.db import Database, describe
from service.store.jobs import NewJob, create_job, get_job


def test_sqlite_file_gone_then_back(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    db = Database(f"sqlite:///{path}")
    job = create_job(db, NewJob(article={"text": "x"}, owner=None))
    db.dispose()  # no pooled connection keeps the old file open
    shutil.move(path, tmp_path / "away.db")
    path.mkdir()  # what the service opens is no database file now
    with pytest.raises(DatabaseUnavailableError) as caught:
        get_job(db, job.id)
    assert caught.value.code == "database_unavailable"
    assert caught.value.details["retry_after"] > 0
    assert isinstance(caught.value.__cause__, OperationalError)
    assert "unable to open database file" in describe(caught.value)
    with pytest.raises(DatabaseUnavailableError):
        db.ping()
    path.rmdir()
    shutil.move(tmp_path / "away.db", path)
    found = get_job(db, job.id)  # the same Database object: no restart
    assert found is not None and found.status == "queued"
    db.ping()


def test_statement_bugs_are_not_outages(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'bugs.db'}")
    with pytest.raises(OperationalError), db.session() as s:
        s.execute(text("SELEC 1"))  # a syntax error stays a 500, never a misleading 503
    with pytest.raises(OperationalError), db.session() as s:
        s.execute(text("SELECT no_such_column FROM jobs"))
