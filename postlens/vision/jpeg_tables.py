"""What a JPEG's tables say about the encoder that wrote it.

* Quality: libjpeg (IJG) scales the standard tables of ITU-T T.81 Annex K by a factor set
  from the quality 1-100; the quality whose scaled luminance (and chrominance) tables are
  closest to the file's is its estimate, and *exactly* equal tables mean a libjpeg-family
  encoder (most platforms' pipelines) rather than a camera's own tables.
* Huffman tables: the Annex K tables are the default; encoders that optimise them (libjpeg
  with ``optimize``, every progressive JPEG, most platforms' re-encoders) write others.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from itertools import islice

import numpy as np

# Annex K.1, in natural (row-major) order, as Pillow reports quantisation tables.
STANDARD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99)
STANDARD_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    *([99] * 32))
# Annex K.3: the code-length counts (BITS) of the four default Huffman tables.
STANDARD_HUFFMAN_BITS = frozenset({
    (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
    (0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D),
    (0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77)})


def ijg_table(base: Sequence[int], quality: int) -> tuple[int, ...]:
    """libjpeg's jpeg_quality_scaling + jpeg_add_quant_table (baseline: values 1..255)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(max((value * scale + 50) // 100, 1), 255) for value in base)


@cache
def _ijg_tables(base: tuple[int, ...]) -> np.ndarray:
    """(100, 64): libjpeg's table for every quality 1..100."""
    return np.array([ijg_table(base, quality) for quality in range(1, 101)], dtype=np.int64)


def estimate_quality(tables: Sequence[Sequence[int]]) -> tuple[int | None, bool]:
    """(estimated libjpeg quality, whether the tables are exactly libjpeg's at it): the
    quality with the smallest summed absolute difference (the lowest one on ties)."""
    if not tables or len(tables[0]) != 64:
        return None, False
    error = np.abs(_ijg_tables(STANDARD_LUMINANCE) - np.asarray(tables[0])).sum(axis=1)
    if len(tables) > 1 and len(tables[1]) == 64:
        error += np.abs(_ijg_tables(STANDARD_CHROMINANCE) - np.asarray(tables[1])).sum(axis=1)
    best = int(np.argmin(error))
    return best + 1, bool(error[best] == 0)


def header_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each marker segment after SOI, up to the first scan; ``start``
    is the segment's 0xFF byte and ``end`` the first byte after it."""
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker in (0xDA, 0xD9):  # start of scan / end of image
            return
        end = position + 2 + int.from_bytes(data[position + 2:position + 4], "big")
        yield marker, position, end
        position = end


def huffman_bits(data: bytes) -> list[tuple[int, ...]]:
    """The BITS (16 code-length counts) of every Huffman table before the first scan."""
    found: list[tuple[int, ...]] = []
    for marker, start, end in header_segments(data):
        if marker == 0xC4:  # DHT: one or more tables of class/id + 16 counts + values
            segment = data[start + 4:end]
            offset = 0
            while offset + 17 <= len(segment):
                bits = tuple(segment[offset + 1:offset + 17])
                found.append(bits)
                offset += 17 + sum(bits)
    return found


def optimised_huffman(data: bytes) -> bool | None:
    """Whether the Huffman tables differ from Annex K's (None: no tables found)."""
    bits = huffman_bits(data)
    if not bits:
        return None
    return any(table not in STANDARD_HUFFMAN_BITS for table in bits)


MARKER_NAMES = {0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI", 0xFE: "COM", 0xC0: "SOF0", 0xC1: "SOF1",
                0xC2: "SOF2", 0xC3: "SOF3"}


def header_markers(data: bytes, limit: int = 64) -> tuple[str, ...]:
    """The marker segments before the first scan, in order ("APP0", "DQT", "SOF2"...): how an
    encoder lays out its header is its signature (Kee, Johnson and Farid, 2011)."""
    return tuple(f"APP{marker - 0xE0}" if 0xE0 <= marker <= 0xEF
                 else MARKER_NAMES.get(marker, f"0x{marker:02X}")
                 for marker, _, _ in islice(header_segments(data), limit))
