"""API schemas of faces, products and ads."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from postlens.service.schemas import FacePublic, InterestScore, ProductPublic


class PictureProductsPublic(BaseModel):
    faces: list[FacePublic]
    interests: list[InterestScore]
    products: list[ProductPublic]


class AdsPublic(BaseModel):
    user_id: int
    request_id: str
    arm: str = Field(description="The A/B arm that ranked these ads.")
    pictures_with_faces: int
    ads: list[ProductPublic]


class AdReaction(BaseModel):
    kind: Literal["click", "dismiss"]


class AdReactionPublic(BaseModel):
    impression_id: int
    kind: str
    product: str | None


def faces_public(faces: list[dict[str, Any]] | None) -> list[FacePublic]:
    return [FacePublic(**face) for face in faces or []]


def products_public(products: list[dict[str, Any]]) -> list[ProductPublic]:
    return [ProductPublic(**p) for p in products]
