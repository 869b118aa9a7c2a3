"""API keys: issued once, stored as SHA-256, revocable, resolved to the user they act for."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.errors import Forbidden, NotFound, Unauthorized
from postlens.store.schema import ApiKey, User, utcnow

__all__ = ["Forbidden", "Unauthorized", "hash_key", "issue_key", "operator", "revoke_key",
           "user_for_key"]
KEY_PREFIX = "pl_"
OPERATOR_HANDLE = "postlens:operator"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, user_id: int, label: str | None = None) -> str:
    """Create a key for a user; the plain key is returned once and never stored."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"unknown user id {user_id}")
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    session.add(ApiKey(user_id=user_id, key_hash=hash_key(key), label=label))
    session.flush()
    return key


def revoke_key(session: Session, key_id: int) -> None:
    """Revoke a key: it stops working at once (servers cache lookups for at most 30 s)."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"unknown API key id {key_id}")
    key.revoked_at = key.revoked_at or utcnow()


def user_for_key(session: Session, key: str | None) -> User:
    if not key:
        raise Unauthorized("an API key is required (header X-API-Key)")
    user = session.scalar(select(User).join(ApiKey, ApiKey.user_id == User.id)
                          .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
    if user is None:
        raise Unauthorized("unknown or revoked API key")
    if user.disabled:
        raise Unauthorized("this account is disabled")
    return user


def is_operator_key(key: str | None, admin_key: str | None) -> bool:
    return bool(key and admin_key and hmac.compare_digest(key.encode(), admin_key.encode()))


def operator(session: Session) -> User:
    """The account the operator's key (POSTLENS_ADMIN_KEY) acts as, made on first use."""
    user = session.scalar(select(User).where(User.handle == OPERATOR_HANDLE))
    if user is None:
        user = User(handle=OPERATOR_HANDLE, display_name="operator", platform="postlens")
        session.add(user)
        session.flush()
    return user
