"""Privacy by default: private uploads, stripped pictures, followers-only posts, export and
deletion of everything a user has."""

from __future__ import annotations

import io
import json
import zipfile

from fastapi.testclient import TestClient
from PIL import Image
from skimage import data as skdata

from postlens.core import Postlens
from postlens.recommend.feedback import prune_recommendation_log
from postlens.store.schema import Follow, Picture, Recommendation, User, utcnow
from tests.service.conftest import user_id


def camera_jpeg() -> bytes:
    """A phone photo: EXIF with the camera and the GPS position of the person's home."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Pixel", "7a"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 30.0, 12.5), "W", (0.0, 7.0, 40.1)
    buffer = io.BytesIO()
    Image.fromarray(skdata.chelsea()).save(buffer, "JPEG", exif=exif, quality=92)
    return buffer.getvalue()


def core_of(client: TestClient) -> Postlens:
    core: Postlens = client.app.state.postlens.core  # type: ignore[attr-defined]
    return core


def upload(client: TestClient, key: str, data: bytes, caption: str = "") -> int:
    response = client.post("/api/analyses", headers={"X-API-Key": key}, data={
        "caption": caption}, files={"file": ("IMG_0001.jpg", data, "image/jpeg")})
    assert response.status_code == 201, response.text
    post_id: int = response.json()["post_id"]
    return post_id


def test_served_pictures_carry_no_exif_or_gps(client: TestClient, keys: dict[str, str]) -> None:
    key = keys["demo:bea"]
    original = camera_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    post = upload(client, key, original, "home sweet home")
    served = client.get(f"/pictures/{post}", headers={"X-API-Key": key})
    assert served.status_code == 200
    picture = Image.open(io.BytesIO(served.content))
    assert len(picture.getexif()) == 0 and "exif" not in picture.info
    assert b"Pixel" not in served.content and served.content != original
    with core_of(client).db.reader() as session:  # the original is kept for analysis only
        stored = session.query(Picture).order_by(Picture.id.desc()).first()
        assert stored is not None
        assert core_of(client).db.blobs.path(stored.path).read_bytes() == original


def test_private_posts_are_in_nobody_elses_lists_until_published(
        client: TestClient, keys: dict[str, str]) -> None:
    bea, ada = keys["demo:bea"], keys["demo:ada"]
    cat = skdata.chelsea()
    buffer = io.BytesIO()
    Image.fromarray(cat[::-1]).save(buffer, "JPEG")  # a new cat picture, private
    post = upload(client, bea, buffer.getvalue(), "my cat")
    core = core_of(client)
    core.train("hybrid")
    everyone = {item["post"]["id"] for item in client.get(
        "/api/posts", params={"limit": 100}).json()["items"]}
    assert post not in everyone
    public_cat = next(p for p in everyone if p != post)
    similar = {s["post"]["id"] for s in client.get(f"/api/posts/{public_cat}/similar",
                                                   params={"limit": 50}).json()}
    assert post not in similar
    ada_id = user_id(client, ada)
    feed = client.get(f"/api/users/{ada_id}/recommendations", params={"limit": 100},
                      headers={"X-API-Key": ada}).json()["items"]
    assert post not in {item["post"]["id"] for item in feed}
    assert client.get(f"/api/posts/{post}", headers={"X-API-Key": ada}).status_code == 404
    published = client.put(f"/api/posts/{post}/visibility", json={"visibility": "public"},
                           headers={"X-API-Key": bea})
    assert published.status_code == 200 and published.json()["visibility"] == "public"
    assert client.get(f"/api/posts/{post}").status_code == 200
    assert post not in core.recommender._hidden
    refused = client.put(f"/api/posts/{post}/visibility", json={"visibility": "private"},
                         headers={"X-API-Key": ada})
    assert refused.status_code == 403


def test_followers_only_posts(client: TestClient, keys: dict[str, str]) -> None:
    bea, ada, cai = keys["demo:bea"], keys["demo:ada"], keys["demo:cai"]
    buffer = io.BytesIO()
    Image.fromarray(skdata.coffee()).save(buffer, "JPEG")
    post = upload(client, bea, buffer.getvalue())
    client.put(f"/api/posts/{post}/visibility", json={"visibility": "followers"},
               headers={"X-API-Key": bea})
    core = core_of(client)
    bea_id, ada_id, cai_id = (user_id(client, k) for k in (bea, ada, cai))
    with core.db.transaction() as session:
        session.query(Follow).filter(Follow.follower_id.in_([ada_id, cai_id]),
                                     Follow.followee_id == bea_id).delete()
        session.add(Follow(follower_id=ada_id, followee_id=bea_id))
    assert client.get(f"/api/posts/{post}", headers={"X-API-Key": ada}).status_code == 200
    assert client.get(f"/api/posts/{post}", headers={"X-API-Key": cai}).status_code == 404
    assert client.get(f"/api/posts/{post}").status_code == 404


def test_export_then_delete_everything(client: TestClient, keys: dict[str, str]) -> None:
    key = keys["demo:jon"]
    me = user_id(client, key)
    post = upload(client, key, camera_jpeg(), "mine")
    client.post("/api/feedback", json={"post_id": post, "kind": "like"},
                headers={"X-API-Key": key})
    other = user_id(client, keys["demo:kim"])
    assert client.get(f"/api/users/{other}/export",
                      headers={"X-API-Key": key}).status_code == 403
    response = client.get(f"/api/users/{me}/export", headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    body = json.loads(archive.read("postlens-export.json"))
    assert body["user"]["handle"] == "demo:jon" and "password_hash" not in body["user"]
    assert post in {p["id"] for p in body["posts"]}
    assert f"pictures/{post}.jpg" in archive.namelist()
    assert all("key_hash" not in k for k in body["api_keys"])
    core = core_of(client)
    with core.db.reader() as session:
        path = session.query(Picture).order_by(Picture.id.desc()).first().path  # type: ignore[union-attr]
    deleted = client.delete(f"/api/users/{me}", headers={"X-API-Key": key})
    assert deleted.status_code == 200 and deleted.json()["posts"] >= 1
    assert not core.db.blobs.path(path).exists()
    with core.db.reader() as session:
        assert session.get(User, me) is None
    assert client.get(f"/api/users/{me}/profile", headers={"X-API-Key": key}).status_code == 401


def test_the_web_page_exports_and_deletes(client: TestClient) -> None:
    client.headers["origin"] = "http://testserver"
    client.post("/login", data={"demo": "demo:lou"})
    archive = client.get("/me/export")
    assert archive.status_code == 200 and zipfile.is_zipfile(io.BytesIO(archive.content))
    refused = client.post("/me/delete", data={"confirm": "someone else"})
    assert refused.status_code == 422
    gone = client.post("/me/delete", data={"confirm": "demo:lou"}, follow_redirects=False)
    assert gone.status_code == 303
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login"


def test_the_impression_log_is_pruned_after_its_retention(client: TestClient,
                                                          keys: dict[str, str]) -> None:
    core = core_of(client)
    me = user_id(client, keys["demo:ivy"])
    client.get(f"/api/users/{me}/recommendations", headers={"X-API-Key": keys["demo:ivy"]})
    with core.db.transaction() as session:
        rows = session.query(Recommendation).filter_by(user_id=me).all()
        assert rows
        for row in rows[:2]:
            row.created_at = utcnow().replace(year=2020)
    with core.db.transaction() as session:
        assert prune_recommendation_log(session, 90) == 2
    assert core.maintenance.doctor(repair=True)["log_rows_pruned"] == 0
