"""The web pages, in-process (the browser tests drive them for real)."""

from __future__ import annotations

from fastapi.testclient import TestClient

ORIGIN = {"origin": "http://testserver"}  # what a browser sends with a form from our page


def sign_in(client: TestClient, handle: str) -> None:
    client.headers.update(ORIGIN)
    response = client.post("/login", data={"demo": handle}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "pl_" not in cookie  # a session token, never the API key itself


def test_pages_render(client: TestClient, cat_jpeg: bytes) -> None:
    assert "Drop a picture" in client.get("/").text
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login"
    sign_in(client, "demo:bea")
    me = client.get("/me").text
    assert "Your interests" in me and "Your feed" in me and 'data-kind="like"' in me
    assert me.count("Download all my data") == 1
    assert "<title>" in me and "<h2>" not in me.split("</title>")[0]
    response = client.post("/upload", files={"file": ("cat.jpg", cat_jpeg, "image/jpeg")},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "tabby" in page or "tiger cat" in page or "Egyptian cat" in page
    assert 'role="meter"' in page and "alt=" in page
    overview = client.get("/overview").text
    assert "A/B test" in overview and "pictures" in overview


def test_html_errors_are_pages(client: TestClient) -> None:
    response = client.get("/posts/99999", headers={"accept": "text/html"})
    assert response.status_code == 404 and "unknown post id" in response.text


def test_demo_login_is_off_unless_asked(client_home, tmp_path, models) -> None:  # type: ignore[no-untyped-def]
    from postlens.service.app import create_app
    from tests.service.conftest import serving_core

    with TestClient(create_app(serving_core(models, home=client_home))) as plain:
        assert "Simulated user" not in plain.get("/login").text
        response = plain.post("/login", data={"demo": "demo:bea"}, follow_redirects=False)
        assert response.status_code == 401 and "no such demo user" in response.text
