"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from postlens import __version__
from postlens.service.deps import SessionDep, StateDep

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(session: SessionDep, state: StateDep) -> dict[str, str]:
    """Whether the server and its database answer, and which recommender it serves."""
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__,
            "model_version": state.core.recommender.version}
