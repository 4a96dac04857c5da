"""API keys: only a SHA-256 of each high-entropy token is stored."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid

from sqlalchemy import or_, select

from service.store.db import Database
from service.store.models import ApiKey, utcnow
from service.store.types import KeyRecord

TOKEN_PREFIX = "sk_"


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an API key (the token has 256 bits of entropy, so no salt)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + standard base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_key(
    db: Database,
    name: str,
    *,
    rate_limit_per_minute: int | None = None,
    token_budget_per_day: int | None = None,
) -> tuple[KeyRecord, str]:
    """Create a key; the plaintext token is returned once and never stored.

    Args:
        db: The database.
        name: A human label, e.g. the CMS that will use the key.
        rate_limit_per_minute: Overrides the server default for this key.
        token_budget_per_day: Overrides the server default for this key.

    Returns:
        The stored key row and the plaintext token.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=uuid.uuid4().hex,
        name=name,
        key_hash=hash_token(token),
        key_prefix=token[:10],
        webhook_secret=new_webhook_secret(),
        rate_limit_per_minute=rate_limit_per_minute,
        token_budget_per_day=token_budget_per_day,
        created_at=utcnow(),
    )
    with db.session() as s:
        s.add(key)
        s.flush()
        return KeyRecord.from_row(key), token


def find_key(db: Database, token: str) -> KeyRecord | None:
    """The key whose hash matches ``token`` (revoked or not), or None."""
    with db.session() as s:
        key = s.scalar(select(ApiKey).where(ApiKey.key_hash == hash_token(token)))
        return KeyRecord.from_row(key) if key else None


def list_keys(db: Database) -> list[KeyRecord]:
    """Every key, oldest first."""
    with db.session() as s:
        return [
            KeyRecord.from_row(k) for k in s.scalars(select(ApiKey).order_by(ApiKey.created_at))
        ]


def revoke_key(db: Database, ident: str) -> KeyRecord | None:
    """Revoke the key with this id or token prefix; returns it, or None if none matched."""
    with db.session() as s:
        key = s.scalar(select(ApiKey).where(or_(ApiKey.id == ident, ApiKey.key_prefix == ident)))
        if key is not None and key.revoked_at is None:
            key.revoked_at = utcnow()
        return KeyRecord.from_row(key) if key else None
