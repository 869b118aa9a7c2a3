"""The REST API, in-process."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import jpeg_bytes
from tests.service.conftest import serving_core, user_id


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    for path in ("/api/analyses", "/api/users/{user_id}/recommendations", "/api/feedback",
                 "/api/users/{user_id}/profile", "/api/posts/{post_id}",
                 "/api/posts/{post_id}/similar", "/api/health"):
        assert path in spec["paths"], path
        for operation in spec["paths"][path].values():
            assert operation.get("description"), f"{path} is undocumented"


def test_upload_a_cat_and_get_labels_with_confidence(client: TestClient, keys: dict[str, str],
                                                    cat_jpeg: bytes) -> None:
    key = keys["demo:bea"]
    response = client.post("/api/analyses", headers={"X-API-Key": key},
                           files={"file": ("kitty.jpg", cat_jpeg, "image/jpeg")},
                           data={"caption": "my cat #caturday"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert {"tabby", "tiger cat", "Egyptian cat"} & {x["label"] for x in body["labels"][:3]}
    assert body["categories"][0]["category"] == "animals & pets"
    assert 0 < body["categories"][0]["score"] <= 1
    assert body["interests"][0]["id"] == "pets", body["interests"]  # picture and caption
    assert body["similar"], "similar pictures expected"
    # the demo's cat pictures are the nearest
    assert any("chelsea" in (s["post"]["caption"] or "") or "cat" in (s["post"]["caption"] or "")
               for s in body["similar"][:3])
    # Private until published: its author sees it, nobody else does.
    assert client.get(f"/api/posts/{body['post_id']}").status_code == 404
    post = client.get(f"/api/posts/{body['post_id']}", headers={"X-API-Key": key}).json()
    assert post["hashtags"] == ["caturday"] and post["visibility"] == "private"
    assert client.get(post["picture_url"]).status_code == 404
    picture = client.get(post["picture_url"], headers={"X-API-Key": key})
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    again = client.post("/api/analyses", headers={"X-API-Key": key},
                        files={"file": ("same.jpg", cat_jpeg, "image/jpeg")})
    assert again.json()["post_id"] == body["post_id"]  # idempotent


def test_hostile_uploads_get_4xx_and_store_nothing(client: TestClient, keys: dict[str, str]
                                                    ) -> None:
    headers = {"X-API-Key": keys["demo:ada"]}
    before = client.get("/api/posts", params={"limit": 100}, headers=headers).json()["items"]
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")
    header_bomb = bytearray(jpeg_bytes(np.zeros((16, 16, 3), dtype=np.uint8)))
    sof = header_bomb.find(b"\xff\xc0")
    struct.pack_into(">HH", header_bomb, sof + 5, 20_000, 20_000)
    cases = [
        (("notes.jpg", b"just some text, not a picture" * 10, "image/jpeg"), 415),
        (("bomb.png", bomb.getvalue(), "image/png"), 413),
        (("big.jpg", bytes(header_bomb), "image/jpeg"), 413),
        (("../../../etc/passwd", b"\x00" * 64, "image/jpeg"), 415),
        (("empty.jpg", b"", "image/jpeg"), 422),
    ]
    for upload, status in cases:
        response = client.post("/api/analyses", headers=headers, files={"file": upload})
        assert_error(response, status)
    after = client.get("/api/posts", params={"limit": 100}, headers=headers).json()["items"]
    assert len(after) == len(before)


def test_oversize_upload_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    limit = client.app.state.postlens.core.settings.max_image_bytes  # type: ignore[attr-defined]
    response = client.post("/api/analyses", headers={"X-API-Key": keys["demo:ada"]},
                           files={"file": ("huge.jpg", b"\xff" * (limit + 10), "image/jpeg")})
    assert_error(response, 413, "image_too_large")


def test_writes_need_a_key(client: TestClient, cat_jpeg: bytes) -> None:
    assert_error(client.post("/api/analyses", files={"file": ("a.jpg", cat_jpeg)}), 401)
    assert_error(client.post("/api/analyses", headers={"X-API-Key": "pl_wrong"},
                             files={"file": ("a.jpg", cat_jpeg)}), 401, "unauthorized")
    assert_error(client.post("/api/feedback", json={"post_id": 1, "kind": "like"}), 401)


def test_users_see_only_their_own_private_data(client: TestClient, keys: dict[str, str]
                                               ) -> None:
    ada_key, bea_key = keys["demo:ada"], keys["demo:bea"]
    ada = user_id(client, ada_key)
    bea = user_id(client, bea_key)
    assert_error(client.get(f"/api/users/{ada}/recommendations",
                            headers={"X-API-Key": bea_key}), 403, "forbidden")
    assert_error(client.get(f"/api/users/{ada}/profile", headers={"X-API-Key": bea_key}), 403)
    assert client.get(f"/api/users/{bea}/profile", headers={"X-API-Key": bea_key}).status_code \
        == 200


def test_feed_feedback_and_pagination(client: TestClient, keys: dict[str, str]) -> None:
    key = keys["demo:ivy"]  # likes pets only
    me = user_id(client, key)
    headers = {"X-API-Key": key}
    first = client.get(f"/api/users/{me}/recommendations", headers=headers,
                       params={"limit": 5}).json()
    assert len(first["items"]) == 5
    assert all(item["explanation"] and item["recommendation_id"] for item in first["items"])
    second = client.get(f"/api/users/{me}/recommendations", headers=headers,
                        params={"limit": 5, "offset": 5}).json()
    assert not {i["post"]["id"] for i in first["items"]} & {i["post"]["id"]
                                                            for i in second["items"]}
    top = first["items"][0]
    response = client.post("/api/feedback", headers=headers, json={
        "post_id": top["post"]["id"], "kind": "dislike",
        "recommendation_id": top["recommendation_id"]})
    assert response.status_code == 201 and response.json()["weight"] < 0
    after = client.get(f"/api/users/{me}/recommendations", headers=headers,
                       params={"limit": 5}).json()
    assert top["post"]["id"] not in [i["post"]["id"] for i in after["items"]]
    assert_error(client.post("/api/feedback", headers=headers,
                             json={"post_id": 999_999, "kind": "like"}), 404)
    assert_error(client.post("/api/feedback", headers=headers,
                             json={"post_id": top["post"]["id"], "kind": "adore"}), 422)


def test_unknown_ids_and_validation_share_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/posts/424242"), 404, "not_found")
    assert_error(client.get("/api/posts/424242/similar"), 404)
    assert_error(client.get("/api/posts", params={"limit": 0}), 422, "invalid_input")
    assert_error(client.get("/api/nowhere"), 404)


def test_similar_posts(client: TestClient) -> None:
    posts = client.get("/api/posts", params={"limit": 100}).json()["items"]
    coffee = next(p for p in posts if (p["post"]["caption"] or "").startswith("coffee"))
    similar = client.get(f"/api/posts/{coffee['post']['id']}/similar").json()
    assert similar and similar[0]["post"]["caption"].startswith("coffee")


def test_first_upload_into_an_empty_database(tmp_path, model_dir, models, cat_jpeg: bytes) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from postlens.auth import issue_key
    from postlens.service.app import create_app
    from postlens.store.schema import User

    home = tmp_path / "empty"
    (home / "models").mkdir(parents=True)
    for path in model_dir.iterdir():
        shutil.copy(path, home / "models" / path.name)
    app = create_app(serving_core(models, home=home))
    with app.state.postlens.core.db.transaction() as session:
        user = User(handle="upload:first")
        session.add(user)
        session.flush()
        key = issue_key(session, user.id)
    with TestClient(app) as client:
        response = client.post("/api/analyses", headers={"X-API-Key": key},
                               files={"file": ("cat.jpg", cat_jpeg, "image/jpeg")})
        assert response.status_code == 201, response.text
        assert response.json()["similar"] == []


def test_unexpected_errors_are_logged_with_their_traceback(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    app = client.app

    @app.get("/api/boom")  # type: ignore[attr-defined, untyped-decorator]
    def boom() -> None:
        raise RuntimeError("the disk is on fire")

    with TestClient(app, raise_server_exceptions=False) as plain, caplog.at_level("ERROR"):
        response = plain.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error",
                                         "message": "unexpected server error"}}
    assert "the disk is on fire" not in response.text
    record = next(r for r in caplog.records if r.name == "postlens.service")
    assert "GET /api/boom" in record.getMessage() and record.exc_info is not None
