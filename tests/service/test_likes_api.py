"""Likes predictions through the API and the pages (demo: simulated likes, trained once)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.test_pages import sign_in


def test_candidates_are_ranked_for_the_signed_in_creator(client: TestClient, keys, cat_jpeg,  # type: ignore[no-untyped-def]
                                                         coffee_jpeg) -> None:
    files = [("files", ("cat.jpg", cat_jpeg, "image/jpeg")),
             ("files", ("coffee.jpg", coffee_jpeg, "image/jpeg"))]
    response = client.post("/api/likes/predictions", headers={"X-API-Key": keys["demo:bea"]},
                           files=files, data={"caption": "my morning"})
    assert response.status_code == 200, response.text
    ranked = response.json()
    assert {r["path"] for r in ranked} == {"cat.jpg", "coffee.jpg"}
    assert [r["rank"] for r in ranked] == [1, 2] and ranked[0]["likes"] >= ranked[1]["likes"]
    for answer in ranked:
        assert answer["account"] == "demo:bea" and "history" in answer["basis"]
        assert answer["low"] <= answer["likes"] <= answer["high"]
        assert answer["drivers"] and answer["coverage"] == 0.8


def test_predictions_refuse_bad_requests(client: TestClient, keys, cat_jpeg) -> None:  # type: ignore[no-untyped-def]
    one = [("files", ("cat.jpg", cat_jpeg, "image/jpeg"))]
    assert client.post("/api/likes/predictions", files=one).status_code == 401
    headers = {"X-API-Key": keys["demo:bea"]}
    too_many = client.post("/api/likes/predictions", headers=headers, files=one * 11)
    assert too_many.status_code in (400, 422) and "1 to 10" in too_many.text
    broken = client.post("/api/likes/predictions", headers=headers,
                         files=[("files", ("x.jpg", b"not a picture", "image/jpeg"))])
    assert broken.status_code in (400, 415, 422)


def test_upload_answer_and_own_post_page_show_predicted_likes(client: TestClient, keys,  # type: ignore[no-untyped-def]
                                                              cat_jpeg, coffee_jpeg) -> None:
    response = client.post("/api/analyses", headers={"X-API-Key": keys["demo:bea"]},
                           files={"file": ("cat.jpg", cat_jpeg, "image/jpeg")})
    assert response.status_code == 201
    predicted = response.json()["predicted_likes"]
    assert predicted["low"] <= predicted["likes"] <= predicted["high"]
    post_id = response.json()["post_id"]
    sign_in(client, "demo:bea")
    assert "Predicted likes" in client.get(f"/posts/{post_id}").text
    compared = client.post("/likes/compare", files=[
        ("files", ("cat.jpg", cat_jpeg, "image/jpeg")),
        ("files", ("coffee.jpg", coffee_jpeg, "image/jpeg"))])
    assert compared.status_code == 200 and compared.text.count('data-rank="') == 2
    sign_in(client, "demo:ada")  # not the author: no prediction on someone else's post
    assert "Predicted likes" not in client.get(f"/posts/{post_id}").text
