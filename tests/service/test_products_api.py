"""Products for a picture, ads for a user and reactions, through the API and the pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from skimage import data as skdata

from tests.conftest import jpeg_bytes
from tests.service.conftest import user_id
from tests.service.test_pages import sign_in


def test_products_for_a_picture(client: TestClient, keys: dict[str, str]) -> None:
    key = keys["demo:bea"]
    response = client.post("/api/products/recommendations", headers={"X-API-Key": key},
                           files={"file": ("a.jpg", jpeg_bytes(skdata.astronaut()), "image/jpeg")},
                           data={"k": "4"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["faces"]) == 1 and body["faces"][0]["attributes"]["hat"] < 0.5
    assert 1 <= len(body["products"]) <= 4
    assert all(p["reasons"] and p["score"] > 0 for p in body["products"])
    anonymous = client.post("/api/products/recommendations",
                            files={"file": ("a.jpg", b"x", "image/jpeg")})
    assert anonymous.status_code == 401
    bad = client.post("/api/products/recommendations", headers={"X-API-Key": key},
                      files={"file": ("a.jpg", b"not a picture", "image/jpeg")})
    assert bad.status_code == 415 and bad.json()["error"]["code"]  # not a picture type


def test_upload_answer_and_post_page_show_faces_and_products(client: TestClient,
                                                             keys: dict[str, str]) -> None:
    key = keys["demo:bea"]
    response = client.post("/api/analyses", headers={"X-API-Key": key},
                           files={"file": ("a.jpg", jpeg_bytes(skdata.astronaut()), "image/jpeg")},
                           data={"caption": "space walk"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["faces"]) == 1 and body["products"]
    post = client.get(f"/api/posts/{body['post_id']}", headers={"X-API-Key": key}).json()
    assert len(post["faces"]) == 1
    sign_in(client, "demo:bea")
    page = client.get(f"/posts/{body['post_id']}")
    assert page.status_code == 200
    assert 'class="face-box"' in page.text and "Products for this picture" in page.text


def test_ads_for_a_user_and_reactions(client: TestClient, keys: dict[str, str]) -> None:
    key = keys["demo:bea"]
    me = user_id(client, key)
    response = client.get(f"/api/users/{me}/ads?k=3", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["arm"] in ("interests+faces", "interests") and 1 <= len(body["ads"]) <= 3
    impression = body["ads"][0]["impression_id"]
    click = client.post(f"/api/ads/{impression}/reactions", headers={"X-API-Key": key},
                        json={"kind": "click"})
    assert click.status_code == 200 and click.json()["kind"] == "click"
    other = keys["demo:cai"] if "demo:cai" in keys else next(k for h, k in keys.items()
                                                             if h != "demo:bea")
    assert client.get(f"/api/users/{me}/ads", headers={"X-API-Key": other}).status_code == 403
    assert client.post(f"/api/ads/{impression}/reactions", headers={"X-API-Key": other},
                       json={"kind": "click"}).status_code == 403
    assert client.post(f"/api/ads/{impression}/reactions", headers={"X-API-Key": key},
                       json={"kind": "buy"}).status_code == 422
    assert client.post("/api/ads/99999999/reactions", headers={"X-API-Key": key},
                       json={"kind": "click"}).status_code == 404
    sign_in(client, "demo:bea")
    page = client.get("/me")
    assert page.status_code == 200 and "Ads for you" in page.text
