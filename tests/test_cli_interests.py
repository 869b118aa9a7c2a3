"""``postlens interests``, ``postlens profile`` and ``postlens evaluate interests``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from postlens.cli import app

runner = CliRunner()


def test_interests_of_a_text(cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["interests", "Tiger wins the golf tournament #TheMasters",
                                 "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["fused"][0]["id"] == "golf" and body["image"] == []
    assert len(body["text"]) == 5


def test_interests_of_a_picture_with_caption(cli_env: dict[str, str], tmp_path: Path,
                                             coffee_jpeg: bytes) -> None:
    (tmp_path / "coffee.jpg").write_bytes(coffee_jpeg)
    result = runner.invoke(app, ["interests", str(tmp_path / "coffee.jpg"), "--taxonomy",
                                 "babelnet-34", "--caption", "espresso before work", "--json"],
                           env=cli_env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["taxonomy"] == "babelnet-34"
    assert {v: body[v][0]["id"] for v in ("fused", "image", "text")} == dict.fromkeys(
        ("fused", "image", "text"), "food_and_drink")


def test_interests_of_a_broken_picture_and_bad_taxonomy(cli_env: dict[str, str],
                                                        tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    result = runner.invoke(app, ["interests", str(tmp_path / "broken.jpg")], env=cli_env)
    assert result.exit_code == 2 and "error" in result.output
    result = runner.invoke(app, ["interests", "golf", "--taxonomy", str(tmp_path / "no.json")],
                           env=cli_env)
    assert result.exit_code == 2 and "no built-in taxonomy" in result.output


def test_profile_of_a_user(cli_env: dict[str, str], tmp_path: Path, cat_jpeg: bytes) -> None:
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "m.jsonl").write_text(json.dumps(
        {"path": "cat.jpg", "user": "ana", "caption": "my kitten sleeping #catlife"}) + "\n")
    assert runner.invoke(app, ["ingest", "manifest", str(tmp_path / "m.jsonl")],
                         env=cli_env).exit_code == 0
    result = runner.invoke(app, ["profile", "manifest:ana", "--json", "--top-k", "3"],
                           env=cli_env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["interests"][0]["id"] == "pets" and len(body["interests"]) == 3
    table = runner.invoke(app, ["profile", "manifest:ana"], env=cli_env)
    assert "Pets" in table.stdout
    missing = runner.invoke(app, ["profile", "manifest:nobody"], env=cli_env)
    assert missing.exit_code == 2 and "unknown user" in missing.output


def test_evaluate_interests_refuses_unknown_runs(cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["evaluate", "interests", "--only", "flickr"], env=cli_env)
    assert result.exit_code == 2 and "unknown evaluation" in result.output


def test_train_interests_from_labelled_posts(cli_env: dict[str, str], tmp_path: Path,
                                             cat_jpeg: bytes, coffee_jpeg: bytes) -> None:
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "coffee.jpg").write_bytes(coffee_jpeg)
    cats = ["my kitten asleep", "the cat on the sofa", "feeding the cat", "cat nap time"]
    food = ["espresso before work", "fresh croissants", "pasta night", "brunch with friends"]
    rows, labels = [], ["post,category"]
    for author in ("ana", "bo", "cy"):
        for i, (cat, meal) in enumerate(zip(cats, food, strict=True)):
            rows += [{"path": "cat.jpg", "user": author, "caption": cat, "id": f"{author}c{i}"},
                     {"path": "coffee.jpg", "user": author, "caption": meal,
                      "id": f"{author}f{i}"}]
            labels += [f"manifest:{author}c{i},pets", f"manifest:{author}f{i},food"]
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "labels.csv").write_text("\n".join(labels) + "\n")
    assert runner.invoke(app, ["ingest", "manifest", str(tmp_path / "m.jsonl")],
                         env=cli_env).exit_code == 0
    result = runner.invoke(app, ["train-interests", str(tmp_path / "labels.csv"),
                                 "--folds", "3"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "trained image, text heads on 24 posts (2 categories)" in result.stdout
    assert "fused 100.0%" in result.stdout
    saved = Path(cli_env["POSTLENS_HOME"]) / "models" / "interests-curlie-36.npz"
    assert saved.exists()
    body = json.loads(runner.invoke(app, ["profile", "manifest:bo", "--json"],
                                    env=cli_env).stdout)
    assert {i["id"] for i in body["interests"][:2]} == {"pets", "food"}
    (tmp_path / "bad.csv").write_text("post,category\nmanifest:anac0,unicorns\n")
    bad = runner.invoke(app, ["train-interests", str(tmp_path / "bad.csv")], env=cli_env)
    assert bad.exit_code == 2 and "no category 'unicorns'" in bad.output


def test_train_text_sources_then_score_labelled_texts(cli_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    from tests.interests.test_pretrained import corpus_csv

    corpus = corpus_csv(tmp_path / "titles.csv")
    target = tmp_path / "sources.npz"
    trained = runner.invoke(app, ["train-interests", "--texts", str(corpus), "--output",
                                  str(target)], env=cli_env)
    assert trained.exit_code == 0, trained.output
    assert "24 texts from 8 communities (4 interests)" in trained.stdout and target.exists()
    scored = runner.invoke(app, ["evaluate", "interests", "--labelled-texts", str(corpus),
                                 "--json"], env=cli_env)
    assert scored.exit_code == 0, scored.output
    body = json.loads(scored.stdout)
    assert set(body) == {"n", "top1", "top5", "macro_f1"} and body["n"] == 24
    assert body["top5"] >= body["top1"] >= 0.75  # the shipped model on easy titles
    (tmp_path / "bad.csv").write_text("title,interest\nok,music\nhmm,knitting\n")
    bad = runner.invoke(app, ["evaluate", "interests", "--labelled-texts",
                              str(tmp_path / "bad.csv")], env=cli_env)
    assert bad.exit_code != 0 and "bad.csv:3" in bad.output and "knitting" in bad.output
    neither = runner.invoke(app, ["train-interests"], env=cli_env)
    assert neither.exit_code != 0 and "--texts" in neither.output
