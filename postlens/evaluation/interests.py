"""Seed 003's protocol on the Instagram accounts: is the account's interest in its top 5?

Ground truth: each account's profession (``accounts.csv``) mapped to the curlie-36
categories by ``PROFESSION_INTERESTS`` (documented in docs/evaluation.md). "Primary" counts
a hit when the first profession's category is in the predicted top 5; "any" when one of
the listed professions' categories is. Accounts whose professions map to no category are
left out and named. Every account is scored by a model that never saw it (leave one
account out): the calibration scales, and the linear heads where used, are fitted on the
other accounts' posts, each labelled with its account's primary interest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.interests.aggregate import DEFAULT_RECENT, profile_of, recency_weights
from postlens.interests.model import Features, InterestModel, PostScores
from postlens.interests.posts import load_posts
from postlens.interests.training import fit_stacked
from postlens.store.schema import Post, User

PROFESSION_INTERESTS = {
    "musician": "music", "singer": "music",
    "footballer": "football", "football club": "football",
    "actor": "movie", "actress": "movie", "comedian": "movie",
    "television personality": "movie",
    "model": "clothes",
    "professional wrestler": "fitness",
    "magazine": "travel",
}


def profession_interests(profession: str) -> list[str]:
    """"Musician, actress, and businesswoman" -> ["music", "movie"] (mapped terms, in order)."""
    terms = re.split(r",\s*(?:and\s+)?|\s+and\s+", profession.strip().lower())
    out: list[str] = []
    for term in terms:
        interest = PROFESSION_INTERESTS.get(term.strip())
        if interest and interest not in out:
            out.append(interest)
    return out


@dataclass
class Account:
    handle: str
    profession: str
    truth: list[str]  # mapped interests, primary first
    posts: list[int]  # row indices into the features, newest first


@dataclass
class AccountResult:
    method: str
    ranks: list[tuple[int, int]]  # per account: rank of the primary interest, best rank of any

    def row(self) -> list[str]:
        primary = np.array([p for p, _ in self.ranks])
        best = np.array([a for _, a in self.ranks])
        top5, mrr = (primary < 5).astype(float), 1.0 / (primary + 1)
        (t_low, t_high), (m_low, m_high) = bootstrap(top5), bootstrap(mrr)
        return [self.method, f"{top5.mean():.1%} ({t_low:.0%}-{t_high:.0%})",
                f"{np.mean(best < 5):.1%}", f"{np.mean(primary == 0):.1%}",
                f"{mrr.mean():.3f} ({m_low:.2f}-{m_high:.2f})", str(len(self.ranks))]


HEADER = ["method", "top-5 acc. (primary, 95% CI)", "top-5 acc. (any profession)",
          "top-1 (primary)", "MRR (primary, 95% CI)", "accounts"]


def bootstrap(values: np.ndarray, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean, resampling accounts."""
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(rounds, len(values)), replace=True).mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


VIEWS = {"text only": "text", "image only": "image", "fused": "fused"}


def _ranking(scores: PostScores, view: str, posts: list[int]) -> list[int]:
    """Categories ranked by the account's profile in one view."""
    rows = posts[:DEFAULT_RECENT]
    profile = profile_of(PostScores(scores.image[rows], scores.text[rows], scores.fused[rows]),
                         recency_weights(len(rows)), view)
    return [] if profile is None else list(np.argsort(-profile, kind="stable"))


def evaluate_accounts(model: InterestModel, features: Features,
                      accounts: Sequence[Account], shipped: InterestModel | None = None
                      ) -> list[AccountResult]:
    """Zero-shot, zero-shot + trained heads and a label-frequency prior, each scored on
    accounts it never saw (leave one account out); and ``shipped``, the model postlens
    ships (trained on other data), as it is."""
    taxonomy = model.taxonomy
    label = primary_labels(model, accounts, len(features.has_image))
    ranks: dict[str, list[tuple[int, int]]] = {}
    for held_out in accounts:
        train = [a for a in accounts if a is not held_out]
        rows = np.array([r for a in train for r in a.posts])
        truth = [taxonomy.index(t) for t in held_out.truth]

        def record(method: str, ranking: list[int], truth: list[int] = truth) -> None:
            position = {category: rank for rank, category in enumerate(ranking)}
            found = [position.get(t, len(taxonomy)) for t in truth]
            ranks.setdefault(method, []).append((found[0], min(found)))

        record("prior: most frequent training interests",
               [i for i, _ in Counter(label[rows]).most_common()])
        for kind, heads in (("zero-shot", False), ("zero-shot + linear heads", True)):
            scores = fit_and_score(model, features, rows, label,
                                   groups=_groups(train) if heads else None)
            for name, view in VIEWS.items():
                record(f"{kind}, {name}", _ranking(scores, view, held_out.posts))
        if shipped is not None:
            scores = shipped.score(features)
            for name, view in VIEWS.items():
                record(f"shipped model (never saw these accounts), {name}",
                       _ranking(scores, view, held_out.posts))
    return [AccountResult(method, r) for method, r in ranks.items()]


def primary_labels(model: InterestModel, accounts: Sequence[Account], n: int) -> np.ndarray:
    """Each post labelled with its account's primary interest."""
    label = np.zeros(n, dtype=int)
    for account in accounts:
        label[account.posts] = model.taxonomy.index(account.truth[0])
    return label


def _groups(accounts: Sequence[Account]) -> np.ndarray:
    return np.concatenate([[i] * len(a.posts) for i, a in enumerate(accounts)])


def fit_and_score(model: InterestModel, features: Features, train: np.ndarray,
                  label: np.ndarray, groups: np.ndarray | None = None,
                  folds: int = 5, pictures: np.ndarray | None = None,
                  balanced: bool = False) -> PostScores:
    """Fit on the ``train`` rows, score every row. Without ``groups``: zero-shot sources
    only, calibrated on the training rows. With them: linear heads too (``fit_stacked``)."""
    model.heads = {}
    if groups is None:
        model.fit_calibration(features.rows(train), label[train])
        return model.score(features)
    fit_stacked(model, features, train, label, groups, folds, pictures, balanced)
    scores = model.score(features)
    model.heads = {}
    return scores


def load_accounts(session: Session, model: InterestModel, source: str = "instagram"
                  ) -> tuple[list[Account], list[str], Features]:
    """Accounts with a mapped profession and their recent posts' features."""
    users = session.execute(select(User.id, User.handle, User.attributes)
                            .where(User.handle.like(f"{source}:%"))).all()
    accounts: list[Account] = []
    skipped: list[str] = []
    post_ids: list[int] = []
    for user_id, handle, attributes in sorted(users, key=lambda u: u[1]):
        profession = (attributes or {}).get("profession") or ""
        truth = profession_interests(profession)
        if not truth:
            skipped.append(f"{handle} ({profession or 'no profession'})")
            continue
        ids = session.scalars(select(Post.id).where(Post.author_id == user_id)
                              .order_by(Post.posted_at.desc(), Post.id.desc())
                              .limit(DEFAULT_RECENT)).all()
        accounts.append(Account(handle, profession, truth,
                                list(range(len(post_ids), len(post_ids) + len(ids)))))
        post_ids.extend(ids)
    encoder = model.space.encoder
    posts = [p.content for p in load_posts(session, post_ids, encoder, with_embedding=True)]
    return accounts, skipped, model.features(posts)
