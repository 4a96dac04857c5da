"""Engine, sessions and migrations. SQLite by default; PostgreSQL (psycopg 3) by URL.

A database that cannot be reached (refused, dropped connection, unreadable SQLite file, pool
exhausted) raises ``DatabaseUnavailableError`` from ``Database.session()`` and ``ping()``; the API
answers it with ``503 database_unavailable`` and ``Retry-After``. Nothing has to restart when
the database is back: the pool checks connections before use (``pool_pre_ping``) and reconnects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker

from service.errors import DatabaseUnavailableError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT_S = 5  # PostgreSQL: a server that does not answer fails fast, not after minutes
RETRY_AFTER_S = 5
# OperationalErrors that are bugs in a statement, not an unreachable database (SQLite reports
# both kinds with the one class).
_STATEMENT_BUG = re.compile(r"syntax error|no such (column|function)|near \"", re.IGNORECASE)


def unavailable(error: BaseException) -> bool:
    """Whether a SQLAlchemy error means the database cannot be used right now."""
    if isinstance(error, (exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, exc.OperationalError) and not _STATEMENT_BUG.search(str(error.orig))


def unavailable_error() -> DatabaseUnavailableError:
    """The domain error for an unreachable database (raise it ``from`` the driver's error).

    Clients get only the code and ``Retry-After``; the driver's message (which names hosts and
    ports) stays in the exception's ``__cause__``, for ``describe`` and the logs.
    """
    return DatabaseUnavailableError(
        "The database is unavailable; retry later.", retry_after=RETRY_AFTER_S
    )


def describe(error: BaseException) -> str:
    """A one-line reason for an operator: the driver error behind ``error``, if any."""
    cause = error.__cause__ if isinstance(error, DatabaseUnavailableError) else error
    orig = getattr(cause, "orig", None) or cause or error
    line = str(orig).strip().splitlines()[0][:200] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {line}" if line else type(orig).__name__


def normalise_url(url: str) -> str:
    """Select psycopg 3 for PostgreSQL URLs given without a driver.

    Args:
        url: A SQLAlchemy database URL, e.g. ``postgresql://user@host/db``.

    Returns:
        The URL with ``postgresql+psycopg://`` when no driver was named.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys.

    SQLite also gets ``synchronous=NORMAL``, SQLite's recommended setting in WAL mode: a commit
    no longer waits for an fsync (the WAL is synced at checkpoints), so the database stays
    consistent after a crash and loses at most the last commits on power loss. PostgreSQL is the
    store for production data that must survive that.
    """
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if "+psycopg" in url else {}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def alembic_config() -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind ``engine`` down to ``revision`` (``base`` empties it)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this package."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class Database:
    """An engine plus a session factory; migrates itself on first use."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        if migrate and current_revision(self.engine) != head_revision():
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        Raises:
            DatabaseUnavailableError: the database could not be reached or dropped the
                connection (other database errors propagate unchanged).
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except exc.SQLAlchemyError as error:
            if unavailable(error):
                raise unavailable_error() from error
            raise

    def ping(self) -> None:
        """Run ``SELECT 1``.

        Raises:
            DatabaseUnavailableError: the database is unreachable.
        """
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except exc.SQLAlchemyError as error:
            if unavailable(error):
                raise unavailable_error() from error
            raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
