"""Decisive cues, contradictions and the evidence shown beside a platform answer.

A decisive cue is a fact that only some classes produce (Meta's ``FBMD`` IPTC block, a
WhatsApp file name, camera EXIF with firmware tables...). The model weighs every feature;
these rules add two things it cannot: *evidence* a person can check, and *contradictions*:
when two decisive cues point to disjoint classes (an ``FBMD`` block in a file named like a
WhatsApp download), the file was edited or passed through several platforms, and the answer
moves towards ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from postlens.provenance.features import filename_pattern
from postlens.provenance.platforms import LABELS, PIPELINES, PLATFORMS, pipelines_of
from postlens.provenance.png_writers import PngWriter
from postlens.vision.container import Container

META = frozenset({"facebook", "instagram"})


@dataclass(frozen=True)
class Cue:
    text: str
    classes: frozenset[str]  # the classes that produce this fact


def _camera(c: Container) -> bool:
    return bool(c.exif_fields.get("make") and c.exif_fields.get("model"))


NAME_CUES = {
    "meta_cdn": Cue("file name like Meta's CDN (NNN_NNN_NNN_n.jpg)", META),
    "whatsapp": Cue("file name like WhatsApp's (IMG-YYYYMMDD-WA####.jpg)",
                    frozenset({"whatsapp"})),
    "telegram": Cue("file name like Telegram Desktop's (photo_YYYY-MM-DD_HH-MM-SS.jpg)",
                    frozenset({"telegram"})),
    "flickr": Cue("file name like Flickr's (<id>_<secret>_<size>.jpg)", frozenset({"flickr"})),
    "camera": Cue("file name like a camera's or phone's (IMG_1234, DSC_1234, PXL_...)",
                  frozenset({"original", "unknown"})),
}


def decisive_cues(c: Container) -> list[Cue]:
    cues: list[Cue] = []
    if c.fbmd:
        cues.append(Cue("APP13 IPTC block with Meta's FBMD marker", META))
    if _camera(c) and c.standard_tables is False:
        model = f"{c.exif_fields['make']} {c.exif_fields['model']}"
        cues.append(Cue(f"camera EXIF ({model}) with the camera's own quantisation tables",
                        frozenset({"original"})))
    pattern = filename_pattern(c.filename)
    if pattern in NAME_CUES:
        cues.append(NAME_CUES[pattern])
    return cues


def conflict(cues: list[Cue]) -> float:
    """0 when the decisive cues agree; up to 1 the more of them point to disjoint classes:
    one minus the largest share of cues any single class explains."""
    if len(cues) < 2:
        return 0.0
    classes = set().union(*(cue.classes for cue in cues))
    explained = max(sum(cls in cue.classes for cue in cues) for cls in classes)
    return 1.0 - explained / len(cues)


Fact = Callable[[Container], str | None]


def _size_fact(platform: str) -> Fact:
    def fact(c: Container) -> str | None:
        long_side = max(c.width, c.height)
        for pipeline in pipelines_of(platform):
            if pipeline.widths and c.width in pipeline.widths:
                return f"{c.width} px wide ({pipeline.variant})"
            if long_side in pipeline.long_sides:
                return f"long side {long_side} px ({pipeline.variant})"
        return None
    return fact


def _quality_fact(platform: str) -> Fact:
    def fact(c: Container) -> str | None:
        if c.quality is None:
            return None
        for pipeline in pipelines_of(platform):
            low, high = pipeline.qualities
            if low <= c.quality <= high:
                tables = "libjpeg's tables" if c.standard_tables else "tables close to libjpeg's"
                return f"{tables} at quality {c.quality} ({pipeline.variant}: {low}-{high})"
        return None
    return fact


def png_writer_of(c: Container) -> tuple[str, PngWriter] | None:
    """The platform whose servers lay a PNG out exactly as this file is laid out (ancillary
    chunks, IDAT chunk size, zlib level) and that writer, if any."""
    if c.format != "PNG" or not c.png_idat_chunk:  # one IDAT chunk: the buffer is unknown
        return None
    for pipeline in PIPELINES:
        writer = pipeline.png_writer
        if (writer and c.png_chunks == writer.chunks and c.png_idat_chunk == writer.idat_chunk
                and c.png_zlib_level in writer.flevels):
            return pipeline.platform, writer
    return None


def silent(c: Container) -> bool:
    """A file that says nothing about where it has been: not a JPEG (no quantisation or
    Huffman tables to read), no metadata block, no file name pattern and, for a PNG, not laid
    out the way a platform's servers write PNGs."""
    return (c.format != "JPEG" and not (c.exif or c.icc or c.xmp or c.iptc or c.comment)
            and filename_pattern(c.filename) is None and png_writer_of(c) is None)


def _png_fact(platform: str) -> Fact:
    def fact(c: Container) -> str | None:
        found = png_writer_of(c)
        if found is None or found[0] != platform:
            return None
        return (f"PNG laid out as {LABELS[platform]}'s servers write it ({found[1].name}, "
                f"{c.png_idat_chunk:,}-byte IDAT chunks)")
    return fact


def _general_facts(c: Container) -> list[str]:
    facts = []
    if c.format == "JPEG":
        facts.append("progressive JPEG" if c.progressive else "baseline JPEG")
        if c.subsampling:
            facts.append(f"{c.subsampling} chroma subsampling")
        facts.append("EXIF present" if c.exif else "no EXIF (stripped)")
        if c.icc:
            facts.append("ICC colour profile kept")
        if c.optimised_huffman is False:
            facts.append("default (not optimised) Huffman tables")
    else:
        facts.append(f"{c.format} file" + ("" if c.exif or c.icc or c.xmp else
                                           " without metadata"))
    return facts


def evidence(c: Container, name: str, cues: list[Cue]) -> list[str]:
    """What in the file supports ``name`` (and what contradicts it), most telling first."""
    if name == "unknown":  # no class named: every cue is simply a fact of the file
        return [cue.text for cue in cues] + _general_facts(c)
    lines = [cue.text for cue in cues if name in cue.classes]
    if name in PLATFORMS:
        for fact in (_png_fact(name), _size_fact(name), _quality_fact(name)):
            line = fact(c)
            if line:
                lines.append(line)
    lines += _general_facts(c)
    if name == "original" and c.exif_fields.get("software"):
        lines.append(f"EXIF software: {c.exif_fields['software']}")
    lines += [f"but: {cue.text}" for cue in cues if name not in cue.classes]
    return lines
