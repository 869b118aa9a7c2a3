"""The classifier's inputs: numbers read from a picture's container facts.

Everything here comes from the headers (no pixel decoding): format, dimensions and whether a
side equals a known platform cap, the JPEG encoding (quantisation tables, estimated quality,
libjpeg-standard or not, progressive, chroma subsampling, Huffman optimisation), a PNG
writer's chunk layout, which metadata blocks are present and the file name's pattern.
Missing values are ``-1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from postlens.vision.container import Container
from postlens.vision.jpeg_tables import STANDARD_CHROMINANCE, STANDARD_LUMINANCE, ijg_table

# Long or short sides that platforms resize to (see ``platforms.PIPELINES``).
SIDE_CAPS = {
    "width_1080": lambda c: c.width == 1080,
    "width_1440": lambda c: c.width == 1440,
    "width_600": lambda c: c.width == 600,
    "long_2048": lambda c: max(c.width, c.height) == 2048,
    "long_960_720": lambda c: max(c.width, c.height) in (960, 720),
    "long_4096": lambda c: max(c.width, c.height) == 4096,
    "long_1600_1280": lambda c: max(c.width, c.height) in (1600, 1280),
    "long_2560": lambda c: max(c.width, c.height) == 2560,
    "long_1920": lambda c: max(c.width, c.height) == 1920,
    "long_1024": lambda c: max(c.width, c.height) == 1024,
    "square_legacy": lambda c: c.width == c.height and c.width in (150, 306, 612, 640),
}

# File names that platforms (and cameras) give the files people download or save.
FILENAME_PATTERNS = {
    "meta_cdn": re.compile(r"^\d+_\d+_\d+_[nobs]\.(jpe?g|png|webp)$", re.I),
    "whatsapp": re.compile(r"^(IMG|VID)-\d{8}-WA\d{4}(\s?\(\d+\))?\.(jpe?g|png|webp)$", re.I),
    "telegram": re.compile(r"^photo_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(\s?\(\d+\))?\.jpe?g$",
                           re.I),
    "flickr": re.compile(r"^\d{8,12}_[0-9a-f]{10}(_[a-z0-9]{1,2})?\.(jpe?g|png|gif)$"),
    "twitter": re.compile(r"^(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])[A-Za-z0-9_-]{15}"
                          r"(\.(jpe?g|png|webp))?([_.-](large|orig|medium|small))?$"),
    "camera": re.compile(r"^(IMG_\d{4}|IMG_\d{8}_\d{6}|DSC[NF_]?\d{4,5}|_?DSC\d{4}|_MG_\d{4}"
                         r"|PXL_\d{8}_\d+|\d{8}_\d{6}|P\d{7}|GOPR\d{4}|DJI_\d{4})", re.I),
    "screenshot": re.compile(r"^(screenshot|screen shot|capture d)", re.I),
}

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
SEGMENT_KINDS = ("JFIF", "Exif", "ICC", "XMP", "Photoshop", "Adobe", "Ducky", "JUMBF", "MPF")


def filename_pattern(name: str | None) -> str | None:
    """The first platform or camera pattern the file name matches, if any."""
    if not name:
        return None
    for pattern, regex in FILENAME_PATTERNS.items():
        if regex.match(name):
            return pattern
    return None


def _table_features(tables: Sequence[Sequence[int]], quality: int | None) -> list[float]:
    """How far the tables are from libjpeg's at the estimated quality, and their scale."""
    if not tables or quality is None or len(tables[0]) != 64:
        return [-1.0] * 6
    luma = np.asarray(tables[0], dtype=np.float64)
    ijg = np.asarray(ijg_table(STANDARD_LUMINANCE, quality), dtype=np.float64)
    error = float(np.mean(np.abs(luma - ijg) / ijg))
    ratio = luma / np.asarray(STANDARD_LUMINANCE, dtype=np.float64)
    chroma_mean = -1.0
    if len(tables) > 1 and len(tables[1]) == 64:
        chroma = np.asarray(tables[1], dtype=np.float64)
        chroma_mean = float(np.mean(chroma / np.asarray(STANDARD_CHROMINANCE, dtype=np.float64)))
    rows_repeat = float(bool(np.array_equal(luma[:8], luma[8:16])))
    return [error, float(ratio.std() / max(ratio.mean(), 1e-9)), float(luma[0]),
            float(luma.mean()), chroma_mean, rows_repeat]


