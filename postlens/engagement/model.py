"""The likes model: log1p(likes) = the account's usual level + how this post differs from it.

* **Relative part** (ridge on the design rows): trained on log1p(likes) minus the mean of the
  *other* posts of the same account, so one model serves a private account with 80 likes a
  post and a public one with 5 million.
* **Account level**: the mean of the account's own history, shrunk toward the new-account
  prediction by ``k / (n + k)`` (empirical Bayes: ``k`` = within-account variance / variance
  between accounts), so a new account starts from the cross-account model and its own history
  takes over as it grows.
* **New accounts** (no history): followers times the training accounts' typical engagement
  rate, corrected by a second ridge on the same rows (what the post shows and says).
* **Intervals**: split-conformal quantiles of out-of-fold residuals (posts held out within
  their accounts for the history case, whole accounts held out for the new-account case).
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postlens.engagement.design import Design, Linear, Projection
from postlens.engagement.features import LikesInput, block_label, log_followers, log_likes
from postlens.errors import InvalidInput, NotFittedError
from postlens.fileio import atomic_write_bytes

MIN_POSTS = 6
MIN_COLD_ACCOUNTS = 3
MAX_SHRINK = 10.0
FORMAT = 1


@dataclass(frozen=True)
class AccountLevel:
    posts: int
    mean: float  # mean log1p(likes) of the account's posts
    cold_mean: float  # mean new-account prediction of the same posts


def folds_within(accounts: list[str], folds: int, seed: int) -> np.ndarray:
    """A fold per post such that each account's posts are spread over the folds."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(accounts), dtype=int)
    by_account: dict[str, list[int]] = defaultdict(list)
    for i, account in enumerate(accounts):
        by_account[account].append(i)
    for account in sorted(by_account):
        rows = rng.permutation(by_account[account])
        fold[rows] = (np.arange(len(rows)) + rng.integers(folds)) % folds
    return fold


