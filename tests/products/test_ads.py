"""Products for a picture and ads for a user: ranking, reasons, caps, exclusions, A/B."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data as skdata

from postlens.accounts import create_user
from postlens.core import Postlens
from postlens.errors import Forbidden, InvalidInput, NotFound
from postlens.faces.attributes import FACE_TARGETS
from postlens.products.matching import Evidence, rank
from postlens.products.store import CatalogueMatrix
from tests.conftest import jpeg_bytes

IDS = ["camping", "golf"]


def catalogue() -> CatalogueMatrix:
    attributes = np.zeros((3, len(FACE_TARGETS)), dtype=np.float32)
    attributes[0, FACE_TARGETS.index("hat")] = 1
    attributes[1, FACE_TARGETS.index("beard")] = 1
    interests = np.array([[0.2, 0], [0, 0], [0.9, 0]], dtype=np.float32)
    return CatalogueMatrix(np.array([11, 12, 13]), ["Beanie", "Beard oil", "Tent"],
                           ["hats", "beard care", "outdoor"], interests, attributes, IDS)


def evidence(hat: float = 0.0, beard: float = 0.0, camping: float = 0.0) -> Evidence:
    return Evidence.build([{"hat": hat, "beard": beard}], {"camping": camping}, IDS,
                          ["Camping", "Golf"])


def test_what_a_face_wears_comes_first_with_its_reason() -> None:
    matches = rank(catalogue(), evidence(hat=0.91, camping=0.4), k=3)
    assert [m.name for m in matches] == ["Beanie", "Tent"]
    assert matches[0].reasons[0] == "wearing a hat (91%) -> Beanie"
    assert "about Camping (40%) -> Beanie" in matches[0].reasons
    assert matches[0].score > matches[1].score


def test_each_thing_seen_gets_a_product_before_any_gets_a_second() -> None:
    attributes = np.zeros((4, len(FACE_TARGETS)), dtype=np.float32)
    attributes[:3, FACE_TARGETS.index("beard")] = 1
    attributes[3, FACE_TARGETS.index("hat")] = 1
    beards = CatalogueMatrix(np.array([1, 2, 3, 4]), ["Oil", "Balm", "Trimmer", "Cap"],
                             ["beard care"] * 3 + ["hats"], np.zeros((4, 2), np.float32),
                             attributes, IDS)
    matches = rank(beards, evidence(hat=0.7, beard=0.95), k=3)
    assert [m.name for m in matches] == ["Oil", "Cap", "Balm"]
    assert matches[1].reasons == ["wearing a hat (70%) -> Cap"]
    assert [m.name for m in rank(beards, evidence(beard=0.95), k=3)] == ["Oil", "Balm", "Trimmer"]


def test_nothing_seen_and_no_interest_gives_no_products() -> None:
    assert rank(catalogue(), evidence(hat=0.3, beard=0.2), k=3) == []
    no_person = rank(catalogue(), evidence(camping=0.5), k=3)
    assert [m.name for m in no_person] == ["Tent", "Beanie"]
    assert all("wearing" not in r for m in no_person for r in m.reasons)


def test_excluded_products_and_face_weight_zero() -> None:
    exclude = np.array([True, False, False])
    assert [m.name for m in rank(catalogue(), evidence(hat=0.9, beard=0.8), 3, exclude)] == [
        "Beard oil"]
    assert rank(catalogue(), evidence(hat=0.9), 3, face_weight=0.0) == []


def test_products_for_a_picture_without_people(core: Postlens) -> None:
    analysis = core.analyzer_for(["embedding", "labels", "categories", "faces"]).analyze_one(
        "coffee.jpg", jpeg_bytes(skdata.coffee()))
    body = core.products.for_analysis(analysis, None, k=5)
    assert body["faces"] == []
    assert body["products"]  # interests of the picture still point somewhere
    assert all(not set(p["target_attributes"]) or not any(
        "wearing" in r or "has a" in r for r in p["reasons"]) for p in body["products"])
    with pytest.raises(InvalidInput):
        core.products.for_picture([], [], k=0)


def test_ads_are_capped_dismissable_logged_and_reported(core: Postlens) -> None:
    with core.db.transaction() as session:
        user = create_user(session, "hiker", interests=["camping", "golf"])
        other = create_user(session, "someone")
        user_id, other_id = user.id, other.id
    core.ads.cap = 2
    first = core.ads.ads(user_id, k=2)
    assert first["arm"] in ("interests+faces", "interests")
    assert len(first["ads"]) == 2 and all(a["impression_id"] for a in first["ads"])
    assert all(a["reasons"] for a in first["ads"])
    top = first["ads"][0]["sku"]
    second = core.ads.ads(user_id, k=2)
    assert second["ads"][0]["sku"] == top  # shown twice: the cap is reached
    third = core.ads.ads(user_id, k=2)
    assert top not in [a["sku"] for a in third["ads"]]
    dismissed = third["ads"][0]
    core.ads.react(user_id, dismissed["impression_id"], "dismiss")
    core.ads.react(user_id, dismissed["impression_id"], "dismiss")  # idempotent
    fourth = core.ads.ads(user_id, k=5)
    assert dismissed["sku"] not in [a["sku"] for a in fourth["ads"]]
    shown = sum(len(page["ads"]) for page in (first, second, third, fourth))
    core.ads.react(user_id, first["ads"][1]["impression_id"], "click")
    with pytest.raises(Forbidden):
        core.ads.react(other_id, first["ads"][1]["impression_id"], "click")
    with pytest.raises(NotFound):
        core.ads.react(user_id, 10**9, "click")
    with pytest.raises(NotFound):
        core.ads.ads(10**9)
    report = {row["arm"]: row for row in core.abtest_report("ads")}
    arm = first["arm"]
    assert report[arm]["impressions"] == shown
    assert report[arm]["clicks"] == 1 and report[arm]["dislikes"] == 1  # the dismissal


def test_a_user_whose_pictures_show_a_face_gets_face_products(core: Postlens) -> None:
    with core.db.transaction() as session:
        user = create_user(session, "astro")
    core.upload(user, jpeg_bytes(skdata.astronaut()), "first day in orbit")
    with core.db.reader() as session:
        shares, pictures = core.ads.face_shares(session, user.id)
    assert pictures == 1
    assert shares[FACE_TARGETS.index("hat")] == 0.0


def test_excluded_categories_are_never_shown(core: Postlens) -> None:
    with core.db.transaction() as session:
        user = create_user(session, "nopets", interests=["pets", "cooking"])
        user.attributes = {**user.attributes, "ad_exclusions": ["pets"]}
        user_id = user.id
    shown = core.ads.ads(user_id, k=5)["ads"]
    assert shown and all(a["category"] != "pets" for a in shown)
