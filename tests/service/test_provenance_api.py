"""The source platform on the upload answer, the post page, the overview and the schema."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient

from postlens.provenance.platforms import PIPELINES
from postlens.provenance.simulate import procedural_image, through_pipeline


def instagram_download() -> bytes:
    rng = random.Random(5)
    pipeline = next(p for p in PIPELINES if p.platform == "instagram")
    return through_pipeline(pipeline, procedural_image(rng, 900, 1100), (2700, 3300), rng).data


def test_upload_answer_post_page_and_overview_say_where_a_picture_came_from(
        client: TestClient, keys: dict[str, str]) -> None:
    headers = {"X-API-Key": keys["demo:bea"]}
    response = client.post("/api/analyses", headers=headers,
                           files={"file": ("beach.jpg", instagram_download(), "image/jpeg")})
    assert response.status_code == 201, response.text
    platform = response.json()["platform"]
    assert platform["name"] == "instagram", platform
    assert platform["confidence"] >= 0.5
    assert abs(sum(platform["scores"].values()) - 1) < 1e-3
    assert any("FBMD" in line for line in platform["evidence"])
    assert platform["sentence"].startswith("Probably downloaded from Instagram")
    post_id = response.json()["post_id"]

    post = client.get(f"/api/posts/{post_id}", headers=headers).json()
    assert post["detected_platform"]["name"] == "instagram"  # stored with the picture

    client.post("/login", data={"demo": "demo:bea"}, headers={"origin": "http://testserver"})
    page = client.get(f"/posts/{post_id}")
    assert page.status_code == 200
    assert "Probably downloaded from Instagram" in page.text
    assert "FBMD" in page.text
    overview = client.get("/overview").text
    assert "pictures downloaded from instagram" in overview


def test_the_schema_documents_the_platform(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["PlatformPublic"]
    assert set(schema["properties"]) == {"name", "confidence", "scores", "evidence", "sentence"}
    assert "instagram" in schema["properties"]["name"]["enum"]
