"""The recommender contract every implementation follows (in the spirit of ``implicit``).

``__init__`` stores hyperparameters only; ``fit(dataset)`` learns, with learned state ending
in ``_``; ``recommend`` takes one user id or a batch; ``save``/``load`` use ``.npz`` with
``allow_pickle=False``. Subclasses write ``_fit``, ``_scores`` and ``_explain``; the base owns
id mapping, filtering, top-n selection, feedback folding and persistence.
"""

from __future__ import annotations

import json
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp

from postlens.errors import InvalidInput, NotFittedError, NotFound
from postlens.fileio import atomic_write
from postlens.numeric import l2_normalise
from postlens.recommend.data import Dataset
from postlens.recommend.head_budget import keep_head_to
from postlens.recommend.rerank import freshness_boost, head_items, popularity_discount, select_top

Ids = int | Sequence[int] | np.ndarray
RecommendResult = tuple[np.ndarray, np.ndarray, list[Any]]


POPULAR = "popular with everyone (we do not know your taste yet)"


class UnknownId(NotFound):
    code = "unknown_id"


def as_id_list(ids: Ids) -> tuple[bool, list[int]]:
    """(whether one id was given, the ids as a list)."""
    if isinstance(ids, int | np.integer):
        return True, [int(ids)]
    return False, [int(i) for i in ids]


