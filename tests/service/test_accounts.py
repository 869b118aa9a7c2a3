"""Accounts: operators' CLI, web sign-up and sign-in, throttling, revocation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from postlens.cli import app
from postlens.core import Postlens
from postlens.errors import InvalidInput, TooManyRequests, Unauthorized
from postlens.runtime.cache import ModelCache
from postlens.service.app import create_app
from tests.service.conftest import serving_core

runner = CliRunner()
ORIGIN = {"origin": "http://testserver"}


def test_operator_cli_adds_users_issues_and_revokes_keys(cli_env: dict[str, str]) -> None:
    added = runner.invoke(app, ["users", "add", "ana", "--password-stdin"],
                          input="correct horse battery\n", env=cli_env)
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["users", "add", "ana"], env=cli_env).exit_code == 2  # taken
    assert "local:ana" in runner.invoke(app, ["users", "list"], env=cli_env).stdout
    key = runner.invoke(app, ["keys", "create", "local:ana", "--label", "laptop"],
                        env=cli_env).stdout.strip()
    assert key.startswith("pl_")
    listed = runner.invoke(app, ["keys", "list", "local:ana"], env=cli_env).stdout
    key_id = listed.split("\t")[0]
    assert "laptop" in listed and "active" in listed
    assert runner.invoke(app, ["keys", "revoke", key_id], env=cli_env).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "local:ana"], env=cli_env).stdout
    assert runner.invoke(app, ["users", "disable", "local:ana"], env=cli_env).exit_code == 0


def test_sign_up_sign_in_throttle_and_disable(core: Postlens) -> None:
    accounts = core.accounts
    token = accounts.sign_up("Bo.Smith", "a long enough password")
    with pytest.raises(InvalidInput, match="taken"):
        accounts.sign_up("bo.smith", "another long password")
    with pytest.raises(InvalidInput, match="10 to 1024"):
        accounts.sign_up("cyd", "short")
    assert accounts.sign_in("bo.smith", "a long enough password", "1.2.3.4")
    for _ in range(5):
        with pytest.raises(Unauthorized, match="wrong handle or password"):
            accounts.sign_in("bo.smith", "wrong password!!", "1.2.3.4")
    with pytest.raises(TooManyRequests):  # even the right password, for a while
        accounts.sign_in("bo.smith", "a long enough password", "1.2.3.4")
    user = core.user("local:bo.smith")
    accounts.disable(user.id)
    from postlens.accounts import user_for_session

    with core.db.reader() as session:
        assert user_for_session(session, token) is None


def test_web_sign_up_then_sign_out_revokes_the_session(client_home,  # type: ignore[no-untyped-def]
                                                       models: ModelCache) -> None:
    core = serving_core(models, home=client_home)
    with TestClient(create_app(core), headers=ORIGIN) as client:
        page = client.post("/signup", data={"handle": "dee", "password": "pw-0123456789"},
                           follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/me"
        token = client.cookies.get("postlens_session")
        assert client.get("/me").status_code == 200
        client.post("/logout")
        client.cookies.set("postlens_session", token or "")
        assert client.get("/me", follow_redirects=False).headers["location"] == "/login"
        again = client.post("/login", data={"handle": "dee", "password": "pw-0123456789"},
                            follow_redirects=False)
        assert again.status_code == 303
        wrong = client.post("/login", data={"handle": "dee", "password": "nope-nope-nope"})
        assert wrong.status_code == 401 and "wrong handle or password" in wrong.text
    core.close()


def test_web_sign_up_with_stated_interests_starts_the_profile(
        client_home, models: ModelCache) -> None:  # type: ignore[no-untyped-def]
    core = serving_core(models, home=client_home)
    with TestClient(create_app(core), headers=ORIGIN) as client:
        form = client.get("/signup").text
        assert 'name="interests" value="golf"' in form and "Clothes" in form
        bad = client.post("/signup", data={"handle": "eve", "password": "pw-0123456789",
                                           "interests": ["golf", "knitting"]})
        assert bad.status_code == 422 and "knitting" in bad.text
        made = client.post("/signup", data={"handle": "eve", "password": "pw-0123456789",
                                            "interests": ["golf", "travel"]},
                           follow_redirects=False)
        assert made.status_code == 303
        user = core.user("local:eve")
        profile = client.get(f"/api/users/{user.id}/profile").json()
        assert {i["id"] for i in profile["interests"][:2]} == {"golf", "travel"}
        assert profile["interests"][0]["level"] == "stated at sign-up"
        assert "stated at sign-up" in client.get("/me").text
        changed = client.put(f"/api/users/{user.id}/interests", json={"interests": ["music"]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["interests"][0]["id"] == "music"
        assert client.put(f"/api/users/{user.id}/interests",
                          json={"interests": ["opera-singing"]}).status_code == 422
        assert client.put(f"/api/users/{user.id}/interests",
                          json={"interests": "music"}).status_code == 422
        assert client.put(f"/api/users/{user.id + 1000}/interests",
                          json={"interests": []}).status_code in (403, 404)
        cleared = client.put(f"/api/users/{user.id}/interests", json={"interests": []})
        assert cleared.status_code == 200 and cleared.json()["interests"] == []
    core.close()
