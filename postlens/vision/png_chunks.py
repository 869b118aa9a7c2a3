"""What a PNG file's chunk layout says about the program that wrote it.

PNG is lossless, so a platform that re-encodes a PNG leaves no trace in its pixels, but every
writer lays the file out its own way: which ancillary chunks it keeps or adds (``pHYs``,
``sRGB``, ``iCCP``, ``tEXt``...), how it splits the compressed image over ``IDAT`` chunks
(libpng's default buffer gives 8,192-byte chunks, Pillow's 65,536, macOS ImageIO's 16,384,
optimisers one chunk) and the zlib compression level recorded in the stream's header
(RFC 1950 ``FLEVEL``: 0 fastest, 1 fast, 2 default, 3 best). The JPEG side of the same idea
(an encoder's segment layout as its signature) is Kee, Johnson and Farid, 2011.
Everything is read from the chunk headers; nothing is decompressed.
"""

from __future__ import annotations

from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
MAX_CHUNKS = 100_000  # a hostile file cannot keep the reader busy


@dataclass(frozen=True)
class PngLayout:
    ancillary: tuple[str, ...]  # chunk types other than IHDR, PLTE, IDAT, IEND, in file order
    idat_chunk: int  # the first IDAT chunk's length when the data spans several; 0 for one
    zlib_level: int | None  # RFC 1950 FLEVEL (0-3) of the image data's zlib header


def png_layout(data: bytes) -> PngLayout | None:
    """The layout of a PNG file's bytes, or None for anything else. A truncated file is read
    as far as it goes."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    ancillary: list[str] = []
    idat_lengths: list[int] = []
    level: int | None = None
    pos = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if pos + 8 > len(data):
            break
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            if not idat_lengths and pos + 10 <= len(data):
                level = data[pos + 9] >> 6
            idat_lengths.append(length)
        elif kind == b"IEND":
            break
        elif kind not in CRITICAL:
            ancillary.append(kind.decode("latin-1"))
        pos += 12 + length
    return PngLayout(tuple(ancillary[:50]),
                     idat_lengths[0] if len(idat_lengths) > 1 else 0, level)
