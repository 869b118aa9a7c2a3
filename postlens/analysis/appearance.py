"""``appearance``: how a picture looks at a glance: brightness, contrast, colourfulness,
saturation and sharpness, each on a fixed scale so pictures can be compared.

These are the classic aesthetic cues of popularity studies (Khosla et al., WWW 2014): cheap,
computed on a 256 px copy, and features of the likes model. Colourfulness is Hasler and
Süsstrunk's (2003) opponent-colour measure; sharpness is the log variance of the Laplacian
(blurred pictures have little high-frequency energy).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from postlens.analysis.task import PictureContext, PictureTask

SIDE = 256
APPEARANCE_KEYS = ("brightness", "contrast", "colourfulness", "saturation", "sharpness")


def appearance(image: Image.Image) -> dict[str, float]:
    """The appearance measures of an RGB picture, each rounded to 4 decimals."""
    factor = max(1, max(image.size) // SIDE)
    rgb_image = image if image.mode == "RGB" else image.convert("RGB")
    small = rgb_image.reduce(factor)  # a fast box filter first, then the last step
    small.thumbnail((SIDE, SIDE), Image.Resampling.BILINEAR)
    pixels = np.asarray(small)
    rgb = pixels.astype(np.float32) / 255.0
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    rg, yb = red - green, 0.5 * (red + green) - blue
    colourfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    # channel by channel: numpy's max over a short last axis is several times slower
    high = np.maximum(np.maximum(red, green), blue)
    low = np.minimum(np.minimum(red, green), blue)
    saturation = float(np.mean((high - low) / np.maximum(high, 1 / 255)))
    sharpness = float(np.log1p(ndimage.laplace(luma * 255.0).var()))
    values = {"brightness": float(luma.mean()), "contrast": float(luma.std()),
              "colourfulness": colourfulness, "saturation": saturation,
              "sharpness": sharpness}
    return {key: round(value, 4) for key, value in values.items()}


class AppearanceTask(PictureTask[dict[str, float]]):
    name = "appearance"

    def run(self, picture: PictureContext) -> dict[str, float]:
        return appearance(picture.loaded.image)
