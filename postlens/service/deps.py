"""Dependencies as named types (SessionDep, StateDep, CurrentUser...)."""

from __future__ import annotations

import hmac
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Cookie, Depends, Header, Request
from sqlalchemy.orm import Session

from postlens.auth import Forbidden, Unauthorized, user_for_key
from postlens.service.state import AppState
from postlens.store.schema import User

KEY_COOKIE = "postlens_key"


# The dependencies below do no blocking I/O (a session connects lazily; key lookups are
# cached), so they are async: FastAPI would otherwise run each in its own thread-pool hop.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.postlens
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    with state.core.db.reader() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def api_key(x_api_key: Annotated[str | None, Header()] = None,
            postlens_key: Annotated[str | None, Cookie()] = None) -> str | None:
    """The key from the X-API-Key header, or from the web app's HttpOnly cookie."""
    return x_api_key or postlens_key


KeyDep = Annotated[str | None, Depends(api_key)]


KEY_CACHE_SECONDS = 30.0


def cached_user(session: Session, key: str | None, state: AppState) -> User:
    """The key's user; lookups are cached for 30 s (a revoked key stops within that)."""
    now, cache = time.monotonic(), state.key_cache
    if key and key in cache and cache[key][1] > now:
        return cache[key][0]
    user = user_for_key(session, key)  # raises Unauthorized for a missing or unknown key
    if len(cache) > 10_000:
        cache.clear()
    cache[str(key)] = (user, now + KEY_CACHE_SECONDS)
    return user


async def current_user(session: SessionDep, key: KeyDep, state: StateDep) -> User:
    return cached_user(session, key, state)


async def optional_user(session: SessionDep, key: KeyDep, state: StateDep) -> User | None:
    """The signed-in user for web pages; a missing or stale cookie means signed out."""
    try:
        return cached_user(session, key, state) if key else None
    except Unauthorized:
        return None


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_self(user_id: int, user: User, state: AppState, key: str | None) -> None:
    """A user may read and change only their own private data (or an operator, all)."""
    admin = state.core.settings.admin_key
    if admin is not None and key is not None and hmac.compare_digest(
            key, admin.get_secret_value()):
        return
    if user.id != user_id:
        raise Forbidden("you can only see and change your own data")
