"""``postlens evaluate likes``: likes prediction on real accounts, beside its baselines.

* **history** — each account's posts spread over 5 folds; a post is predicted by a model
  trained on every other fold of every account, with its own account's training posts as
  history. Pooled Spearman (SRC) and MAE of log1p(likes) over all posts; *within* accounts,
  the SRC of the part that differs between one account's posts (the account level is the same
  for all its candidates: this is "which of these pictures should I post?").
* **new account** — leave one account out: the account's posts are predicted with no history.
* **seed 001** — one account's own history only, 80/20: error in % of the held-out likes.
Intervals: percentile bootstrap over accounts (1,000 draws), paired for differences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingRegressor

from postlens.engagement.design import Design
from postlens.engagement.features import LikesInput, log_followers, log_likes
from postlens.engagement.model import LikesModel, folds_within, relative_targets
from postlens.engagement.report import percent_errors

DRAWS = 1000
# name -> the feature blocks a model learns from (None: all)
VARIANTS: dict[str, tuple[str, ...] | None] = {
    "postlens (all features)": None,
    "picture only (image embedding)": ("image",),
    "caption only (text embedding, counts)": ("text", "caption"),
    "per-picture results (faces, categories, appearance)": ("faces", "categories",
                                                             "appearance"),
    "posting time only": ("time", "age"),
}


def _src(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b)[0])


def _within(relative: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    return np.asarray([_src(relative[groups == g], y[groups == g]) for g in np.unique(groups)])


def bootstrap(groups: np.ndarray, statistic: Callable[[np.ndarray], float], seed: int = 0
              ) -> tuple[float, float, float]:
    """The statistic over all posts and its 95% interval, resampling whole accounts."""
    names = np.unique(groups)
    rows = [np.flatnonzero(groups == g) for g in names]
    rng = np.random.default_rng(seed)
    draws = [statistic(np.concatenate([rows[i] for i in rng.integers(0, len(names),
                                                                     len(names))]))
             for _ in range(DRAWS)]
    low, high = np.percentile(draws, [2.5, 97.5])
    return statistic(np.arange(len(groups))), float(low), float(high)


def _summary(pred: np.ndarray, y: np.ndarray, groups: np.ndarray,
             relative: np.ndarray | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "src": bootstrap(groups, lambda r: _src(pred[r], y[r])),
        "mae": bootstrap(groups, lambda r: float(np.mean(np.abs(pred[r] - y[r]))))}
    if relative is not None:
        per_account = _within(relative, y, groups)
        body["within_src"] = bootstrap(np.unique(groups),
                                       lambda r: float(np.mean(per_account[r])))
    return body


def _gradient_boosting(train: list[LikesInput], test: list[LikesInput]) -> np.ndarray:
    """The same design rows and relative targets, fitted by gradient boosting instead."""
    design = Design.fit(train, 16, 8, 0)
    target, usable = relative_targets(log_likes(train), [i.account for i in train])
    model = HistGradientBoostingRegressor(max_depth=3, learning_rate=0.05, max_iter=150,
                                          min_samples_leaf=10, random_state=0)
    model.fit(design.rows(train)[usable], target[usable])
    return np.asarray(model.predict(design.rows(test)))


def history_protocol(items: list[LikesInput], folds: int = 5, seed: int = 0
                     ) -> dict[str, Any]:
    y, groups = log_likes(items), np.asarray([i.account for i in items])
    fold = folds_within(list(groups), folds, seed)
    preds = {name: np.zeros(len(y)) for name in [*VARIANTS, "gradient boosting (all)"]}
    relatives = {name: np.zeros(len(y)) for name in preds}
    level, covered = np.zeros(len(y)), np.zeros(len(y), dtype=bool)
    for f in range(folds):
        train = [i for i, k in zip(items, fold, strict=True) if k != f]
        test = np.flatnonzero(fold == f)
        means = {a: float(np.mean(log_likes([i for i in train if i.account == a])))
                 for a in {i.account for i in train}}
        level[test] = [means[groups[t]] for t in test]
        for name, use in VARIANTS.items():
            model = LikesModel(use=use, seed=seed).fit(train)
            for t in test:
                history = model.accounts_[groups[t]]
                answer = model.predict([items[t]], history)[0]
                preds[name][t] = answer["log_likes"]
                relatives[name][t] = answer["log_likes"] - (model.level(history) or 0.0)
                if use is None:
                    covered[t] = np.log1p(answer["low"]) <= y[t] <= np.log1p(answer["high"])
        boosted = _gradient_boosting(train, [items[t] for t in test])
        relatives["gradient boosting (all)"][test] = boosted
        preds["gradient boosting (all)"][test] = level[test] + boosted
    rows = {"account mean (baseline)": _summary(level, y, groups, None)}
    rows.update({name: _summary(preds[name], y, groups, relatives[name]) for name in preds})
    main = preds["postlens (all features)"]
    gain = bootstrap(groups, lambda r: _src(main[r], y[r]) - _src(level[r], y[r]))
    return {"models": rows, "src_gain_over_account_mean": gain,
            "interval_coverage": float(covered.mean()), "posts": len(y),
            "accounts": len(np.unique(groups))}


def new_account_protocol(items: list[LikesInput], seed: int = 0) -> dict[str, Any]:
    y, groups = log_likes(items), np.asarray([i.account for i in items])
    names = sorted(set(groups))
    preds = {name: np.zeros(len(y)) for name in ["followers only (engagement rate)",
                                                 *VARIANTS]}
    covered = np.zeros(len(y), dtype=bool)
    for held in names:
        train = [i for i in items if i.account != held]
        test = [i for i in items if i.account == held]
        rows = groups == held
        default = float(np.median(log_followers(train, 0.0)))
        train_y, train_groups = log_likes(train), np.asarray([i.account for i in train])
        margin = train_y - log_followers(train, default)
        rate = float(np.median([margin[train_groups == a].mean() for a in set(train_groups)]))
        preds["followers only (engagement rate)"][rows] = log_followers(test, default) + rate
        for name, use in VARIANTS.items():
            answers = LikesModel(use=use, seed=seed).fit(train).predict(test)
            preds[name][rows] = [a["log_likes"] for a in answers]
            if use is None:
                covered[rows] = [np.log1p(a["low"]) <= v <= np.log1p(a["high"])
                                 for a, v in zip(answers, y[rows], strict=True)]
    summary = {name: _summary(p, y, groups, None) for name, p in preds.items()}
    main, base = preds["postlens (all features)"], preds["followers only (engagement rate)"]
    gain = bootstrap(groups, lambda r: _src(main[r], y[r]) - _src(base[r], y[r]))
    return {"models": summary, "src_gain_over_followers": gain,
            "interval_coverage": float(covered.mean())}


def seed_protocol(items: list[LikesInput], seed: int = 0) -> dict[str, Any]:
    """Per account: train on 80% of its own posts only, error in % on the other 20%."""
    errors: dict[str, list[float]] = {"postlens, own posts only": [],
                                      "postlens, across accounts + own posts": [],
                                      "account mean (baseline)": []}
    rng = np.random.default_rng(seed)
    for account in sorted({i.account for i in items}):
        posts = [i for i in items if i.account == account]
        order = rng.permutation(len(posts))
        cut = max(1, round(0.2 * len(posts)))
        test, train = [posts[i] for i in order[:cut]], [posts[i] for i in order[cut:]]
        model = LikesModel(seed=seed).fit(train)
        predicted = np.asarray([a["log_likes"] for a in
                                model.predict(test, model.accounts_[account])])
        actual = log_likes(test)
        errors["postlens, own posts only"].extend(percent_errors(predicted, actual))
        others = [i for i in items if i.account != account]
        if len({i.account for i in others}) >= 2:
            shared = LikesModel(seed=seed).fit(others + train)
            predicted = np.asarray([a["log_likes"] for a in
                                    shared.predict(test, shared.accounts_[account])])
            errors["postlens, across accounts + own posts"].extend(
                percent_errors(predicted, actual))
        errors["account mean (baseline)"].extend(
            percent_errors(np.full(len(test), log_likes(train).mean()), actual))
    return {name: {"median": float(np.median(v)),
                   "quartiles": [float(q) for q in np.percentile(v, [25, 75])],
                   "photos": len(v)} for name, v in errors.items() if v}
