"""API keys: issued once, stored as SHA-256, resolved to the user they act for."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.errors import Forbidden, Unauthorized
from postlens.store.schema import ApiKey, User

__all__ = ["Forbidden", "Unauthorized", "hash_key", "issue_key", "user_for_key"]
KEY_PREFIX = "pl_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, user_id: int, label: str | None = None) -> str:
    """Create a key for a user; the plain key is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    session.add(ApiKey(user_id=user_id, key_hash=hash_key(key), label=label))
    session.flush()
    return key


def user_for_key(session: Session, key: str | None) -> User:
    if not key:
        raise Unauthorized("an API key is required (header X-API-Key)")
    user = session.scalar(select(User).join(ApiKey, ApiKey.user_id == User.id)
                          .where(ApiKey.key_hash == hash_key(key)))
    if user is None:
        raise Unauthorized("unknown API key")
    return user
