"""Writing JPEG header segments byte for byte: what platforms and editors add to a file
(Meta's IPTC ``FBMD`` block, Photoshop, XMP, Adobe, Ducky, C2PA/JUMBF), and the table layout
Adobe's encoders use. The simulated pipelines use these; nothing here decodes pixels."""

from __future__ import annotations

import random
from collections.abc import Iterable

from PIL import ImageCms

from postlens.vision.jpeg_tables import header_segments


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _split_header(data: bytes) -> tuple[list[bytes], bytes]:
    """The APPn/COM segments right after SOI, and the rest of the file."""
    segments, position = [], 2
    for marker, start, end in header_segments(data):
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            break
        segments.append(data[start:end])
        position = end
    return segments, data[position:]


def rewrite_header(data: bytes, *, drop_jfif: bool = False, append: Iterable[bytes] = ()
                   ) -> bytes:
    """A JPEG with its JFIF segment dropped and/or extra segments after the existing ones."""
    segments, rest = _split_header(data)
    if drop_jfif:
        segments = [s for s in segments if not (s[1] == 0xE0 and s[4:9] == b"JFIF\0")]
    return data[:2] + b"".join(segments) + b"".join(append) + rest


def merge_tables(data: bytes) -> bytes:
    """The same JPEG with all its DQT tables in one segment and all DHT tables in another,
    as Adobe's encoders (and several others) lay them out, where libjpeg writes one segment
    per table."""
    position, tables = 2, {0xDB: b"", 0xC4: b""}
    head: list[int | bytes] = []
    for marker, start, end in header_segments(data):
        if marker in tables:
            if not tables[marker]:
                head.append(marker)  # where the merged segment goes
            tables[marker] += data[start + 4:end]
        else:
            head.append(data[start:end])
        position = end
    parts = [segment(item, tables[item]) if isinstance(item, int) else item for item in head]
    return data[:2] + b"".join(parts) + data[position:]


def fbmd_segment(rng: random.Random) -> bytes:
    """Meta's APP13 Photoshop/IPTC block whose special-instructions field starts "FBMD"."""
    text = b"FBMD" + "".join(rng.choice("0123456789abcdef") for _ in range(86)).encode()
    iptc = b"\x1c\x02\x28" + len(text).to_bytes(2, "big") + text
    resource = b"8BIM\x04\x04\x00\x00" + len(iptc).to_bytes(4, "big") + iptc
    return segment(0xED, b"Photoshop 3.0\0" + resource)


def photoshop_segment() -> bytes:
    iptc = b"\x1c\x02\x00\x00\x02\x00\x04" + b"\x1c\x02\x50\x00\x06Editor"
    resource = b"8BIM\x04\x04\x00\x00" + len(iptc).to_bytes(4, "big") + iptc
    return segment(0xED, b"Photoshop 3.0\0" + resource)


XMP = (b"http://ns.adobe.com/xap/1.0/\0<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
       b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-"
       b"rdf-syntax-ns#'/></x:xmpmeta><?xpacket end='w'?>")
DUCKY = segment(0xEC, b"Ducky\0\x01\0\x04\0\0\0\x50\0\0")
ADOBE = segment(0xEE, b"Adobe\0\x64\x80\0\0\0\x01")
JUMBF = segment(0xEB, b"JP\0\x01\0\0\0\x01\0\0\0\x18jumbc2pa")
_ICC: bytes | None = None


def srgb_icc() -> bytes:
    global _ICC
    if _ICC is None:
        _ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _ICC
