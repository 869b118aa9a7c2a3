"""Similar pictures from pgvector on PostgreSQL: known as soon as stored, no training needed,
never a deleted or hidden post."""

from __future__ import annotations

import pytest

from postlens.config import Settings
from postlens.core import Postlens
from postlens.runtime.cache import ModelCache
from postlens.samples import sample_photo
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.slow


def test_an_upload_finds_pictures_stored_a_moment_before(pg_settings: Settings,
                                                         models: ModelCache) -> None:
    core = Postlens(pg_settings, models=models)
    try:
        ana = core.accounts.add_user("ana")
        stored = {}
        for name in ("astronaut", "coffee", "chelsea", "rocket"):
            upload = core.upload(ana, jpeg_bytes(sample_photo(name)), caption=name)
            core.privacy.set_visibility(ana, upload.post_id, "public")
            stored[name] = upload.post_id
        # No recommender has been trained: the neighbours come from the database.
        cat = jpeg_bytes(sample_photo("chelsea")[::-1])  # the same cat, upside down
        fresh = core.upload(ana, cat, caption="cat again")
        insights = core.post_insights(fresh.post_id)
        assert insights.similar_ids[0] == stored["chelsea"]
        assert fresh.post_id not in insights.similar_ids
        assert len(insights.similar_ids) == 4
        core.privacy.set_visibility(ana, stored["chelsea"], "private")
        assert stored["chelsea"] not in core.post_insights(fresh.post_id).similar_ids
    finally:
        core.close()


def test_a_postgresql_without_pgvector_falls_back_to_the_model(
        pg_settings: Settings, models: ModelCache, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from postlens.store import vectors

    def no_extension(*args: object, **kwargs: object) -> None:
        raise psycopg.errors.UndefinedFile('could not open extension control file "vector"')

    monkeypatch.setattr(vectors.PgVectorStore, "__init__", no_extension)
    core = Postlens(pg_settings.model_copy(update={"served_model": "content"}),
                    models=models)
    try:
        assert core.recommender.neighbours is None
        ana = core.accounts.add_user("ana")
        posts = {}
        for name in ("coffee", "chelsea", "astronaut"):
            posts[name] = core.upload(ana, jpeg_bytes(sample_photo(name)), name).post_id
            core.privacy.set_visibility(ana, posts[name], "public")
        core.train()
        # The trained content index answers instead of pgvector.
        similar = core.post_insights(posts["coffee"]).similar_ids
        assert set(similar) == {posts["chelsea"], posts["astronaut"]}
    finally:
        core.close()
