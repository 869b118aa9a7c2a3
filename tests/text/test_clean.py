"""Caption cleaning and hashtag segmentation."""

from __future__ import annotations

import pytest

from postlens.text.clean import clean_caption, segment_hashtag, strip_emoji


@pytest.mark.parametrize(("tag", "words"), [
    ("#foodporn", "food porn"),
    ("GolfTournament", "golf tournament"),
    ("prayforboston", "pray for boston"),
    ("hurricaneSandy", "hurricane sandy"),
    ("sochi2014", "sochi 2014"),
    ("MH370", "mh 370"),
    ("instagood", "insta good"),
    ("tbt", "throwback thursday"),
    ("world_cup", "world cup"),
])
def test_hashtag_segmentation(tag: str, words: str) -> None:
    assert segment_hashtag(tag) == words


def test_caption_cleaning() -> None:
    caption = ("Sunset at the beach 🌅🔥 with @best.friend! #travel #BeachLife "
               "more at https://example.com/p?id=1 www.example.org")
    clean = clean_caption(caption)
    assert clean.mentions == ["best.friend"]
    assert clean.hashtags == ["travel", "beach life"]
    assert "http" not in clean.text and "example" not in clean.text and "🌅" not in clean.text
    assert clean.words == ["sunset", "beach", "travel", "beach", "life"]
    assert clean_caption(caption, keep_stop_words=True).words[:3] == ["sunset", "at", "the"]


def test_emoji_and_other_scripts() -> None:
    assert strip_emoji("Привет 👋🏽 мир ❤️") .split() == ["Привет", "мир"]
    assert clean_caption("東京 #tokyo").hashtags == ["tokyo"]
    assert clean_caption(None).words == [] and clean_caption("").text == ""
