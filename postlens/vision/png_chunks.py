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

from collections.abc import Iterator
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
MAX_CHUNKS = 100_000  # a hostile file cannot keep the reader busy


@dataclass(frozen=True)
class PngLayout:
    ancillary: tuple[str, ...]  # chunk types other than IHDR, PLTE, IDAT, IEND, in file order
    idat_chunk: int  # the first IDAT chunk's length when the data spans several; 0 for one
    zlib_level: int | None  # RFC 1950 FLEVEL (0-3) of the image data's zlib header


def iter_chunks(data: bytes) -> Iterator[tuple[bytes, int, memoryview]]:
    """(type, declared length, body) of each chunk of a PNG file's bytes after the
    signature, up to IEND, the end of the bytes or :data:`MAX_CHUNKS`. A body is a view of
    ``data`` (no copy), shorter than declared in a truncated file."""
    view = memoryview(data)
    pos = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if pos + 8 > len(data):
            return
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = bytes(data[pos + 4:pos + 8])
        yield kind, length, view[pos + 8:pos + 8 + length]
        if kind == b"IEND":
            return
        pos += 12 + length


def png_layout(data: bytes) -> PngLayout | None:
    """The layout of a PNG file's bytes, or None for anything else. A truncated file is read
    as far as it goes."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    ancillary: list[str] = []
    idat_lengths: list[int] = []
    level: int | None = None
    for kind, length, body in iter_chunks(data):
        if kind == b"IDAT":
            if not idat_lengths and len(body) >= 2:
                level = body[1] >> 6
            idat_lengths.append(length)
        elif kind not in CRITICAL:
            ancillary.append(kind.decode("latin-1"))
    return PngLayout(tuple(ancillary[:50]),
                     idat_lengths[0] if len(idat_lengths) > 1 else 0, level)


def flevel(level: int) -> int:
    """The RFC 1950 FLEVEL zlib writes for a compression level (0-9)."""
    return 0 if level <= 1 else 1 if level <= 5 else 2 if level == 6 else 3
