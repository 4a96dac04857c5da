"""Persistence: SQLAlchemy 2 models, Alembic migrations shipped in the package, repositories."""

from service.store.db import Database

__all__ = ["Database"]
