"""The corrections table: migration 0002 after 0001, append-only versions, export queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from service.store import Database
from service.store import corrections as store
from service.store import jobs as job_store
from service.store.db import current_revision, downgrade, head_revision, make_engine, upgrade
from service.store.keys import create_key
from service.store.models import utcnow


def test_migration_0002_chains_after_0001_and_downgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0002")  # later migrations follow it; this one is about 0002
        assert current_revision(engine) == "0002"
        assert "corrections" in inspect(engine).get_table_names()
        downgrade(engine, "0001")
        assert "corrections" not in inspect(engine).get_table_names()
        assert "jobs" in inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert "corrections" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_versions_append_and_conflict(db_url: str) -> None:
    db = Database(db_url)
    try:
        key, _ = create_key(db, "desk")
        other, _ = create_key(db, "other")
        job = job_store.create_job(db, job_store.NewJob(article={"text": "x"}, owner=key.id))
        theirs = job_store.create_job(db, job_store.NewJob(article={"text": "y"}, owner=other.id))
        assert store.latest_version(db, job.id) == 0 and store.get_version(db, job.id) is None
        v1 = store.add_version(db, job.id, base_version=0, api_key_id=key.id, items=[])
        item = {"action": "reject", "section": "topics", "index": 0}
        v2 = store.add_version(db, job.id, base_version=1, api_key_id=key.id, items=[item])
        assert (v1.version, v2.version, v2.key_name, v2.items) == (1, 2, "desk", [item])
        with pytest.raises(store.VersionConflict) as info:
            store.add_version(db, job.id, base_version=1, api_key_id=key.id, items=[])
        assert info.value.latest == 2
        assert [v.version for v in store.list_versions(db, job.id)] == [1, 2]
        assert store.get_version(db, job.id).version == 2  # type: ignore[union-attr]
        assert store.get_version(db, job.id, 1).items == []  # type: ignore[union-attr]
        store.add_version(db, theirs.id, base_version=0, api_key_id=other.id, items=[])

        found = store.corrected_jobs(db)
        assert [(j.id, c.version) for j, c in found] == [(job.id, 2), (theirs.id, 1)]
        assert [j.id for j, _ in store.corrected_jobs(db, api_key_id=other.id)] == [theirs.id]
        assert store.corrected_jobs(db, since=utcnow() + timedelta(days=1)) == []
        assert len(store.corrected_jobs(db, since=utcnow() - timedelta(days=1))) == 2
    finally:
        db.dispose()
