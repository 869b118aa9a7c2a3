"""PNG files laid out the way real writers lay them out, for the simulated training files.

Pillow encodes the pixels (zlib at the writer's level); the chunks are then rearranged into
the writer's layout: its ancillary chunks, and the compressed stream split into IDAT chunks
of the writer's buffer size (:mod:`postlens.vision.png_chunks` reads these back). The
layouts are the defaults of common writers: libpng's 8,192-byte buffer (``PNG_ZBUF_SIZE``,
used by GIMP, ImageMagick and most servers), Pillow's 65,536, macOS ImageIO's 16,384 with an
ICC profile and density, optimisers (OptiPNG, zopflipng) with one chunk at the best level.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

from postlens.provenance.jpeg_segments import srgb_icc
from postlens.vision.png_chunks import PNG_SIGNATURE, flevel, iter_chunks


@dataclass(frozen=True)
class PngWriter:
    name: str
    idat_chunk: int  # IDAT chunk size of the writer's buffer; 0: the whole stream in one
    levels: tuple[int, ...]  # zlib levels it is used with (one is drawn per file)
    chunks: tuple[str, ...] = ()  # ancillary chunks it writes, in order

    @property
    def flevels(self) -> frozenset[int]:
        """The zlib header FLEVELs its files carry."""
        return frozenset(flevel(level) for level in self.levels)


# Twitter's servers as observed on the 2013-2014 PNGs of tweets-with-images (7 of 8): every
# ancillary chunk dropped, libpng's 8,192-byte IDAT chunks, zlib's fastest level.
TWITTER_SERVER = PngWriter("libpng, fastest level, chunks dropped", 8192, (1,))
OTHER_WRITERS = (
    PngWriter("Pillow", 65536, (6, 1, 9)),
    PngWriter("libpng defaults", 8192, (6, 6, 9), ("pHYs",)),
    PngWriter("ImageMagick", 8192, (7,), ("gAMA", "cHRM", "bKGD", "tIME", "tEXt")),
    PngWriter("image server (libpng, chunks dropped)", 8192, (1, 6, 9)),
    PngWriter("macOS ImageIO", 16384, (1,), ("iCCP", "pHYs")),
    PngWriter("Windows GDI+", 65524, (3, 6), ("sRGB", "gAMA", "pHYs")),
    PngWriter("optimiser", 0, (9,)),
)
SCREENSHOT_WRITERS = (
    PngWriter("macOS screenshot", 16384, (1,), ("iCCP", "pHYs", "iTXt")),
    PngWriter("Android screenshot", 8192, (6,)),
    PngWriter("Windows snipping tool", 65524, (3, 6), ("sRGB", "gAMA", "pHYs")),
)


def _body(kind: str) -> bytes:
    if kind == "pHYs":
        return struct.pack(">IIB", 2835, 2835, 1)  # 72 dpi
    if kind == "sRGB":
        return b"\x00"
    if kind == "gAMA":
        return struct.pack(">I", 45455)
    if kind == "cHRM":
        return struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000)
    if kind == "bKGD":
        return struct.pack(">3H", 65535, 65535, 65535)
    if kind == "tIME":
        return struct.pack(">HBBBBB", 2024, 1, 1, 12, 0, 0)
    if kind == "iCCP":
        return b"ICC Profile\x00\x00" + zlib.compress(srgb_icc())
    if kind == "tEXt":
        return b"date:create\x002024-01-01T12:00:00+00:00"
    if kind == "iTXt":
        return b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"
    raise ValueError(f"no body for PNG chunk {kind}")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def write_png(img: Image.Image, writer: PngWriter, rng: random.Random) -> bytes:
    """``img`` as ``writer`` would save it."""
    buffer = io.BytesIO()
    img.save(buffer, "PNG", compress_level=rng.choice(writer.levels))
    parts = [(kind, bytes(body)) for kind, _, body in iter_chunks(buffer.getvalue())]
    stream = b"".join(body for kind, body in parts if kind == b"IDAT")
    out = [PNG_SIGNATURE, *(_chunk(kind, body) for kind, body in parts if kind == b"IHDR")]
    out += [_chunk(name.encode("latin-1"), _body(name)) for name in writer.chunks]
    out += [_chunk(kind, body) for kind, body in parts if kind == b"PLTE"]
    size = writer.idat_chunk or len(stream)
    out += [_chunk(b"IDAT", stream[i:i + size]) for i in range(0, len(stream), size)]
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)
