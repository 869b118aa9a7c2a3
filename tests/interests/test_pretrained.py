"""Text sources learned from labelled titles: the corpus reader, training, the shipped file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from postlens.config import Settings
from postlens.errors import InvalidInput, MalformedRecord
from postlens.evaluation.text_interests import (
    PRIOR,
    TRAINED,
    evaluate_posts,
    ranking_metrics,
    synthetic_users,
    user_recall,
)
from postlens.interests import pretrained
from postlens.interests.corpus import read_labelled_texts
from postlens.interests.model import InterestModel, PostContent
from postlens.interests.service import InterestService, load_pretrained
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import load_taxonomy

TITLES = {
    "football": ["what a goal in the derby last night", "our striker scored a hat trick",
                 "the keeper saved the penalty", "league table after matchday ten",
                 "new signing for the club this summer", "fans singing before kick off"],
    "cooking": ["my first homemade lasagna from scratch", "how long do you simmer the sauce",
                "knife skills for chopping onions", "sourdough bread after three days",
                "cast iron pan seared steak recipe", "slow cooker chili for the week"],
    "gardening": ["tomatoes finally ripening in the raised bed", "how to prune roses",
                  "my compost pile is steaming", "seedlings under grow lights",
                  "weeding the vegetable patch", "planted tulip bulbs for spring"],
    "pets": ["my cat sleeps on the keyboard", "adopted this puppy from the shelter",
             "the dog learned to sit", "our rabbit loves carrots",
             "kitten's first trip to the vet", "parrot says hello every morning"],
}


def corpus_csv(path: Path) -> Path:
    lines = ["subreddit,interest,title"]
    for interest, titles in TITLES.items():
        for i, title in enumerate(titles):
            lines.append(f"{interest}{i % 2},{interest},\"{title}\"")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_reader_names_file_and_line(tmp_path: Path) -> None:
    taxonomy = load_taxonomy("curlie-36")
    good = read_labelled_texts(corpus_csv(tmp_path / "ok.csv"), taxonomy)
    assert len(good) == 24 and len(set(good.groups)) == 8
    (tmp_path / "names.csv").write_text("text,interest\nA &amp; B at the match,Football\n")
    named = read_labelled_texts(tmp_path / "names.csv", taxonomy)
    assert named.texts == ["A & B at the match"] and named.groups == ["line 2"]
    assert named.labels == [taxonomy.index("football")]
    (tmp_path / "bad.csv").write_text("title,interest\nfine,music\nhello,knitting\n")
    with pytest.raises(MalformedRecord, match="knitting") as error:
        read_labelled_texts(tmp_path / "bad.csv", taxonomy)
    assert error.value.source == f"{tmp_path / 'bad.csv'}:3"
    (tmp_path / "cols.csv").write_text("post,category\n1,music\n")
    with pytest.raises(MalformedRecord, match="columns"):
        read_labelled_texts(tmp_path / "cols.csv", taxonomy)
    (tmp_path / "empty.csv").write_text("title,interest\n ,music\n")
    with pytest.raises(MalformedRecord, match="empty"):
        read_labelled_texts(tmp_path / "empty.csv", taxonomy)


def test_sample_weights_balance_interests_and_communities() -> None:
    labels = np.array([0, 0, 0, 0, 1])
    groups = np.array(["a", "a", "a", "b", "c"])
    w = pretrained.sample_weights(labels, groups)
    assert w[labels == 0].sum() == pytest.approx(w[labels == 1].sum())
    assert w[groups == "a"].sum() == pytest.approx(w[groups == "b"].sum())


def test_trained_sources_round_trip_and_leave_unseen_interests_to_zero_shot(
        tmp_path: Path, text_space: TextSpace) -> None:
    taxonomy = load_taxonomy("curlie-36")
    corpus = read_labelled_texts(corpus_csv(tmp_path / "c.csv"), taxonomy)
    target = tmp_path / "pre.npz"
    about = pretrained.train_from_texts(text_space, taxonomy, corpus, target, "c.csv")
    assert about["texts"] == 24 and set(about["weights"]) == {
        "text:zero-shot", "text:centroid", "text:head", "text:words"}
    sources, _calibration, saved = pretrained.load(target)
    assert set(sources) == {"text:centroid", "text:head", "text:words"}
    assert saved["taxonomy"] == "curlie-36"
    head = sources["text:head"]
    seen = [taxonomy.index(i) for i in TITLES]
    unseen = [i for i in range(len(taxonomy)) if i not in seen]
    # An interest without titles gets the mean row: neither favoured nor ruled out.
    assert np.allclose(head.weights[unseen], head.weights[seen].mean(axis=0), atol=1e-6)
    model = InterestModel(taxonomy, text_space)
    load_pretrained(model, target)
    scores = model.score_posts([PostContent(caption="penalty shootout in the cup final"),
                                PostContent(caption="fresh powder on the ski slopes today")])
    ranked = [model.ranked(row, 3)[0]["id"] for row in scores.text]
    assert ranked == ["football", "ski"]  # ski: zero-shot decides, no titles were given


def test_sources_for_another_encoder_are_refused(tmp_path: Path, text_space: TextSpace) -> None:
    taxonomy = load_taxonomy("curlie-36")
    corpus = read_labelled_texts(corpus_csv(tmp_path / "c.csv"), taxonomy)
    x = text_space.embed(corpus.texts).astype(np.float64)
    sources, calibration = pretrained.fit_pretrained(
        x, pretrained.caption_texts(corpus.texts), corpus.y, corpus.group_array,
        text_space.prototypes(taxonomy).astype(np.float64))
    pretrained.save(tmp_path / "other.npz", sources, calibration,
                    {"taxonomy": "curlie-36", "encoder": ["another-model", "1"]})
    model = InterestModel(taxonomy, text_space)
    load_pretrained(model, tmp_path / "other.npz")
    assert model.pretrained == {}


def test_too_little_to_train(tmp_path: Path, text_space: TextSpace) -> None:
    taxonomy = load_taxonomy("curlie-36")
    (tmp_path / "two.csv").write_text("title,interest\ngoal,football\nrecipe,cooking\n")
    with pytest.raises(InvalidInput, match="three interests"):
        pretrained.train_from_texts(text_space, taxonomy,
                                    read_labelled_texts(tmp_path / "two.csv", taxonomy),
                                    tmp_path / "x.npz", "two.csv")


def test_service_uses_the_shipped_sources(settings: Settings, text_space: TextSpace) -> None:
    path = pretrained.shipped_path("curlie-36")
    assert path is not None and path.stat().st_size < 4_000_000
    _, _, about = pretrained.load(path)
    assert about["texts"] > 100_000 and about["communities"] >= 100
    model = InterestService(settings, text_space).model("curlie-36")
    assert set(model.pretrained) == {"text:centroid", "text:head", "text:words"}
    assert model.calibration.weights["text"]["text:words"] > 0
    other = InterestService(settings, text_space).model("babelnet-34")
    assert other.pretrained == {}
    body = InterestService(settings, text_space).for_post(
        PostContent(caption="new PR on deadlift today, 200 kg"))
    assert body["text"][0]["id"] == "fitness" and body["text"][0]["score"] > 0.5


def test_post_level_evaluation_and_synthetic_users(tmp_path: Path,
                                                   text_space: TextSpace) -> None:
    taxonomy = load_taxonomy("curlie-36")
    corpus = read_labelled_texts(corpus_csv(tmp_path / "c.csv"), taxonomy)
    x = text_space.embed(corpus.texts).astype(np.float64)
    results = evaluate_posts(x, pretrained.caption_texts(corpus.texts), corpus.y,
                             corpus.group_array,
                             text_space.prototypes(taxonomy).astype(np.float64), folds=2,
                             inner_folds=2)
    assert set(results.probabilities) == {PRIOR, "zero-shot", TRAINED, "combined"}
    combined = ranking_metrics(results.probabilities["combined"], corpus.y)
    assert combined["top1"] > ranking_metrics(results.probabilities[PRIOR], corpus.y)["top1"]
    assert combined["n"] == 24 and combined["top5"] >= combined["top1"] > 0.5
    users = synthetic_users(results.probabilities["combined"], corpus.y, n_users=20,
                            posts=4, noise=1)
    assert all(1 <= len(truth) <= 3 and len(rows) >= len(truth) + 1 for truth, rows in users)
    assert user_recall(np.eye(len(taxonomy))[corpus.y], users) == 1.0  # perfect posts
    assert 0.5 < user_recall(results.probabilities["combined"], users) <= 1.0
