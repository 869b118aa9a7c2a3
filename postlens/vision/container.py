"""What a picture file's container says about where it has been, read from its headers.

Platforms re-encode uploads in recognisable ways (size caps, quantisation tables,
progressive scans, stripped or added metadata), and most of that lives in the container,
not in the pixels. These facts come from the headers Pillow parses when it opens a file,
so collecting them costs no decoding; :func:`postlens.vision.images.load_image` keeps them
beside the decoded pixels for the per-picture tasks that need them (provenance).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from PIL import Image, JpegImagePlugin

from postlens.errors import ImageError
from postlens.vision.jpeg_tables import estimate_quality, header_markers, optimised_huffman
from postlens.vision.png_chunks import png_layout

# EXIF tags worth keeping as provenance evidence (never GPS or owner fields).
EXIF_FIELDS = {0x010F: "make", 0x0110: "model", 0x0131: "software"}
SUBSAMPLING = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}
# APP segment payloads are named by their leading signature.
SIGNATURES = (
    (b"JFIF\0", "JFIF"), (b"JFXX\0", "JFXX"), (b"Exif\0", "Exif"),
    (b"http://ns.adobe.com/xap/1.0/", "XMP"), (b"ICC_PROFILE\0", "ICC"),
    (b"Photoshop 3.0\0", "Photoshop"), (b"Adobe", "Adobe"), (b"JP", "JUMBF"),
    (b"MPF\0", "MPF"), (b"Ducky", "Ducky"),
)


@dataclass(frozen=True)
class Container:
    """Facts about the file itself: format, metadata blocks and, for JPEG, how it was encoded."""

    format: str
    width: int  # as stored, before EXIF orientation
    height: int
    n_bytes: int
    filename: str | None = None
    exif: bool = False
    icc: bool = False
    iptc: bool = False
    xmp: bool = False
    fbmd: bool = False  # Meta's "FBMD" marker inside the IPTC block
    comment: bool = False
    segments: tuple[str, ...] = ()  # JPEG APPn segments in file order, e.g. "APP1:Exif"
    progressive: bool | None = None
    subsampling: str | None = None
    quantization: tuple[tuple[int, ...], ...] = ()  # JPEG tables, in the file's order
    quality: int | None = None  # libjpeg quality whose tables are closest
    standard_tables: bool | None = None  # exactly libjpeg's tables at that quality
    optimised_huffman: bool | None = None  # Huffman tables other than Annex K's
    exif_fields: dict[str, str] = field(default_factory=dict)
    markers: tuple[str, ...] = ()  # JPEG header segments in order, e.g. ("APP0", "DQT", ...)
    jfif_density: tuple[int, int, int] | None = None  # (units, x, y) of the JFIF segment
    png_chunks: tuple[str, ...] = ()  # PNG ancillary chunks in file order, e.g. "pHYs"
    png_idat_chunk: int | None = None  # the PNG writer's IDAT chunk size (0: one chunk)
    png_zlib_level: int | None = None  # FLEVEL of the PNG's zlib stream (0 fastest..3 best)

    def to_dict(self, *, with_tables: bool = False) -> dict[str, Any]:
        body = asdict(self)
        body["segments"] = list(self.segments)
        body["markers"] = list(self.markers)
        body["jfif_density"] = list(self.jfif_density) if self.jfif_density else None
        body["png_chunks"] = list(self.png_chunks)
        if with_tables:
            body["quantization"] = [list(t) for t in self.quantization]
        else:
            del body["quantization"]
        return body


def read_container(img: Image.Image, data: bytes, source: str | None = None) -> Container:
    """The container facts of an opened (not necessarily decoded) Pillow picture and its
    file's bytes."""
    info = img.info
    fmt = img.format or ""
    segments: tuple[str, ...] = ()
    progressive = subsampling = None
    tables: tuple[tuple[int, ...], ...] = ()
    iptc = fbmd = False
    quality = standard = optimised = None
    markers: tuple[str, ...] = ()
    density = None
    if isinstance(img, JpegImagePlugin.JpegImageFile):
        segments = tuple(f"{marker}:{_signature(payload)}" for marker, payload in img.applist)
        photoshop = [p for m, p in img.applist if m == "APP13"]
        iptc = any(b"8BIM\x04\x04" in p for p in photoshop)
        fbmd = any(b"FBMD" in p for p in photoshop)
        progressive = bool(info.get("progressive") or info.get("progression"))
        subsampling = SUBSAMPLING.get(JpegImagePlugin.get_sampling(img))
        tables = tuple(tuple(int(v) for v in img.quantization[key])
                       for key in sorted(img.quantization))
        quality, standard = estimate_quality(tables)
        optimised = optimised_huffman(data)
        markers = header_markers(data)
        jfif = next((p for m, p in img.applist if m == "APP0" and p[:5] == b"JFIF\0"), None)
        if jfif is not None and len(jfif) >= 12:
            density = (jfif[7], int.from_bytes(jfif[8:10], "big"),
                       int.from_bytes(jfif[10:12], "big"))
    png = png_layout(data) if fmt == "PNG" else None
    exif = img.getexif()
    fields = {name: str(exif[tag]).strip("\0 ")[:100] for tag, name in EXIF_FIELDS.items()
              if tag in exif}
    return Container(
        format=fmt, width=img.width, height=img.height, n_bytes=len(data),
        filename=PurePath(source).name[:200] if source else None,
        exif=bool(info.get("exif")) or len(exif) > 0, icc=bool(info.get("icc_profile")),
        iptc=iptc, xmp=bool(info.get("xmp")) or any(s.endswith(":XMP") for s in segments),
        fbmd=fbmd, comment=bool(info.get("comment")), segments=segments,
        progressive=progressive, subsampling=subsampling, quantization=tables,
        quality=quality, standard_tables=standard, optimised_huffman=optimised,
        exif_fields=fields, markers=markers, jfif_density=density,
        png_chunks=png.ancillary if png else (),
        png_idat_chunk=png.idat_chunk if png else None,
        png_zlib_level=png.zlib_level if png else None)


def _signature(payload: bytes) -> str:
    for prefix, name in SIGNATURES:
        if payload.startswith(prefix):
            return name
    return "other"


def container_of(data: bytes, source: str | None = None) -> Container:
    """The container facts of a file's bytes, read from its headers only (no decoding)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                return read_container(img, data, source)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageError(f"cannot read the picture's headers: {exc}", source=source) from exc
