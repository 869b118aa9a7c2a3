"""Web accounts: users with argon2id password hashes, revocable sign-in sessions, and
limits on failed attempts.

The session cookie holds a random token; only its SHA-256 is stored, so a stolen database
does not sign anyone in, and signing out (or disabling the account) revokes it at once.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from postlens.auth import hash_key
from postlens.errors import InvalidInput, NotFound, TooManyRequests, Unauthorized
from postlens.store.schema import ApiKey, User, WebSession, utcnow

HANDLE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
MIN_PASSWORD = 10
SESSION_DAYS = 14
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory parameters


MAX_STATED = 10


@cache
def _dummy_hash() -> str:
    """Verified against when the handle is unknown, so both cases take the same time."""
    return _HASHER.hash(secrets.token_hex(16))


def create_user(session: Session, handle: str, *, password: str | None = None,
                display_name: str | None = None, interests: list[str] | None = None) -> User:
    """A new local account ("local:<handle>"); handles are 3-40 of a-z 0-9 _ . -.
    ``interests``: the curlie-36 interests the person says they have, which seed their
    profile until their own posts and likes speak."""
    handle = handle.strip().lower()
    if not HANDLE.match(handle):
        raise InvalidInput("a handle is 3 to 40 characters: a-z, 0-9, '_', '.', '-', "
                           "starting with a letter or digit")
    stored = f"local:{handle}"
    if session.scalar(select(User.id).where(User.handle == stored)) is not None:
        raise InvalidInput(f"the handle {handle!r} is taken")
    user = User(handle=stored, display_name=(display_name or handle)[:200], platform="postlens",
                password_hash=hash_password(password) if password is not None else None,
                attributes={"stated_interests": stated_interests(interests or [])})
    session.add(user)
    session.flush()
    return user


def stated_interests(interests: list[str]) -> list[str]:
    """Interest ids of curlie-36, checked, deduplicated, in the order given."""
    from postlens.interests.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    known = set(load_taxonomy(DEFAULT_TAXONOMY).ids)
    unknown = [i for i in interests if i not in known]
    if unknown:
        raise InvalidInput(f"unknown interests: {', '.join(map(repr, unknown[:5]))}")
    return list(dict.fromkeys(interests))[:MAX_STATED]


def set_stated_interests(session: Session, user_id: int, interests: list[str]) -> list[str]:
    """Replace the interests a person states (an empty list clears them)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"unknown user id {user_id}")
    stated = stated_interests(interests)
    user.attributes = {**(user.attributes or {}), "stated_interests": stated}
    session.flush()
    return stated


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD or len(password) > 1024:
        raise InvalidInput(f"a password has {MIN_PASSWORD} to 1024 characters")
    return _HASHER.hash(password)


def authenticate(session: Session, handle: str, password: str) -> User:
    """The user with this handle and password, or Unauthorized (same message either way)."""
    text = handle.strip().lower()
    stored = text if ":" in text else f"local:{text}"
    user = session.scalar(select(User).where(User.handle == stored))
    try:
        _HASHER.verify(user.password_hash if user and user.password_hash else _dummy_hash(),
                       password)
        ok = user is not None and user.password_hash is not None and not user.disabled
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        raise Unauthorized("wrong handle or password")
    return user


def start_session(session: Session, user_id: int, days: float = SESSION_DAYS) -> str:
    token = secrets.token_urlsafe(32)
    session.add(WebSession(user_id=user_id, token_hash=hash_key(token),
                           expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return token


def user_for_session(session: Session, token: str | None) -> User | None:
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_key(token)))
    if row is None or row.revoked_at is not None or _aware(row.expires_at) < utcnow():
        return None
    user = session.get(User, row.user_id)
    return None if user is None or user.disabled else user


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(update(WebSession).where(WebSession.token_hash == hash_key(token))
                        .values(revoked_at=utcnow()))


def disable_user(session: Session, user_id: int) -> None:
    """Disable an account: its sessions and keys stop working at once."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"unknown user id {user_id}")
    user.disabled = True
    now = utcnow()
    session.execute(update(WebSession).where(WebSession.user_id == user_id,
                                             WebSession.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.execute(update(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
                    .values(revoked_at=now))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


class AttemptLimiter:
    """At most ``limit`` events per key in a sliding ``window`` of seconds (sign-in
    failures per handle and per client; writes and uploads per API key)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        """Raise TooManyRequests if any key is over its limit (does not count an event)."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                events = self._trim(key, now)
                if len(events) >= self.limit:
                    wait = int(self.window - (now - events[0])) + 1
                    raise TooManyRequests(f"too many attempts; try again in {wait} s",
                                          retry_after=wait)

    def add(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._trim(key, now).append(now)
            if len(self._events) > 100_000:  # forget idle keys rather than grow forever
                for key in [k for k, v in self._events.items() if not v]:
                    del self._events[key]

    def hit(self, *keys: str) -> None:
        """Check, then count one event."""
        self.check(*keys)
        self.add(*keys)

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events[key]
        while events and now - events[0] > self.window:
            events.popleft()
        return events
