"""Account operations as the web app, the API and the CLI use them, with their limits:
five failed sign-ins per handle and twenty per client in fifteen minutes."""

from __future__ import annotations

from sqlalchemy import select

from postlens.accounts import (
    AttemptLimiter,
    authenticate,
    create_user,
    disable_user,
    end_session,
    set_stated_interests,
    start_session,
)
from postlens.auth import issue_key, operator, revoke_key, user_for_key
from postlens.errors import Unauthorized
from postlens.store.db import Database
from postlens.store.schema import ApiKey, User


class Accounts:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.per_handle = AttemptLimiter(5, 900.0)
        self.per_client = AttemptLimiter(20, 900.0)

    def sign_up(self, handle: str, password: str, interests: list[str] | None = None) -> str:
        """A new account with a password (and the interests it states), signed in: its
        session token."""
        with self.db.transaction() as session:
            user = create_user(session, handle, password=password, interests=interests)
            return start_session(session, user.id)

    def state_interests(self, user_id: int, interests: list[str]) -> list[str]:
        """Replace the interests a person states about themselves."""
        with self.db.transaction() as session:
            return set_stated_interests(session, user_id, interests)

    def sign_in(self, handle: str, password: str, client: str) -> str:
        keys = (f"h:{handle.strip().lower()}",), (f"c:{client}",)
        self.per_handle.check(*keys[0])
        self.per_client.check(*keys[1])
        try:
            with self.db.transaction() as session:
                user = authenticate(session, handle, password)
                return start_session(session, user.id)
        except Unauthorized:
            self.per_handle.add(*keys[0])
            self.per_client.add(*keys[1])
            raise

    def sign_in_with_key(self, key: str, client: str) -> str:
        self.per_client.check(f"c:{client}")
        try:
            with self.db.transaction() as session:
                return start_session(session, user_for_key(session, key).id)
        except Unauthorized:
            self.per_client.add(f"c:{client}")
            raise

    def sign_in_as(self, user_id: int) -> str:
        """A session for a user the caller vouches for (demo sign-in)."""
        with self.db.transaction() as session:
            return start_session(session, user_id)

    def sign_out(self, token: str | None) -> None:
        with self.db.transaction() as session:
            end_session(session, token)

    # -- operators ------------------------------------------------------------------------
    def add_user(self, handle: str, password: str | None = None) -> User:
        with self.db.transaction() as session:
            return create_user(session, handle, password=password)

    def users(self) -> list[User]:
        with self.db.reader() as session:
            return list(session.scalars(select(User).order_by(User.id)))

    def disable(self, user_id: int) -> None:
        with self.db.transaction() as session:
            disable_user(session, user_id)

    def create_key(self, user_id: int, label: str | None = None) -> str:
        with self.db.transaction() as session:
            return issue_key(session, user_id, label)

    def revoke_key(self, key_id: int) -> None:
        with self.db.transaction() as session:
            revoke_key(session, key_id)

    def keys(self, user_id: int) -> list[ApiKey]:
        with self.db.reader() as session:
            return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user_id)
                                        .order_by(ApiKey.id)))

    def ensure_operator(self) -> User:
        with self.db.transaction() as session:
            return operator(session)
