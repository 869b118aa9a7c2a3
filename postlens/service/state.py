"""What a running server holds beside the core: caches that only the web layer needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from postlens.accounts import AttemptLimiter
from postlens.core import Postlens
from postlens.service.schemas import PostCache
from postlens.store.schema import User


@dataclass
class AppState:
    core: Postlens
    posts: PostCache = field(default_factory=PostCache)
    key_cache: dict[str, tuple[User, float]] = field(default_factory=dict)
    uploads: AttemptLimiter = field(init=False)
    writes: AttemptLimiter = field(init=False)

    def __post_init__(self) -> None:
        settings = self.core.settings
        self.uploads = AttemptLimiter(settings.uploads_per_minute, 60.0)
        self.writes = AttemptLimiter(settings.writes_per_minute, 60.0)
