"""Alembic migrations: up, down and up again on SQLite and PostgreSQL; the schema matches models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from service.store import Database
from service.store.db import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    normalise_url,
    upgrade,
)
from service.store.models import Base

TABLES = {
    "api_keys",
    "batches",
    "jobs",
    "results",
    "idempotency_keys",
    "usage",
    "webhook_deliveries",
    "result_owners",
}


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
    assert MIGRATIONS_DIR.parent.name == "store"


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        downgrade(engine, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_database_migrates_itself_on_first_use(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert current_revision(db.engine) == head_revision()
        db.ping()
        Database(db_url).dispose()  # already at head: opening again is a no-op
    finally:
        db.dispose()
