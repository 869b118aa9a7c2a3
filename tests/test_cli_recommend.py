"""train -> recommend -> feedback -> recommend, and similar, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postlens.cli import app
from postlens.config import Settings
from postlens.store.db import Database
from tests.recommend.synthetic import COMMUNITY_B, HELD_OUT, store_community

runner = CliRunner()


@pytest.fixture
def community_db(settings: Settings, db: Database) -> dict[str, str]:
    community = store_community(db)
    return {"POSTLENS_HOME": str(settings.home), "held_out": str(community.posts[HELD_OUT]),
            "b_post": str(community.posts[COMMUNITY_B[0]])}


def test_train_recommend_feedback(community_db: dict[str, str]) -> None:
    env = {"POSTLENS_HOME": community_db["POSTLENS_HOME"]}
    result = runner.invoke(app, ["train", "--model", "als"], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["recommend", "t:1", "--model", "als", "--n", "3", "--json"],
                           env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["items"][0]["post_id"] == int(community_db["held_out"])
    assert body["items"][0]["explanation"]
    # Stored, then folded in by every later run: the saved model catches up from the store.
    result = runner.invoke(app, ["feedback", "t:1", community_db["held_out"], "dislike"],
                           env=env)
    assert result.exit_code == 0, result.output
    after = json.loads(runner.invoke(app, ["recommend", "t:1", "--model", "als", "--json"],
                                     env=env).stdout)
    assert int(community_db["held_out"]) not in [i["post_id"] for i in after["items"]]
    similar = runner.invoke(app, ["similar", community_db["b_post"], "--model", "als",
                                  "--json"], env=env)
    assert similar.exit_code == 0, similar.output


def test_unknown_user_and_untrained_model(community_db: dict[str, str]) -> None:
    env = {"POSTLENS_HOME": community_db["POSTLENS_HOME"]}
    result = runner.invoke(app, ["recommend", "t:1", "--model", "bpr"], env=env)
    assert result.exit_code == 2 and "postlens train --model bpr" in result.output
    runner.invoke(app, ["train", "--model", "popularity"], env=env)
    result = runner.invoke(app, ["recommend", "nobody", "--model", "popularity"], env=env)
    assert result.exit_code == 2 and "unknown user 'nobody'" in result.output


def test_abtest_report_runs_on_an_empty_experiment(community_db: dict[str, str]) -> None:
    env = {"POSTLENS_HOME": community_db["POSTLENS_HOME"]}
    result = runner.invoke(app, ["abtest", "report", "--experiment", "none", "--json"], env=env)
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_evaluate_needs_a_real_folder(tmp_path: Path, community_db: dict[str, str]) -> None:
    env = {"POSTLENS_HOME": community_db["POSTLENS_HOME"]}
    result = runner.invoke(app, ["evaluate", "recommend", "--dataset", str(tmp_path)], env=env)
    assert result.exit_code == 2 and "posters" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--protocol", "random", "--seed", "-1"], "--seed"),
    (["--protocol", "leave-one-out"], "unknown protocol 'leave-one-out'"),
])
def test_evaluate_recommend_refuses_bad_options(settings: Settings, tmp_path: Path,
                                                args: list[str], message: str) -> None:
    (tmp_path / "posters").mkdir()
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n")
    result = runner.invoke(app, ["evaluate", "recommend", "--dataset", str(tmp_path),
                                 "--no-cornac", "--write", str(tmp_path / "e.md"), *args],
                           env={"POSTLENS_HOME": str(settings.home)})
    assert result.exit_code != 0 and message in result.output, result.output
    assert not (tmp_path / "e.md").exists()


def test_training_the_hybrid_says_how_the_feed_keeps_the_most_liked_posts(
        community_db: dict[str, str]) -> None:
    env = {"POSTLENS_HOME": community_db["POSTLENS_HOME"]}
    result = runner.invoke(app, ["train", "--model", "hybrid"], env=env)
    assert result.exit_code == 0, result.output
    # 40 users: too few validation users to learn a penalty, so the cap keeps the budget.
    assert "most-liked posts kept to their share by the cap" in result.output
    als = runner.invoke(app, ["train", "--model", "als"], env=env)
    assert "most-liked" not in als.output
