"""Real-browser tests: Playwright drives Debian's Chromium against a live server.

Screenshots land in test-artifacts/ (kept by CI as artifacts). Skipped, with the reason,
where Chromium is not installed (`make test` installs it).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from postlens.runtime.cache import ModelCache
from postlens.service.app import create_app
from tests.service.conftest import serving_core

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(client_home: Path, models: ModelCache) -> Iterator[str]:
    port = free_port()
    app = create_app(serving_core(models, home=client_home, demo_login=True))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uvi = uvicorn.Server(config)
    thread = threading.Thread(target=uvi.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not uvi.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uvi.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"])
        context = browser.new_context(viewport={"width": 390, "height": 844})  # phone width
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        yield tab
        browser.close()


def sign_in(page, server: str, handle: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.select_option("#demo", handle)
    page.get_by_role("button", name="Sign in as this user").click()
    page.wait_for_url(f"{server}/me")


def test_upload_a_photo_and_see_a_cat_with_confidence(page, server: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      cat_jpeg: bytes) -> None:
    sign_in(page, server, "demo:bea")
    photo = tmp_path / "chelsea.jpg"
    photo.write_bytes(cat_jpeg)
    page.goto(f"{server}/")
    page.set_input_files("#file", str(photo))
    page.get_by_label("Caption (optional)").fill("my cat")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_url(f"{server}/posts/*")
    labels = page.get_by_role("list", name="labels with confidence")
    text = labels.inner_text()
    assert any(cat in text for cat in ("tabby", "tiger cat", "Egyptian cat")), text
    assert "%" in text
    meter = page.get_by_role("meter").first
    assert float(meter.get_attribute("aria-valuenow") or 0) > 0
    page.screenshot(path=str(ARTIFACTS / "upload-result.png"), full_page=True)


def test_like_and_dislike_change_the_feed(page, server: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, server, "demo:ivy")
    cards = page.locator("#feed article.card")
    before = [cards.nth(i).get_attribute("data-post") for i in range(cards.count())]
    assert before, "the feed is empty"
    page.screenshot(path=str(ARTIFACTS / "feed-before.png"), full_page=True)
    first = before[0]
    page.get_by_role("button", name=f"Dislike post {first}", exact=True).click()
    page.wait_for_load_state("networkidle")
    # (a locator, not wait_for_function: the page's CSP forbids evaluating strings)
    page.locator(f'#feed article[data-post="{first}"]').wait_for(state="detached")
    after = [cards.nth(i).get_attribute("data-post") for i in range(cards.count())]
    assert first not in after and after != before
    second = after[0]
    page.get_by_role("button", name=f"Like post {second}", exact=True).click()
    page.wait_for_load_state("networkidle")
    # (a locator, not wait_for_function: the page's CSP forbids evaluating strings)
    page.locator(f'#feed article[data-post="{second}"]').wait_for(state="detached")
    page.screenshot(path=str(ARTIFACTS / "feed-after.png"), full_page=True)