def relative_targets(y: np.ndarray, accounts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """log1p(likes) minus the mean of the account's other posts; and which rows have one."""
    target, usable = np.zeros_like(y), np.zeros(len(y), dtype=bool)
    for account in set(accounts):
        rows = np.asarray([i for i, a in enumerate(accounts) if a == account])
        if len(rows) >= 2:
            total = y[rows].sum()
            target[rows] = y[rows] - (total - y[rows]) / (len(rows) - 1)
            usable[rows] = True
    return target, usable


class LikesModel:
    def __init__(self, image_components: int = 16, text_components: int = 8,
                 coverage: float = 0.8, folds: int = 5, seed: int = 0,
                 use: tuple[str, ...] | None = None) -> None:
        """``use``: the feature blocks to learn from (default all; baselines use one)."""
        self.use = use
        self.image_components = image_components
        self.text_components = text_components
        self.coverage = coverage
        self.folds = folds
        self.seed = seed

    # -- fitting --------------------------------------------------------------------------
    def fit(self, items: list[LikesInput]) -> LikesModel:
        if any(i.likes is None for i in items):
            raise InvalidInput("every training post needs its likes")
        if len(items) < MIN_POSTS:
            raise InvalidInput(f"{len(items)} posts with likes; the likes model needs at least "
                               f"{MIN_POSTS}")
        accounts = [i.account for i in items]
        y = log_likes(items)
        relative, usable = relative_targets(y, accounts)
        if usable.sum() < MIN_POSTS:
            raise InvalidInput("the likes model learns from accounts with several posts; "
                               f"fewer than {MIN_POSTS} posts share an account")
        self.design_ = Design.fit(items, self.image_components, self.text_components, self.seed,
                                  self.use)
        rows = self.design_.rows(items)
        self.relative_ = Linear.fit(rows[usable], relative[usable])
        known = [i.followers for i in items if i.followers is not None]
        self.default_followers_ = float(np.log1p(np.median(known))) if known else 0.0
        names = sorted(set(accounts))
        self.cold_: Linear | None = None
        self.offset_ = 0.0
        cold = np.full(len(y), float(np.mean(y)))
        if len(names) >= MIN_COLD_ACCOUNTS:
            self.offset_, self.cold_ = self._fit_cold(items, rows, y)
            cold = self._cold(items, rows)
        self.accounts_ = {a: self._level(y, cold, np.asarray(accounts) == a) for a in names}
        self.shrink_ = self._shrinkage(y, cold, accounts)
        self.warm_quantiles_ = self._quantiles(self._warm_residuals(items, rows, y, accounts))
        self.cold_quantiles_ = (self._quantiles(self._cold_residuals(items, rows, y, accounts))
                                if self.cold_ is not None else (0.0, 0.0))
        self.median_age_ = float(np.median([i.age_days for i in items if i.age_days is not None]
                                           or [0.0]))
        self.trained_posts_ = len(items)
        return self

    def _fit_cold(self, items: list[LikesInput], rows: np.ndarray, y: np.ndarray
                  ) -> tuple[float, Linear]:
        followers = log_followers(items, self.default_followers_)
        accounts = np.asarray([i.account for i in items])
        # the typical engagement rate: the median account's mean log(likes / followers)
        offset = float(np.median([np.mean(y[accounts == a] - followers[accounts == a])
                                  for a in sorted(set(accounts))]))
        return offset, Linear.fit(rows, y - followers - offset)

    def _cold(self, items: list[LikesInput], rows: np.ndarray,
              cold: Linear | None = None, offset: float | None = None) -> np.ndarray:
        model = cold or self.cold_
        if model is None:
            raise InvalidInput("this likes model was trained on fewer than "
                               f"{MIN_COLD_ACCOUNTS} accounts and knows only those accounts; "
                               "train it across accounts to predict for a new one")
        base = log_followers(items, self.default_followers_)
        return base + (self.offset_ if offset is None else offset) + model.predict(rows)

    @staticmethod
    def _level(y: np.ndarray, cold: np.ndarray, rows: np.ndarray) -> AccountLevel:
        return AccountLevel(int(rows.sum()), float(y[rows].mean()), float(cold[rows].mean()))

    @staticmethod
    def _shrinkage(y: np.ndarray, cold: np.ndarray, accounts: list[str]) -> float:
        """``k`` of the level's ``n / (n + k)`` weight on the account's own mean."""
        groups = [np.asarray(accounts) == a for a in sorted(set(accounts))]
        within = float(np.mean([y[g].var(ddof=1) for g in groups if g.sum() >= 2]))
        sizes = np.asarray([g.sum() for g in groups])
        gaps = np.asarray([y[g].mean() - cold[g].mean() for g in groups])
        between = max(float(gaps.var()) - within / float(sizes.mean()), 1e-3)
        # at most 10: a between-account variance from a few accounts is not to be trusted far
        return float(np.clip(within / between, 0.25, MAX_SHRINK))

    def _warm_residuals(self, items: list[LikesInput], rows: np.ndarray, y: np.ndarray,
                        accounts: list[str]) -> np.ndarray:
        fold = folds_within(accounts, self.folds, self.seed)
        names = np.asarray(accounts)
        residuals = []
        for f in range(self.folds):
            train, test = fold != f, fold == f
            target, usable = relative_targets(y[train], list(names[train]))
            if usable.sum() < 2 or not test.any():
                continue
            model = Linear.fit(rows[train][usable], target[usable])
            for i in np.flatnonzero(test):
                history = train & (names == names[i])
                if history.any():
                    residuals.append(y[i] - y[history].mean() - model.predict(rows[i:i + 1])[0])
        return np.asarray(residuals)

    def _cold_residuals(self, items: list[LikesInput], rows: np.ndarray, y: np.ndarray,
                        accounts: list[str]) -> np.ndarray:
        names = sorted(set(accounts))
        group = np.asarray([names.index(a) for a in accounts]) % min(self.folds, len(names))
        residuals = []
        for f in np.unique(group):
            train = group != f
            chosen = [item for item, keep in zip(items, train, strict=True) if keep]
            offset, cold = self._fit_cold(chosen, rows[train], y[train])
            held = [item for item, keep in zip(items, train, strict=True) if not keep]
            residuals.extend(y[~train] - self._cold(held, rows[~train], cold, offset))
        return np.asarray(residuals)

    def _quantiles(self, residuals: np.ndarray) -> tuple[float, float]:
        if len(residuals) == 0:
            return (0.0, 0.0)
        tail = (1 - self.coverage) / 2
        return (float(np.quantile(residuals, tail, method="lower")),
                float(np.quantile(residuals, 1 - tail, method="higher")))

    # -- predicting -----------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "relative_"):
            raise NotFittedError("the likes model is not trained; run `postlens likes train`")

    def level(self, history: AccountLevel | None) -> float | None:
        """The account's expected log1p(likes) for a typical post; None for a new account."""
        if history is None or history.posts == 0:
            return None
        weight = history.posts / (history.posts + self.shrink_)
        return weight * history.mean + (1 - weight) * history.cold_mean

    def history(self, items: list[LikesInput]) -> AccountLevel:
        """An account's level from its own posts with likes (the model is not changed)."""
        self._check()
        y = log_likes(items)
        cold = (self._cold(items, self.design_.rows(items)) if self.cold_ is not None else y)
        return AccountLevel(len(items), float(y.mean()), float(cold.mean()))

    def predict(self, items: list[LikesInput], history: AccountLevel | None = None
                ) -> list[dict[str, Any]]:
        """For each post: likes, an interval at ``coverage``, and the strongest drivers."""
        self._check()
        for item in items:
            item.age_days = self.median_age_ if item.age_days is None else item.age_days
        rows = self.design_.rows(items)
        level = self.level(history)
        if level is None:
            values = self._cold(items, rows)
            low, high = self.cold_quantiles_
            assert self.cold_ is not None
            parts = self.cold_.contributions(rows, self.design_.blocks)
            followers = log_followers(items, self.default_followers_) - self.default_followers_
            parts = [{**p, "followers": float(f)} for p, f in zip(parts, followers, strict=True)]
            basis = "new account: followers and what similar posts got"
        else:
            values = level + self.relative_.predict(rows)
            low, high = self.warm_quantiles_
            parts = self.relative_.contributions(rows, self.design_.blocks)
            basis = f"the account's history ({history.posts} posts)" if history else ""
        return [{"log_likes": float(v), "likes": _likes(v), "low": _likes(v + low),
                 "high": _likes(v + high), "coverage": self.coverage, "basis": basis,
                 "drivers": drivers(p)} for v, p in zip(values, parts, strict=True)]

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        self._check()
        cold = self.cold_ or Linear(np.zeros(0), 0.0, 0.0)
        meta = {"format": FORMAT, "coverage": self.coverage, "blocks": self.design_.blocks,
                "keep": self.design_.keep.tolist(),
                "relative": [self.relative_.intercept, self.relative_.alpha],
                "cold": [cold.intercept, cold.alpha] if self.cold_ else None,
                "offset": self.offset_, "default_followers": self.default_followers_,
                "shrink": self.shrink_, "warm": self.warm_quantiles_,
                "cold_quantiles": self.cold_quantiles_, "median_age": self.median_age_,
                "posts": self.trained_posts_,
                "accounts": {a: [v.posts, v.mean, v.cold_mean]
                             for a, v in self.accounts_.items()}}

        buffer = io.BytesIO()
        d = self.design_
        np.savez(buffer, image_mean=d.image.mean, image_components=d.image.components,
                 text_mean=d.text.mean, text_components=d.text.components, mean=d.mean,
                 scale=d.scale, relative=self.relative_.coef, cold=cold.coef,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        atomic_write_bytes(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> LikesModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            meta = json.loads(arrays["meta"].tobytes())
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"{path} is not a postlens likes model: {exc}") from exc
        if meta.get("format") != FORMAT:
            raise InvalidInput(f"{path}: likes model format {meta.get('format')}, this "
                               f"postlens reads {FORMAT}; retrain with `postlens likes train`")
        model = cls(coverage=meta["coverage"])
        model.design_ = Design(Projection(arrays["image_mean"], arrays["image_components"]),
                               Projection(arrays["text_mean"], arrays["text_components"]),
                               arrays["mean"], arrays["scale"], list(meta["blocks"]),
                               np.asarray(meta["keep"], dtype=bool))
        model.relative_ = Linear(arrays["relative"], *meta["relative"])
        model.cold_ = Linear(arrays["cold"], *meta["cold"]) if meta["cold"] else None
        model.offset_, model.shrink_ = meta["offset"], meta["shrink"]
        model.default_followers_, model.median_age_ = meta["default_followers"], \
            meta["median_age"]
        model.warm_quantiles_ = tuple(meta["warm"])
        model.cold_quantiles_ = tuple(meta["cold_quantiles"])
        model.trained_posts_ = meta["posts"]
        model.accounts_ = {a: AccountLevel(int(v[0]), v[1], v[2])
                           for a, v in meta["accounts"].items()}
        return model


def _likes(log_value: float) -> int:
    return round(float(np.expm1(np.clip(log_value, 0.0, 40.0))))


def drivers(parts: dict[str, float], top: int = 4) -> list[dict[str, Any]]:
    """The blocks that moved this prediction most, as +/- percent of likes."""
    ranked = sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:top]
    return [{"feature": block_label(block), "block": block, "effect": round(value, 4),
             "percent": round(float(np.expm1(min(value, 20.0))) * 100, 1)}
            for block, value in ranked if abs(value) >= 1e-4]