def _bool(value: bool | None) -> float:
    return -1.0 if value is None else float(value)


Feature = Callable[[Container], float]

FEATURE_NAMES: list[str] = (
    [f"format_{f.lower()}" for f in FORMATS]
    + ["width", "height", "long_side", "short_side", "aspect", "megapixels", "bits_per_pixel"]
    + list(SIDE_CAPS)
    + ["progressive", "subsampling_444", "subsampling_422", "subsampling_420", "quality",
       "standard_tables", "optimised_huffman", "n_tables", "table_error", "table_spread",
       "luma_dc", "luma_mean", "chroma_scale", "rows_repeat"]
    + ["exif", "icc", "iptc", "fbmd", "xmp", "comment", "n_segments", "jfif_first"]
    + [f"segment_{kind.lower()}" for kind in SEGMENT_KINDS]
    + ["exif_make", "exif_model", "exif_software"]
    + ["dqt_segments", "dht_segments", "app0_segments", "restart_interval", "jfif_units",
       "jfif_density"]
    + ["png_ancillary", "png_idat_chunk", "png_zlib_level"]
    + [f"name_{pattern}" for pattern in FILENAME_PATTERNS] + ["has_filename"]
)


def features(container: Container) -> np.ndarray:
    """The feature vector (float32, :data:`FEATURE_NAMES` order) of one picture."""
    c = container
    long_side, short_side = max(c.width, c.height), min(c.width, c.height)
    pixels = max(c.width * c.height, 1)
    kinds = {segment.split(":", 1)[-1] for segment in c.segments}
    pattern = filename_pattern(c.filename)
    values: list[float] = [float(c.format == f) for f in FORMATS]
    values += [c.width, c.height, long_side, short_side, long_side / max(short_side, 1),
               pixels / 1e6, 8.0 * c.n_bytes / pixels]
    values += [float(test(c)) for test in SIDE_CAPS.values()]
    values += [_bool(c.progressive)] + [
        -1.0 if c.subsampling is None else float(c.subsampling == s)
        for s in ("4:4:4", "4:2:2", "4:2:0")]
    values += [-1.0 if c.quality is None else float(c.quality), _bool(c.standard_tables),
               _bool(c.optimised_huffman), float(len(c.quantization))]
    values += _table_features(c.quantization, c.quality)
    values += [float(c.exif), float(c.icc), float(c.iptc), float(c.fbmd), float(c.xmp),
               float(c.comment), float(len(c.segments)),
               float(bool(c.segments) and c.segments[0] == "APP0:JFIF")]
    values += [float(kind in kinds) for kind in SEGMENT_KINDS]
    values += [float(bool(c.exif_fields.get(name))) for name in ("make", "model", "software")]
    markers = c.markers
    density = c.jfif_density
    values += [float(markers.count("DQT")), float(markers.count("DHT")),
               float(markers.count("APP0")), float("DRI" in markers),
               -1.0 if density is None else float(density[0]),
               -1.0 if density is None else float(min(density[1], 10000))]
    png = c.format == "PNG"
    values += [float(len(c.png_chunks)) if png else -1.0,
               -1.0 if c.png_idat_chunk is None else float(min(c.png_idat_chunk, 1 << 20)),
               -1.0 if c.png_zlib_level is None else float(c.png_zlib_level)]
    values += [float(pattern == p) for p in FILENAME_PATTERNS] + [float(bool(c.filename))]
    return np.asarray(values, dtype=np.float32)


def feature_matrix(containers: Sequence[Container]) -> np.ndarray:
    if not containers:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.stack([features(c) for c in containers])