class Recommender(ABC):
    name: ClassVar[str] = ""
    tunes_on_validation: ClassVar[bool] = False  # fit() uses the caller's validation data

    def __init__(self, **hyperparameters: Any) -> None:
        self.params = hyperparameters

    # -- learning -----------------------------------------------------------------------
    def fit(self, dataset: Dataset, validation: Dataset | None = None) -> Self:
        """Learn from ``dataset``. Models that tune on held-out data (the hybrid's blend)
        take it as ``validation`` from the caller, as Cornac's ``fit(train_set, val_set)``;
        the others ignore it."""
        interactions = dataset.interactions
        self.item_ids_ = dataset.catalogue()
        users = [interactions.user_ids, np.array(list(dataset.follows), dtype=np.int64)]
        self.user_ids_ = np.unique(np.concatenate(users))
        self._item_pos = {int(i): k for k, i in enumerate(self.item_ids_)}
        self._user_pos = {int(u): k for k, u in enumerate(self.user_ids_)}
        rows = np.searchsorted(self.user_ids_, interactions.user_ids)
        cols = np.searchsorted(self.item_ids_, interactions.item_ids)
        shape = (len(self.user_ids_), len(self.item_ids_))
        self.user_items_ = sp.csr_matrix((interactions.weights, (rows, cols)), shape=shape,
                                         dtype=np.float32)
        self.user_items_.sum_duplicates()
        self.__dict__.pop("_counts", None)
        # Whatever a user interacted with counts as seen, whatever its weight (a 2.5-star
        # rating weighs 0 and would otherwise vanish from the weights).
        self.seen_ = sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape,
                                   dtype=bool)
        self.titles_ = dict(dataset.features.titles) if dataset.features is not None else {}
        self.last_time_ = float(interactions.times.max()) if len(interactions) else 0.0
        self.item_times_ = dataset.item_times_for(self.item_ids_)
        self.watermark_ = dataset.watermark
        self._fit(dataset, rows, cols)
        return self

    @abstractmethod
    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None: ...

    @abstractmethod
    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        """(len(user_rows), n_items) relevance scores; higher is better."""

    def _explain(self, user_row: int, item_col: int) -> str:
        return "recommended for you"

    def _refresh_user(self, user_row: int) -> None:
        """Re-derive one user's learned state after :meth:`update_user` changed their row."""
        return None

    # -- serving ------------------------------------------------------------------------
    def recommend(self, user_ids: Ids, n: int = 10, *, filter_seen: bool = True,
                  exclude: Sequence[int] | None = None,
                  candidates: Sequence[int] | np.ndarray | None = None,
                  diversity: float = 0.0, freshness: float = 0.0, novelty: float = 0.0,
                  max_popular: float = 1.0) -> RecommendResult:
        """Top-n item ids, scores and explanations for one user (1-D) or a batch (2-D).

        ``freshness`` > 0 boosts recently posted items; ``novelty`` > 0 discounts popular
        items (see :func:`popularity_discount`); ``max_popular`` < 1 keeps the 2% most-liked
        items to that share of the slots (:mod:`postlens.recommend.head_budget`);
        ``diversity`` in (0, 1] re-ranks the top candidates by maximal marginal relevance so
        that near-duplicates spread out."""
        self._check_fitted()
        if n < 1:
            raise InvalidInput("n must be at least 1")
        if not (0.0 <= diversity <= 1.0 and 0.0 <= max_popular <= 1.0) or min(
                freshness, novelty) < 0:
            raise InvalidInput("diversity and max_popular must be in [0, 1], freshness and "
                               "novelty >= 0")
        single, users = as_id_list(user_ids)
        rows = np.array([self._user_pos.get(u, -1) for u in users], dtype=np.int64)
        known = rows >= 0
        scores = np.empty((len(rows), len(self.item_ids_)), dtype=np.float32)
        if known.any():
            # Rounded so that last-bit differences between batched and single-row BLAS
            # calls cannot reorder near-ties: batch results equal single results.
            scores[known] = np.round(np.array(self._scores(rows[known]), np.float32), 5)
        if not known.all():  # someone with no history yet: what most people liked
            scores[~known] = np.log1p(self.item_counts()).astype(np.float32)
        self._mask(scores, rows, filter_seen, exclude, candidates)
        if freshness > 0 and self.item_times_ is not None:
            scores = freshness_boost(scores, self.item_times_, self.last_time_, freshness)
        if novelty > 0:
            scores = popularity_discount(scores, self.item_counts(), novelty)
        vectors = self._item_vectors() if diversity > 0 else None
        head = None
        if max_popular < 1.0:  # the cap, or the penalty the model learned for this budget
            scores, head = keep_head_to(scores, self.head_mask(), max_popular,
                                        getattr(self, "head_penalties_", {}))
        top, empty = select_top(scores, n, vectors, diversity, head, max_popular)
        top_scores = np.take_along_axis(scores, top, axis=1)
        top_scores[empty] = -np.inf
        ids = np.where(np.isfinite(top_scores), self.item_ids_[top], -1)
        explanations = [[(self._explain(int(r), int(c)) if r >= 0 else POPULAR)
                         if np.isfinite(s) else ""
                         for c, s in zip(cols, row_scores, strict=True)]
                        for r, cols, row_scores in zip(rows, top, top_scores, strict=True)]
        if single:
            keep = ids[0] >= 0
            kept = [e for e, k_ in zip(explanations[0], keep, strict=True) if k_]
            return ids[0][keep], top_scores[0][keep], kept
        return ids, top_scores, explanations

    def _mask(self, scores: np.ndarray, rows: np.ndarray, filter_seen: bool,
              exclude: Sequence[int] | None,
              candidates: Sequence[int] | np.ndarray | None) -> None:
        at = np.flatnonzero(rows >= 0)
        if len(at):
            # Disliked items are never recommended back, even with filter_seen=False.
            hidden = self.seen_[rows[at]] if filter_seen else self.user_items_[rows[at]] < 0
            hit_rows, hit_cols = hidden.nonzero()
            scores[at[hit_rows], hit_cols] = -np.inf
        if exclude is not None and len(exclude):
            scores[:, self.item_cols(exclude, strict=False)] = -np.inf
        if candidates is not None:
            allowed = np.zeros(scores.shape[1], dtype=bool)
            allowed[self.item_cols(candidates, strict=False)] = True
            scores[:, ~allowed] = -np.inf

    def similar_items(self, item_ids: Ids, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Items most similar to each given item (itself excluded)."""
        self._check_fitted()
        single, items = as_id_list(item_ids)
        cols = self.item_cols(items)
        vectors = self._item_vectors()
        if vectors is None:
            raise InvalidInput(f"the {self.name} recommender has no notion of item similarity")
        unit = l2_normalise(vectors)
        sims = unit[cols] @ unit.T
        sims[np.arange(len(cols)), cols] = -np.inf
        k = min(n, sims.shape[1] - 1)
        top = np.argsort(-sims, axis=1)[:, :k]
        ids, scores = self.item_ids_[top], np.take_along_axis(sims, top, axis=1)
        return (ids[0], scores[0]) if single else (ids, scores)

    def _item_vectors(self) -> np.ndarray | None:
        """One vector per item (any length) whose cosine says how alike two items are:
        what diversity re-ranking and ``similar_items`` compare. None: no such notion."""
        return None

    # -- feedback -----------------------------------------------------------------------
    def update_user(self, user_id: int, item_ids: Sequence[int], weights: Sequence[float],
                    *, mark_seen: bool = True) -> None:
        """Fold new feedback into one user's state so the next recommendation reflects it
        (``mark_seen=False``: seeds of a new user's taste, which stay recommendable)."""
        self._check_fitted()
        cols = self.item_cols(item_ids)
        if int(user_id) not in self._user_pos:
            self._add_user(int(user_id))
        row = self._user_pos[int(user_id)]
        current = self.user_items_[row].toarray().ravel()
        np.add.at(current, cols, np.asarray(weights, dtype=np.float32))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)
            self.user_items_[row] = sp.csr_matrix(current)
        self.user_items_.eliminate_zeros()
        self.__dict__.pop("_counts", None)
        seen = self.seen_[row].toarray().ravel()
        seen[cols] = mark_seen | seen[cols]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)
            self.seen_[row] = sp.csr_matrix(seen)
        self._refresh_user(row)

    def _add_user(self, user_id: int) -> None:
        self.user_ids_ = np.append(self.user_ids_, user_id)
        self._user_pos[user_id] = len(self.user_ids_) - 1
        self.user_items_ = sp.vstack([self.user_items_, sp.csr_matrix(
            (1, len(self.item_ids_)), dtype=np.float32)]).tocsr()
        self.seen_ = sp.vstack([self.seen_, sp.csr_matrix((1, len(self.item_ids_)),
                                                          dtype=bool)]).tocsr()
        self._grow_users()

    def _grow_users(self) -> None:
        """Make room for one new user in the learned per-user state."""
        return None

    # -- ids ------------------------------------------------------------------------------
    def user_rows(self, user_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        try:
            return np.array([self._user_pos[int(u)] for u in user_ids], dtype=np.int64)
        except KeyError as exc:
            raise UnknownId(f"unknown user id {exc.args[0]}: no interactions, follows or "
                            "posts of that user were in the training data") from None

    def item_cols(self, item_ids: Sequence[int] | np.ndarray, *, strict: bool = True
                  ) -> np.ndarray:
        if not strict:
            return np.array([self._item_pos[int(i)] for i in item_ids if int(i) in self._item_pos],
                            dtype=np.int64)
        try:
            return np.array([self._item_pos[int(i)] for i in item_ids], dtype=np.int64)
        except KeyError as exc:
            raise UnknownId(f"unknown post id {exc.args[0]}") from None

    def item_counts(self) -> np.ndarray:
        """How many users engaged positively with each item (feedback included); cached
        until the next feedback."""
        counts = self.__dict__.get("_counts")
        if counts is None:
            counts = self._counts = np.asarray((self.user_items_ > 0).sum(axis=0)).ravel()
            self._head = head_items(counts)
        return counts

    def head_mask(self) -> np.ndarray:
        """The short head (the 2% most-liked items), cached with :meth:`item_counts`."""
        self.item_counts()
        return self._head

    def title(self, item_col: int) -> str:
        """How explanations name an item: its caption or title, else its id."""
        item_id = int(self.item_ids_[item_col])
        return self.titles_.get(item_id) or f"post {item_id}"

    def knows_user(self, user_id: int) -> bool:
        return int(user_id) in self._user_pos

    def knows_item(self, item_id: int) -> bool:
        return int(item_id) in self._item_pos

    def _check_fitted(self) -> None:
        if not hasattr(self, "item_ids_"):
            raise NotFittedError(f"the {self.name} recommender is not fitted: call fit() or "
                                 "run `postlens train` first")

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        self._check_fitted()
        ui = self.user_items_
        arrays = {"user_ids_": self.user_ids_, "item_ids_": self.item_ids_,
                  "ui_data": ui.data, "ui_indices": ui.indices, "ui_indptr": ui.indptr,
                  "seen_indices": self.seen_.indices, "seen_indptr": self.seen_.indptr,
                  "titles_": np.array([f"{k}\t{v}" for k, v in self.titles_.items()],
                                      dtype=np.str_),
                  "last_time_": np.array(self.last_time_),
                  "item_times_": (np.array([]) if self.item_times_ is None
                                  else self.item_times_),
                  "watermark_": np.array(self.watermark_, dtype=np.int64),
                  "meta": np.array(json.dumps({"name": self.name, "params": self.params}))}
        arrays.update({f"state_{k}": v for k, v in self._state().items()})
        # Atomic: a server loading the model never reads half a file.
        atomic_write(path, lambda handle: np.savez(handle, **arrays))

    def restore_from(self, archive: Any) -> None:
        """Set fitted state from an archive written by :meth:`save` (see
        ``postlens.recommend.registry.load_recommender``)."""
        self.user_ids_, self.item_ids_ = archive["user_ids_"], archive["item_ids_"]
        self.user_items_ = sp.csr_matrix(
            (archive["ui_data"], archive["ui_indices"], archive["ui_indptr"]),
            shape=(len(self.user_ids_), len(self.item_ids_)))
        shape = self.user_items_.shape
        if "seen_indices" in archive.files:
            indices = archive["seen_indices"]
            self.seen_ = sp.csr_matrix((np.ones(len(indices), dtype=bool), indices,
                                        archive["seen_indptr"]), shape=shape)
        else:  # saved before zero-weight interactions were kept as seen
            self.seen_ = (self.user_items_ != 0).tocsr()
        titles = archive["titles_"] if "titles_" in archive.files else np.array([], np.str_)
        self.titles_ = {int(k): v for k, _, v in (str(t).partition("\t") for t in titles)}
        self.last_time_ = float(archive["last_time_"])
        self.__dict__.pop("_counts", None)
        times = archive["item_times_"]
        self.item_times_ = times if len(times) else None
        self.watermark_ = int(archive["watermark_"]) if "watermark_" in archive.files else 0
        self._item_pos = {int(i): k for k, i in enumerate(self.item_ids_)}
        self._user_pos = {int(u): k for k, u in enumerate(self.user_ids_)}
        self._restore({k[6:]: archive[k] for k in archive.files if k.startswith("state_")})

    def _state(self) -> dict[str, np.ndarray]:
        return {}

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        """Set learned state from :meth:`_state`'s arrays."""
        return None
