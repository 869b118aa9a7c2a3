"""Each platform's documented download pipeline: what it does to a picture.

These specifications serve twice: :mod:`postlens.provenance.simulate` re-encodes varied
pictures through them to make training data for classes without real examples, and
:mod:`postlens.provenance.cues` names the facts of a file that match its platform's pipeline
as evidence. Sources are cited in ``docs/provenance.md``; entries marked "observed" come from
the real files in the shared data (2013 tweets, current Instagram downloads).
"""

from __future__ import annotations

from dataclasses import dataclass

from postlens.provenance.png_writers import TWITTER_SERVER, PngWriter

CLASSES = ("facebook", "instagram", "twitter", "whatsapp", "telegram", "linkedin", "flickr",
           "original", "unknown")
PLATFORMS = CLASSES[:7]
LABELS = {
    "facebook": "Facebook", "instagram": "Instagram", "twitter": "Twitter / X",
    "whatsapp": "WhatsApp", "telegram": "Telegram", "linkedin": "LinkedIn", "flickr": "Flickr",
    "original": "an original camera or editor file", "unknown": "unknown",
}


@dataclass(frozen=True)
class Pipeline:
    """One platform's re-encoding of uploads (one era or rendition of it)."""

    platform: str
    variant: str
    long_sides: tuple[int, ...] = ()  # resize the long side to one of these (if larger)
    widths: tuple[int, ...] = ()  # or the width to one of these (Instagram)
    square: bool = False  # crop to a square first (Instagram before 2015)
    qualities: tuple[int, int] = (85, 85)  # libjpeg quality range (inclusive)
    progressive: float = 1.0  # share of files written progressive
    subsampling: str = "4:2:0"
    optimise: float = 1.0  # share with optimised Huffman tables (progressive implies it)
    keep_icc: bool = False
    keep_density: bool = False  # the JFIF density of the upload is copied over
    fbmd: bool = False  # Meta's IPTC block with an "FBMD" identifier
    png_share: float = 0.0  # small PNGs kept as PNG
    png_writer: PngWriter | None = None  # how the platform's servers write those PNGs
    webp_share: float = 0.0  # served as WebP to browsers that take it ("save image as")
    filename: str | None = None  # FILENAME_PATTERNS key the platform's downloads carry
    filename_share: float = 0.0


PIPELINES: tuple[Pipeline, ...] = (
    # Facebook: 2048 px "high quality", 960/720 px older renditions; progressive libjpeg,
    # EXIF stripped, IPTC FBMD block; fbcdn file names (Moltisanti et al. 2015; Giudice 2017).
    Pipeline("facebook", "2048 px", long_sides=(2048,), qualities=(71, 92), fbmd=True,
             keep_icc=True, filename="meta_cdn", filename_share=0.5, webp_share=0.1),
    Pipeline("facebook", "960/720 px", long_sides=(960, 720), qualities=(71, 85), fbmd=True,
             filename="meta_cdn", filename_share=0.5),
    # Instagram since 2015: 1080 px wide (1440 px for newer uploads), progressive 4:2:0, about
    # quality 80, FBMD block, EXIF and ICC stripped (observed on the 200 shared files).
    Pipeline("instagram", "1080/1440 px wide", widths=(1080, 1080, 1080, 1440, 640, 750),
             qualities=(70, 92), fbmd=True, filename="meta_cdn", filename_share=0.4,
             webp_share=0.1),
    # Instagram 2012-2015: square 612/640 px (306/150 px renditions), baseline quality 90
    # with the standard Huffman tables (observed on the 2013 pictures of tweets-with-images).
    Pipeline("instagram", "square 612/640 px (2012-2015)", widths=(612, 640, 306, 150),
             square=True, qualities=(90, 90), progressive=0.0, optimise=0.0),
    # Twitter / X today: long side at most 4096 (renditions 2048/1200/680), quality 85
    # progressive, ICC kept, EXIF stripped; small PNGs kept (Twitter's media upload guide),
    # written as in 2013-2014 (assumed: no newer PNGs in the shared data).
    Pipeline("twitter", "4096 px", long_sides=(4096, 2048, 1200, 680), qualities=(85, 85),
             keep_icc=True, png_share=0.3, png_writer=TWITTER_SERVER, filename="twitter",
             filename_share=0.5, webp_share=0.1),
    # Twitter 2011-2014 (pbs.twimg.com): 600 px wide ":medium", 1024 px ":large", baseline
    # quality 75; PNGs with every ancillary chunk dropped, libpng's 8,192-byte IDAT chunks at
    # zlib's fastest level (observed on the 2013-2014 pictures of tweets-with-images).
    Pipeline("twitter", "600/1024 px (2011-2014)", widths=(600, 600, 1024), qualities=(75, 75),
             progressive=0.0, optimise=0.8, png_share=0.05, png_writer=TWITTER_SERVER,
             keep_density=True),
    # WhatsApp: long side 1600 px (1280 px before 2017), baseline, quality about 60-80, no
    # metadata; IMG-YYYYMMDD-WA####.jpg names.
    Pipeline("whatsapp", "1600/1280 px", long_sides=(1600, 1280), qualities=(60, 80),
             progressive=0.0, optimise=0.5, filename="whatsapp", filename_share=0.6),
    # Telegram: long side 2560 px (1280 px before 2021), quality 87 progressive;
    # photo_YYYY-MM-DD_HH-MM-SS.jpg names from Telegram Desktop.
    Pipeline("telegram", "2560/1280 px", long_sides=(2560, 1280), qualities=(87, 87),
             filename="telegram", filename_share=0.5),
    # LinkedIn: long side 1920 px, quality 80-90 progressive, APP0 only.
    Pipeline("linkedin", "1920 px", long_sides=(1920,), qualities=(80, 90)),
    # Flickr's resized renditions (b/c/z/h/k sizes): baseline, ICC kept, EXIF stripped;
    # <id>_<secret>_<size>.jpg names.
    Pipeline("flickr", "renditions", long_sides=(500, 640, 800, 1024, 1600, 2048),
             qualities=(80, 92), progressive=0.0, keep_icc=True, filename="flickr",
             filename_share=0.7),
)


def pipelines_of(platform: str) -> list[Pipeline]:
    return [p for p in PIPELINES if p.platform == platform]
