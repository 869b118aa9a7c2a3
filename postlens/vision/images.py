"""Safe picture decoding: size limits, sniffed formats, EXIF orientation, every mode to RGB.

Everything that reads picture bytes goes through :func:`load_image`, so the limits hold for
uploads, imports and the CLI alike. Decoding never trusts the file name: the format is sniffed
from the content and must be one of :data:`ALLOWED_FORMATS`.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from postlens.errors import ImageError, ImageTooLarge, UnsupportedImageType
from postlens.vision.container import Container, read_container

# Multi-picture JPEGs (MPO) open through the JPEG plugin and report the format "MPO".
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
MIME_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp",
              "BMP": "bmp", "TIFF": "tif"}
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"})


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 30 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_aspect: float = 20.0  # long side / short side
    # Formats without a reduced-size decode (PNG, WebP, GIF, BMP, TIFF) must be decoded
    # whole: fewer pixels keep their decode within the time and memory budget.
    max_full_decode_pixels: int = 36_000_000


# EXIF orientation -> the transpose that shows the picture upright (as ImageOps does).
ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                8: Image.Transpose.ROTATE_90}
# Pictures larger than this are shrunk right after decoding, before any conversion copies.
LARGE_PIXELS = 4_000_000


@dataclass
class LoadedImage:
    """A decoded picture in RGB with the facts about the original file."""

    image: Image.Image
    sha256: str
    format: str
    width: int  # of the original, after EXIF orientation, before any draft reduction
    height: int
    n_bytes: int
    n_frames: int
    container: Container  # the file's headers: metadata blocks, JPEG encoding, file name

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def read_bytes(path: Path, limits: ImageLimits) -> bytes:
    """Read a file, refusing one larger than the limit before reading it whole."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise ImageTooLarge(
                f"file is {size} bytes, the limit is {limits.max_bytes}", source=str(path)
            )
        return path.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read file: {exc.strerror or exc}", source=str(path)) from exc


def load_image(
    data: bytes,
    *,
    limits: ImageLimits = ImageLimits(),
    draft_size: int | None = None,
    source: str | None = None,
) -> LoadedImage:
    """Decode ``data`` into an RGB picture, or raise an :class:`ImageError` saying why not.

    ``draft_size`` lets decoding skip detail that a later resize would throw away: JPEG
    decoding picks the largest 1/2, 1/4 or 1/8 scale that keeps both sides >= draft_size,
    and any other large picture is shrunk (box filter) to keep its short side >= twice that
    before it is converted, so memory stays near the size of one decoded frame.
    """
    if not data:
        raise ImageError("file is empty (0 bytes)", source=source)
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(f"file is {len(data)} bytes, the limit is {limits.max_bytes}",
                            source=source)
    digest = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            fmt = img.format or ""
            width, height = img.size
            if width * height > limits.max_pixels:
                raise ImageTooLarge(
                    f"picture is {width}x{height} pixels, the limit is {limits.max_pixels} "
                    "pixels (possible decompression bomb)", source=source)
            full_decode = fmt not in ("JPEG", "MPO")
            if full_decode and width * height > limits.max_full_decode_pixels:
                raise ImageTooLarge(
                    f"picture is {width}x{height} pixels; a {fmt} picture may have at most "
                    f"{limits.max_full_decode_pixels} pixels", source=source)
            if max(width, height) > limits.max_aspect * max(1, min(width, height)):
                raise ImageTooLarge(
                    f"picture is {width}x{height} pixels: sides more than "
                    f"{limits.max_aspect:g}:1 apart are refused", source=source)
            container = read_container(img, data, source)
            n_frames = getattr(img, "n_frames", 1)
            if n_frames > 1:
                img.seek(0)
            if draft_size and fmt in ("JPEG", "MPO"):
                img.draft("RGB", (draft_size, draft_size))
            img.load()
            orientation = img.getexif().get(0x0112, 1)
            large = img.width * img.height > LARGE_PIXELS
            if draft_size and large:
                img = _shrink(img, 2 * draft_size)
            if orientation in ORIENTATIONS:
                img = img.transpose(ORIENTATIONS[orientation])
    except UnidentifiedImageError as exc:
        raise UnsupportedImageType(
            "not a supported picture: the content is none of " + ", ".join(ALLOWED_FORMATS),
            source=source) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"decompression bomb refused: {exc}", source=source) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"corrupt or truncated picture: {exc}", source=source) from exc
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    loaded = LoadedImage(to_rgb(img), digest, fmt, width, height, len(data), n_frames,
                         container)
    if large:
        release_memory()
    return loaded


def _shrink(img: Image.Image, keep: int) -> Image.Image:
    """Reduce by a whole factor that keeps the short side >= ``keep`` (a box filter, fast)."""
    factor = min(img.size) // keep
    if factor < 2:
        return img
    if img.mode == "P" or img.mode not in ("1", "L", "LA", "La", "RGB", "RGBA", "RGBa",
                                            "I", "F", "CMYK", "I;16"):
        img = to_rgb(img)
    reduced = img.reduce(factor)
    img.close()
    return reduced


def release_memory() -> None:
    """Give freed heap memory back to the system (glibc keeps it otherwise: Pillow's image
    blocks are below the mmap threshold, so one large picture would stay in RSS for good)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB; transparency is flattened onto white."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float32)
        top = float(arr.max()) if arr.size else 0.0
        scale = 255.0 / top if top > 255 else 1.0
        img = Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), mode="L")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def resize_center_crop(img: Image.Image, size: int, crop_fraction: float = 0.875) -> Image.Image:
    """The central square covering ``crop_fraction`` of the short side, resized to size x size
    (the classic "resize the short side to size/crop_fraction, crop the centre"). Only that
    square is resampled, so a long picture costs no more than a square one."""
    width, height = img.size
    side = min(width, height) * crop_fraction
    left, top = (width - side) / 2, (height - side) / 2
    return img.resize((size, size), Image.Resampling.BILINEAR,
                      box=(left, top, left + side, top + side), reducing_gap=3.0)
