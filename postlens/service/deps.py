"""Dependencies as named types (SessionDep, StateDep, CurrentUser...).

Who is asking: an API key in ``X-API-Key`` (the operator's key included), or the web app's
sign-in session cookie. Keys and sessions are looked up once per 30 s per server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Cookie, Depends, Header, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.accounts import user_for_session
from postlens.auth import OPERATOR_HANDLE, Forbidden, Unauthorized, is_operator_key, user_for_key
from postlens.service.state import AppState
from postlens.store.db import MAX_ID
from postlens.store.schema import User

SESSION_COOKIE = "postlens_session"

# Ids in paths: positive 64-bit integers (larger ones are a 422, not a database overflow).
PostId = Annotated[int, Path(ge=1, le=MAX_ID, description="A post id.")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="A user id.")]


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


async def api_key(x_api_key: Annotated[str | None, Header()] = None) -> str | None:
    """The key from the X-API-Key header."""
    return x_api_key


async def session_token(postlens_session: Annotated[str | None, Cookie()] = None
                        ) -> str | None:
    return postlens_session


KeyDep = Annotated[str | None, Depends(api_key)]
TokenDep = Annotated[str | None, Depends(session_token)]
CACHE_SECONDS = 30.0


def cached_user(session: Session, state: AppState, key: str | None, token: str | None
                ) -> User:
    """The asking user (key first, then session); cached for 30 s, so a revoked key or a
    signed-out session stops working within that."""
    now, cache = time.monotonic(), state.key_cache
    ident = f"k:{key}" if key else f"s:{token}" if token else ""
    if ident and ident in cache and cache[ident][1] > now:
        return cache[ident][0]
    admin = state.core.settings.admin_key
    if key and is_operator_key(key, admin.get_secret_value() if admin else None):
        user = session.scalar(select(User).where(User.handle == OPERATOR_HANDLE))
        if user is None:
            raise Unauthorized("the operator account is not set up; restart the server")
    elif key:
        user = user_for_key(session, key)  # raises Unauthorized for an unknown key
    else:
        found = user_for_session(session, token)
        if found is None:
            raise Unauthorized("sign in, or send an API key (header X-API-Key)")
        user = found
    if len(cache) > 10_000:
        cache.clear()
    cache[ident] = (user, now + CACHE_SECONDS)
    return user


async def current_user(session: SessionDep, key: KeyDep, token: TokenDep,
                       state: StateDep) -> User:
    return cached_user(session, state, key, token)


async def optional_user(session: SessionDep, key: KeyDep, token: TokenDep,
                        state: StateDep) -> User | None:
    """The signed-in user for web pages; a missing or stale session means signed out."""
    try:
        return cached_user(session, state, key, token) if key or token else None
    except Unauthorized:
        return None


async def uploader(user: Annotated[User, Depends(current_user)], state: StateDep) -> User:
    """The asking user, within their upload rate."""
    state.uploads.hit(f"u:{user.id}")
    return user


async def writer(user: Annotated[User, Depends(current_user)], state: StateDep) -> User:
    """The asking user, within their write rate."""
    state.writes.hit(f"u:{user.id}")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
Uploader = Annotated[User, Depends(uploader)]
Writer = Annotated[User, Depends(writer)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def is_operator(user: User) -> bool:
    return user.handle == OPERATOR_HANDLE


def require_self(user_id: int, user: User) -> None:
    """A user may read and change only their own private data (the operator, anyone's)."""
    if user.id != user_id and not is_operator(user):
        raise Forbidden("you can only see and change your own data")
