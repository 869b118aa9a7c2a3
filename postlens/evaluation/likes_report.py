"""Runs the likes protocols on the shared data and writes their tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from postlens.engagement.service import LikesService
from postlens.errors import InvalidInput
from postlens.evaluation.likes import history_protocol, new_account_protocol, seed_protocol
from postlens.evaluation.report import markdown


def evaluate_likes(likes: LikesService, data: Path, likes_folders: list[Path], seed: int = 0
                   ) -> tuple[dict[str, Any], str]:
    accounts = data / "instagram-accounts"
    if not accounts.is_dir():
        raise InvalidInput(f"no instagram-accounts/ in {data}")
    items = likes.training_posts(accounts, "instaloader")
    numbers: dict[str, Any] = {
        "posts": len(items), "accounts": len({i.account for i in items}),
        "split_seed": seed, "history": history_protocol(items, seed=seed),
        "new_account": new_account_protocol(items, seed=seed),
        "seed": {"instagram-accounts (each account alone)": seed_protocol(items, seed)}}
    for folder in likes_folders:
        numbers["seed"][str(folder)] = seed_protocol(
            likes.training_posts(folder, "likes-folder"), seed)
    return numbers, report(numbers)


def _interval(values: tuple[float, float, float] | list[float]) -> str:
    value, low, high = values
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def report(numbers: dict[str, Any]) -> str:
    history, new = numbers["history"], numbers["new_account"]
    rows = [[name, _interval(m["src"]), _interval(m["mae"]),
             _interval(m["within_src"]) if "within_src" in m else "— (one level per account)"]
            for name, m in history["models"].items()]
    parts = [
        f"{numbers['posts']} posts from {numbers['accounts']} accounts, split seed "
        f"{numbers['split_seed']}. SRC: Spearman rank "
        "correlation with log1p(likes); MAE of log1p(likes); 95% bootstrap intervals over "
        "accounts.", "",
        "**With the account's history** (5 folds, each account's posts spread over the folds; "
        "a post is predicted from the other folds of every account). *Within*: mean over "
        "accounts of the SRC among one account's posts (what ranking candidate pictures "
        "needs).", "",
        markdown(["model", "SRC, all posts", "MAE", "SRC within accounts"], rows), "",
        f"SRC gain over the account mean (paired): "
        f"{_interval(history['src_gain_over_account_mean'])}; held-out likes inside the "
        f"80% interval: {history['interval_coverage']:.1%}.", "",
        "**New account** (leave one account out: no history of the account at all).", "",
        markdown(["model", "SRC, all posts", "MAE"],
                 [[name, _interval(m["src"]), _interval(m["mae"])]
                  for name, m in new["models"].items()]), "",
        f"SRC gain over followers only (paired): {_interval(new['src_gain_over_followers'])}"
        f"; held-out likes inside the 80% interval: {new['interval_coverage']:.1%}.", "",
        "**Seed 001's protocol** (80/20 of one account's posts; error in % of the actual "
        "likes on the held-out photos).", ""]
    seed_rows = [[where, name, f"{m['median']:.1f}%",
                  f"{m['quartiles'][0]:.1f}% - {m['quartiles'][1]:.1f}%", str(m["photos"])]
                 for where, table in numbers["seed"].items() for name, m in table.items()]
    parts.append(markdown(["data", "model", "median error", "quartiles", "photos"],
                          seed_rows))
    return "\n".join(parts)
