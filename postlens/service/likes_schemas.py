"""API schemas of likes predictions."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LikesDriver(BaseModel):
    feature: str = Field(description="What moved the prediction, in words.")
    block: str
    effect: float = Field(description="Effect on log1p(likes).")
    percent: float = Field(description="The same effect in % of likes.")


class LikesPredictionPublic(BaseModel):
    path: str = Field(description="The picture's file name.")
    account: str | None
    likes: int
    low: int = Field(description="Lower end of the interval.")
    high: int = Field(description="Upper end of the interval.")
    coverage: float = Field(description="Share of actual likes the interval should contain.")
    basis: str = Field(description="The account's history, or new-account prediction.")
    drivers: list[LikesDriver]
    rank: int = Field(1, description="Rank among the candidate pictures sent together.")
