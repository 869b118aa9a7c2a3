"""The likes model on synthetic accounts whose likes follow a known rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from postlens.engagement.features import LikesInput
from postlens.engagement.model import LikesModel
from postlens.errors import InvalidInput, NotFittedError

DIM, TEXT_DIM = 32, 16
# pictures vary mostly along a few directions (as real embeddings do); the first one is the
# content that earns likes
BASIS = np.linalg.qr(np.random.default_rng(99).normal(size=(DIM, DIM)))[0][:, :4].T
DIRECTION = BASIS[0]


def posts(rng: np.random.Generator, account: str, n: int, level: float,
          followers: int | None = None, noise: float = 0.1) -> list[LikesInput]:
    """log1p(likes) = level + 0.8 * content + 0.5 * (posted in the evening) + noise."""
    items = []
    for _ in range(n):
        embedding = (rng.normal(size=4) @ BASIS + rng.normal(0, 0.05, DIM)).astype(np.float32)
        evening = bool(rng.random() < 0.5)
        when = datetime(2026, 5, 4, 20 if evening else 8, tzinfo=UTC) + timedelta(
            days=int(rng.integers(0, 60)) * 7)  # always a Monday: only the hour varies
        value = level + 0.8 * float(embedding @ DIRECTION) + 0.5 * evening \
            + rng.normal(0, noise)
        items.append(LikesInput(account=account, embedding=embedding,
                                text_embedding=rng.normal(size=TEXT_DIM).astype(np.float32),
                                posted_at=when, followers=followers, age_days=30.0,
                                likes=round(float(np.expm1(value)))))
    return items


@pytest.fixture(scope="module")
def trained() -> tuple[LikesModel, list[LikesInput]]:
    rng = np.random.default_rng(0)
    items = [p for k in range(8) for p in posts(rng, f"acct{k}", 30, 4.0 + k,
                                                followers=int(np.expm1(8.0 + k)))]
    return LikesModel(image_components=8, text_components=4).fit(items), items


def test_the_rule_s_ranking_comes_back_within_an_account(trained) -> None:
    model, _ = trained
    fresh = posts(np.random.default_rng(1), "acct3", 40, 7.0, noise=0.0)
    predicted = [p["log_likes"] for p in model.predict(fresh, model.accounts_["acct3"])]
    truth = np.log1p([p.likes for p in fresh])
    assert spearmanr(predicted, truth)[0] > 0.8
    # the same picture posted in the evening is predicted to do better than in the morning
    morning, evening = posts(np.random.default_rng(2), "acct3", 1, 7.0)[0], None
    evening = LikesInput(**{**morning.__dict__, "posted_at": morning.posted_at.replace(hour=20)})
    morning.posted_at = morning.posted_at.replace(hour=8)
    low, high = model.predict([morning, evening], model.accounts_["acct3"])
    assert high["likes"] > low["likes"]


def test_one_model_serves_small_and_large_accounts(trained) -> None:
    model, _ = trained
    small = model.predict(posts(np.random.default_rng(3), "acct0", 1, 4.0),
                          model.accounts_["acct0"])[0]
    large = model.predict(posts(np.random.default_rng(3), "acct7", 1, 11.0),
                          model.accounts_["acct7"])[0]
    assert small["likes"] < 500 < 10_000 < large["likes"]


def test_intervals_contain_about_the_nominal_share() -> None:
    rng = np.random.default_rng(4)
    model = LikesModel(image_components=8, text_components=4, coverage=0.8).fit(
        [p for k in range(6) for p in posts(rng, f"a{k}", 50, 5.0 + k, noise=0.4)])
    held = [(p, k) for k in range(6) for p in posts(rng, f"a{k}", 150, 5.0 + k, noise=0.4)]
    inside = [np.log1p(a["low"]) <= np.log1p(p.likes) <= np.log1p(a["high"])
              for p, k in held for a in model.predict([p], model.accounts_[f"a{k}"])]
    assert 0.72 <= np.mean(inside) <= 0.88


def test_a_new_account_starts_from_followers_and_history_takes_over(trained) -> None:
    model, _ = trained
    rng = np.random.default_rng(5)
    few = model.predict(posts(rng, "new", 1, 9.0, followers=100), None)[0]
    many = model.predict(posts(rng, "new", 1, 9.0, followers=10**7), None)[0]
    assert many["likes"] > few["likes"] and "new account" in few["basis"]
    assert any(d["block"] == "followers" for d in many["drivers"])
    # followers say far fewer likes than this account gets: its history must take over
    history = posts(rng, "new", 40, 9.0, followers=100)
    one, forty = model.history(history[:1]), model.history(history)
    many_posts = model.history(posts(rng, "new", 400, 9.0, followers=100))
    gaps = [abs(model.level(h) - h.mean) for h in (one, forty, many_posts)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.5


def test_save_and_load_give_the_same_predictions(trained, tmp_path: Path) -> None:
    model, items = trained
    path = tmp_path / "likes.npz"
    model.save(path)
    again = LikesModel.load(path)
    assert again.predict(items[:3], model.accounts_["acct0"]) == \
        model.predict(items[:3], model.accounts_["acct0"])
    path.write_bytes(b"not a model")
    with pytest.raises(InvalidInput, match="not a postlens likes model"):
        LikesModel.load(path)


def test_refuses_what_it_cannot_learn_from(trained) -> None:
    model, items = trained
    with pytest.raises(NotFittedError):
        LikesModel().predict(items[:1])
    with pytest.raises(InvalidInput, match="at least"):
        LikesModel().fit(items[:3])
    with pytest.raises(InvalidInput, match="several posts"):
        LikesModel().fit([LikesInput(**{**p.__dict__, "account": f"solo{i}"})
                          for i, p in enumerate(items[:10])])
    single = LikesModel(image_components=4, text_components=2).fit(items[:30])
    with pytest.raises(InvalidInput, match="new one"):
        single.predict(items[:1])  # one account: no new-account model
    wrong = LikesInput(**{**items[0].__dict__, "embedding": np.zeros(DIM + 1, np.float32)})
    with pytest.raises(ValueError, match="embeddings of size"):
        model.predict([wrong], model.accounts_["acct0"])
