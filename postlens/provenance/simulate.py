"""Training pictures made by re-encoding varied originals through each platform's pipeline.

Real downloads exist for only some platforms, so the classifier also learns from files that
reproduce the documented pipelines of :mod:`postlens.provenance.platforms` (resize cap,
quality, subsampling, progressive scans, stripped or added metadata, file names), from
camera-like and editor originals (``original``) and from other sites and tools (``unknown``).
Every file is really encoded by libjpeg through Pillow; the container parser then reads it as
it reads any upload.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from PIL import Image, ImageFilter

from postlens.provenance.jpeg_segments import (
    ADOBE,
    DUCKY,
    JUMBF,
    XMP,
    fbmd_segment,
    merge_tables,
    photoshop_segment,
    rewrite_header,
    segment,
    srgb_icc,
)
from postlens.provenance.platforms import PIPELINES, Pipeline
from postlens.provenance.png_writers import OTHER_WRITERS, SCREENSHOT_WRITERS, write_png
from postlens.vision.jpeg_tables import STANDARD_CHROMINANCE, STANDARD_LUMINANCE, ijg_table


@dataclass(frozen=True)
class SimulatedFile:
    label: str
    variant: str
    data: bytes
    filename: str | None


def procedural_image(rng: random.Random, width: int = 640, height: int = 480) -> Image.Image:
    """A picture with smooth regions, edges and noise (no shared data needed)."""
    seed = rng.randrange(2**32)
    generator = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy = generator.uniform(0.002, 0.03, 2).tolist()
        phase = generator.uniform(0, 6)
        channels.append(127 + 80 * np.sin(x * fx + y * fy + phase))
    pixels = np.stack(channels, axis=-1) + generator.normal(0, generator.uniform(2, 20),
                                                            (height, width, 3))
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return img.filter(ImageFilter.GaussianBlur(generator.uniform(0, 1.5)))


def _resize(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    return img if img.size == size else img.resize(size, Image.Resampling.BILINEAR)


def _random_name(rng: random.Random, suffix: str = ".jpg") -> str | None:
    return rng.choice([None, None, f"download{suffix}", f"image ({rng.randint(1, 9)}){suffix}",
                       f"{''.join(rng.choice('abcdefghijklmnop') for _ in range(8))}{suffix}"])


def _platform_name(kind: str, rng: random.Random) -> str:
    when = datetime(2015, 1, 1) + timedelta(seconds=rng.randrange(300_000_000))
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if kind == "meta_cdn":
        return f"{digits(9)}_{digits(15)}_{digits(19)}_n.jpg"
    if kind == "whatsapp":
        return f"IMG-{when:%Y%m%d}-WA{digits(4)}.jpg"
    if kind == "telegram":
        return f"photo_{when:%Y-%m-%d_%H-%M-%S}.jpg"
    if kind == "flickr":
        return f"{digits(11)}_{''.join(rng.choice('0123456789abcdef') for _ in range(10))}_b.jpg"
    if kind == "twitter":
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        return "F" + "".join(rng.choice(alphabet) for _ in range(13)) + "a.jpg"
    raise ValueError(kind)


def _jpeg(img: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    img.convert("RGB").save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _output_size(pipeline: Pipeline, upload: tuple[int, int], rng: random.Random
                 ) -> tuple[int, int]:
    """The size the platform serves for an upload of ``upload`` pixels."""
    w, h = upload
    if pipeline.square:
        side = rng.choice(pipeline.widths)
        return side, side
    if pipeline.widths:
        width = rng.choice(pipeline.widths)
        return (width, max(1, round(h * width / w))) if w > width else (w, h)
    long_side = rng.choice(pipeline.long_sides)
    scale = min(1.0, long_side / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def through_pipeline(pipeline: Pipeline, source: Image.Image, upload: tuple[int, int],
                     rng: random.Random, source_icc: bool = False) -> SimulatedFile:
    """``source``, uploaded at ``upload`` pixels, as the platform serves it for download."""
    img = source
    if pipeline.square:
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side))
    img = _resize(img, _output_size(pipeline, upload if not pipeline.square else img.size, rng))
    name = (_platform_name(pipeline.filename, rng)
            if pipeline.filename and rng.random() < pipeline.filename_share else _random_name(rng))
    if rng.random() < pipeline.png_share:
        writer = pipeline.png_writer or rng.choice(OTHER_WRITERS)
        return SimulatedFile(pipeline.platform, pipeline.variant + " (PNG kept)",
                             write_png(img.convert("RGB"), writer, rng),
                             name and name.rsplit(".", 1)[0] + ".png")
    if rng.random() < pipeline.webp_share:
        buffer = io.BytesIO()
        img.convert("RGB").save(buffer, "WEBP", quality=rng.randint(*pipeline.qualities),
                                method=0)
        return SimulatedFile(pipeline.platform, pipeline.variant + " (WebP)", buffer.getvalue(),
                             name and name.rsplit(".", 1)[0] + ".webp")
    progressive = rng.random() < pipeline.progressive
    options: dict[str, object] = {
        "quality": rng.randint(*pipeline.qualities), "subsampling": pipeline.subsampling,
        "progressive": progressive, "optimize": progressive or rng.random() < pipeline.optimise}
    if pipeline.keep_density and rng.random() < 0.5:  # the upload's JFIF density survives
        options["dpi"] = (72, 72)
    if pipeline.keep_icc and source_icc:
        options["icc_profile"] = srgb_icc()
    data = _jpeg(img, **options)
    if pipeline.fbmd:
        data = rewrite_header(data, append=[fbmd_segment(rng)])
    return SimulatedFile(pipeline.platform, pipeline.variant, data, name)


CAMERAS = (("Canon", "Canon EOS 80D", (6000, 4000), "4:2:2"),
           ("NIKON CORPORATION", "NIKON D750", (6016, 4016), "4:2:2"),
           ("SONY", "ILCE-7M3", (6000, 4000), "4:2:2"),
           ("FUJIFILM", "X-T3", (6240, 4160), "4:2:2"),
           ("Apple", "iPhone 13", (4032, 3024), "4:2:0"),
           ("samsung", "SM-G991B", (4000, 3000), "4:2:0"),
           ("Google", "Pixel 7", (4080, 3072), "4:2:0"),
           ("OLYMPUS IMAGING CORP.", "E-M10", (4608, 3456), "4:2:2"))
EDITORS = ("Adobe Photoshop 25.0 (Windows)", "Adobe Lightroom 7.0 (Macintosh)", "GIMP 2.10.34",
           "Snapseed 2.0", "Capture One 23 Macintosh")


def camera_tables(rng: random.Random) -> list[list[int]]:
    """Quantisation tables in the style of a camera's firmware: fine, and not libjpeg's."""
    scale = rng.uniform(0.06, 0.3)
    jitter = lambda: rng.choice((0, 0, 0, 1, -1))  # noqa: E731
    luma = [max(1, min(255, round(v * scale) + jitter())) for v in STANDARD_LUMINANCE]
    chroma = [max(1, min(255, round(v * scale * rng.uniform(0.8, 1.3)) + jitter()))
              for v in STANDARD_CHROMINANCE]
    return [luma, chroma]


def original_file(source: Image.Image, rng: random.Random) -> SimulatedFile:
    """A camera, phone, editor or screenshot file that never went through a platform."""
    kind = rng.choices(("camera", "editor", "screenshot"), weights=(5, 3, 2))[0]
    if kind == "screenshot":
        size = rng.choice(((1170, 2532), (1080, 2400), (1920, 1080), (2560, 1440), (1284, 2778)))
        data = write_png(_resize(source, size).convert("RGB"), rng.choice(SCREENSHOT_WRITERS),
                         rng)
        name = rng.choice([f"Screenshot_{rng.randint(20200101, 20251231)}.png", "image.png",
                           None])
        return SimulatedFile("original", "screenshot", data, name)
    make, model, size, subsampling = rng.choice(CAMERAS)
    exif = Image.Exif()
    exif[0x0132] = f"20{rng.randint(15, 25)}:0{rng.randint(1, 9)}:1{rng.randint(0, 9)} 10:00:00"
    if kind == "camera":
        exif[0x010F], exif[0x0110] = make, model
        exif[0x0131] = rng.choice(("Ver.1.00", "17.1", "G991BXXU5", "Firmware 1.1.0"))
        if rng.random() < 0.3:  # resized in the camera app or a phone's "reduced size"
            size = (size[0] // 2, size[1] // 2)
        if rng.random() < 0.4:
            size = size[::-1]
    else:
        if rng.random() < 0.6:
            exif[0x010F], exif[0x0110] = make, model
        exif[0x0131] = rng.choice(EDITORS)
        limit = rng.choice((1200, 2048, 3000, 4000))
        scale = min(1.0, limit / max(size))
        size = (round(size[0] * scale), round(size[1] * scale))
    img = _resize(source, size)
    options = {"exif": exif.tobytes(), "subsampling": subsampling if kind == "camera" else
               rng.choice(("4:4:4", "4:2:0")),
               "progressive": kind == "editor" and rng.random() < 0.3}
    if kind == "camera" or rng.random() < 0.5:
        options["qtables"] = camera_tables(rng)
    else:
        options["quality"] = rng.randint(85, 100)
    if rng.random() < (0.5 if make == "Apple" or kind == "editor" else 0.1):
        options["icc_profile"] = srgb_icc()
    data = _jpeg(img, **options)
    extra = []
    if kind == "editor":
        extra += rng.sample([segment(0xE1, XMP), photoshop_segment(), ADOBE],
                            rng.randint(1, 3))
    data = rewrite_header(data, drop_jfif=kind == "camera", append=extra)
    if (kind == "editor" and rng.random() < 0.6) or (kind == "camera" and rng.random() < 0.5):
        data = merge_tables(data)
    name = (f"{rng.choice(('IMG_', 'DSC_', 'DSCF', 'PXL_20230501_', '_MG_'))}"
            f"{rng.randint(1000, 9999)}.JPG" if rng.random() < 0.6 else _random_name(rng))
    return SimulatedFile("original", kind, data, name)


def other_file(source: Image.Image, rng: random.Random) -> SimulatedFile:
    """A picture from a site or tool that is none of the platforms (news sites, blogs, apps,
    editors' "save for web", image hosts that re-encode): anything goes."""
    long_side = rng.choice((rng.randint(150, 1200), rng.randint(1200, 4000)))
    aspect = rng.uniform(0.5, 2.2)
    img = _resize(source, (long_side, max(1, round(long_side / aspect))) if rng.random() < 0.5
                  else (max(1, round(long_side / aspect)), long_side))
    fmt = rng.choices(("JPEG", "PNG", "WEBP", "GIF"), weights=(82, 6, 8, 4))[0]
    if fmt == "PNG":
        return SimulatedFile("unknown", "png", write_png(img.convert("RGB"),
                                                         rng.choice(OTHER_WRITERS), rng),
                             _random_name(rng, ".png"))
    if fmt != "JPEG":
        buffer = io.BytesIO()
        out = img.convert("P") if fmt == "GIF" else img.convert("RGB")
        options: dict[str, object] = ({"quality": rng.randint(50, 95), "method": 0}
                                      if fmt == "WEBP" else {})
        if fmt == "WEBP" and rng.random() < 0.2:
            options["icc_profile"] = srgb_icc()
        out.save(buffer, fmt, **options)
        return SimulatedFile("unknown", fmt.lower(), buffer.getvalue(),
                             _random_name(rng, "." + fmt.lower()))
    progressive = rng.random() < 0.3
    options = {"subsampling": rng.choice(("4:4:4", "4:2:2", "4:2:0", "4:2:0")),
               "progressive": progressive, "optimize": progressive or rng.random() < 0.5}
    if rng.random() < 0.25:
        quality = rng.randint(40, 98)
        options["qtables"] = [
            [max(1, v + rng.choice((0, 1, -1, 2))) for v in ijg_table(STANDARD_LUMINANCE,
                                                                       quality)],
            [max(1, v + rng.choice((0, 1, -1))) for v in ijg_table(STANDARD_CHROMINANCE,
                                                                    quality)]]
    else:
        options["quality"] = rng.randint(40, 100)
    if rng.random() < 0.25:
        options["icc_profile"] = srgb_icc()
    if rng.random() < 0.5:
        options["dpi"] = rng.choice(((72, 72), (96, 96), (300, 300)))
    if rng.random() < 0.1:
        options["comment"] = b"CREATOR: gd-jpeg v1.0 (using IJG JPEG v62), quality = 90"
    data = _jpeg(img, **options)
    extra = []
    if rng.random() < 0.15:
        extra += [DUCKY, ADOBE]
    if rng.random() < 0.1:
        extra.append(segment(0xE1, XMP))
    if rng.random() < 0.08:
        extra.append(photoshop_segment())
    if rng.random() < 0.03:
        extra.append(JUMBF)
    data = rewrite_header(data, drop_jfif=rng.random() < 0.3, append=extra)
    if rng.random() < 0.3:
        data = merge_tables(data)
    return SimulatedFile("unknown", "other site or tool", data, _random_name(rng))


def simulate(sources: Iterable[Image.Image], per_pipeline: int, seed: int = 0
             ) -> Iterator[SimulatedFile]:
    """``per_pipeline`` files for each platform pipeline, and as many originals and other
    files as a platform has, from ``sources`` (cycled) or procedural pictures."""
    rng = random.Random(seed)
    pool = list(sources)
    made = [procedural_image(rng, rng.randint(480, 1000), rng.randint(480, 1000))
            for _ in range(12)]

    def source() -> tuple[Image.Image, tuple[int, int]]:
        """A picture and the size it was uploaded at (often larger than the platform's cap;
        only the served size is ever encoded, so no time goes into huge intermediates)."""
        img = rng.choice(pool) if pool and rng.random() < 0.7 else rng.choice(made)
        if rng.random() < 0.5:  # a different framing of the same picture
            w, h = img.size
            left, top = rng.randint(0, w // 4), rng.randint(0, h // 4)
            img = img.crop((left, top, rng.randint(left + w // 2, w), rng.randint(top + h // 2, h)))
        scale = rng.uniform(1.5, 6.0) if rng.random() < 0.6 else rng.uniform(0.5, 1.0)
        return img, (max(1, round(img.width * scale)), max(1, round(img.height * scale)))

    platforms = sorted({p.platform for p in PIPELINES})
    for pipeline in PIPELINES:
        share = per_pipeline * 2 // len([p for p in PIPELINES if p.platform == pipeline.platform])
        for _ in range(max(share, per_pipeline // 2)):
            img, upload = source()
            yield through_pipeline(pipeline, img, upload, rng, source_icc=rng.random() < 0.4)
    for _ in range(per_pipeline * 2):
        yield original_file(source()[0], rng)
    for _ in range(per_pipeline * 2 * max(1, len(platforms) // 2)):
        yield other_file(source()[0], rng)
