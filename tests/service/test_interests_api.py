"""Interests over the API: text interests, and a user's stored profile."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import user_id


def test_text_interests(client: TestClient) -> None:
    response = client.post("/api/interests", json={
        "text": "Final round of the golf tournament at Augusta #TheMasters", "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["taxonomy"] == "curlie-36" and body["image"] == []
    assert body["fused"][0]["id"] == "golf" and len(body["text"]) == 3
    babel = client.post("/api/interests", json={"text": "pasta and red wine in Rome",
                                                "taxonomy": "babelnet-34"}).json()
    assert babel["fused"][0]["id"] == "food_and_drink"


def test_text_interests_validation(client: TestClient) -> None:
    for body in ({"text": ""}, {"text": "x" * 5001}, {"text": "golf", "k": 0}):
        response = client.post("/api/interests", json=body)
        assert response.status_code == 422 and "message" in response.json()["error"]
    response = client.post("/api/interests", json={"text": "golf", "taxonomy": "/etc/passwd"})
    assert response.status_code == 422
    error = response.json()["error"]  # an enum in the schema: refused by validation
    assert error["code"] == "invalid_input" and "curlie-36" in error["message"]


def test_profile_lists_interests_with_supporting_posts(client: TestClient,
                                                       keys: dict[str, str]) -> None:
    key = keys["demo:bea"]
    uid = user_id(client, key)
    response = client.get(f"/api/users/{uid}/profile", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["taxonomy"] == "curlie-36" and len(body["interests"]) == 5
    assert body["posts_used"] > 0 and body["interactions"] > 0
    first = body["interests"][0]
    assert first["supporting_posts"] and 0 < first["score"] <= 1
    for post_id in first["supporting_posts"]:
        assert client.get(f"/api/posts/{post_id}").status_code == 200
    domains = client.get(f"/api/users/{uid}/profile?taxonomy=babelnet-34&k=3",
                         headers={"X-API-Key": key}).json()
    assert domains["taxonomy"] == "babelnet-34" and len(domains["interests"]) == 3
    bad = client.get(f"/api/users/{uid}/profile?taxonomy=../../x", headers={"X-API-Key": key})
    assert bad.status_code == 422


def test_a_new_post_refreshes_the_profile(client: TestClient, keys: dict[str, str],
                                          coffee_jpeg: bytes) -> None:
    key = keys["demo:bea"]
    uid = user_id(client, key)
    before = client.get(f"/api/users/{uid}/profile", headers={"X-API-Key": key}).json()
    for i in range(3):
        response = client.post("/api/analyses", headers={"X-API-Key": key},
                               files={"file": (f"c{i}.jpg", coffee_jpeg[:-2] + bytes([i]) +
                                               coffee_jpeg[-2:], "image/jpeg")},
                               data={"caption": f"espresso and croissant breakfast #{i}"})
        assert response.status_code == 201, response.text
    after = client.get(f"/api/users/{uid}/profile", headers={"X-API-Key": key}).json()
    assert after["updated_at"] > before["updated_at"]
    assert after["posts_used"] >= before["posts_used"]
    def food(profile: dict) -> float:  # type: ignore[type-arg]
        return next((i["score"] for i in profile["interests"] if i["id"] == "food"), 0.0)

    assert food(after) > food(before) + 0.02, (before["interests"], after["interests"])
