"""Captions and hashtags to clean words: URLs, mentions and emoji out, hashtags segmented.

``#foodporn`` -> "food porn", ``#GolfTournament`` -> "golf tournament", ``#sochi2014`` ->
"sochi 2014". Segmentation uses ``wordsegment`` (English unigram and bigram counts from a
web corpus) after splitting camelCase and digits; a small lexicon covers social-media slang
that corpus counts split wrongly (``#instagood`` is not "inst a good").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from postlens.text.hashtags import HASHTAG_PATTERN as _HASHTAG

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w.]{1,30}")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"(?<=\D)(?=\d)|(?<=\d)(?=\D)")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)

# Social-media slang that corpus counts segment badly.
SLANG = {
    "instagood": "insta good", "instadaily": "insta daily", "instafood": "insta food",
    "tbt": "throwback thursday", "ootd": "outfit of the day", "nofilter": "no filter",
    "selfie": "selfie", "fitfam": "fitness family", "picoftheday": "picture of the day",
    "photooftheday": "photo of the day", "motd": "makeup of the day", "bts": "behind the scenes",
}


@dataclass
class CleanText:
    text: str  # the cleaned caption, hashtags replaced by their words
    words: list[str] = field(default_factory=list)  # lower-cased, stop words removed
    hashtags: list[str] = field(default_factory=list)  # segmented, e.g. "food porn"
    mentions: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _segmenter() -> object:
    import wordsegment

    wordsegment.load()
    return wordsegment


@lru_cache(maxsize=65_536)
def segment_hashtag(tag: str) -> str:
    """Split a hashtag (with or without '#') into words."""
    tag = tag.lstrip("#")
    if tag.lower() in SLANG:
        return SLANG[tag.lower()]
    words: list[str] = []
    for chunk in _DIGITS.split(_CAMEL.sub(" ", tag).replace("_", " ")):
        for part in chunk.split():
            if part.isdigit() or not part.isascii():
                words.append(part.lower())
            else:
                words.extend(_segmenter().segment(part))  # type: ignore[attr-defined]
    return " ".join(words)


def strip_emoji(text: str) -> str:
    """Drop pictographs, symbols, joiners and variation selectors; keep letters of any script."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Sk", "Cs", "Co")
                   and ch not in ("\u200d", "\ufe0f", "\ufe0e"))


def clean_caption(caption: str | None, *, keep_stop_words: bool = False) -> CleanText:
    if not caption:
        return CleanText("")
    mentions = [m.lstrip("@").lower() for m in _MENTION.findall(caption)]
    text = _MENTION.sub(" ", _URL.sub(" ", caption))
    hashtags = [segment_hashtag(tag) for tag in _HASHTAG.findall(text)]
    text = _HASHTAG.sub(lambda m: " " + segment_hashtag(m.group(1)) + " ", text)
    text = " ".join(strip_emoji(text).split())
    words = [w.lower() for w in _WORD.findall(text)]
    if not keep_stop_words:
        words = [w for w in words if w not in ENGLISH_STOP_WORDS and len(w) > 1]
    return CleanText(text, words, hashtags, mentions)
