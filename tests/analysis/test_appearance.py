"""The appearance measures move the way their names say."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter
from skimage import data as skdata

from postlens.analysis.appearance import APPEARANCE_KEYS, appearance


def test_brightness_colour_and_sharpness_order_pictures() -> None:
    photo = Image.fromarray(skdata.astronaut())
    dark = Image.fromarray((np.asarray(photo) * 0.3).astype(np.uint8))
    grey = photo.convert("L").convert("RGB")
    blurred = photo.filter(ImageFilter.GaussianBlur(4))
    base = appearance(photo)
    assert set(base) == set(APPEARANCE_KEYS)
    assert appearance(dark)["brightness"] < base["brightness"]
    assert appearance(grey)["colourfulness"] < 0.02 < base["colourfulness"]
    assert appearance(grey)["saturation"] < 0.02 < base["saturation"]
    assert appearance(blurred)["sharpness"] < base["sharpness"] - 1
    # the same picture at another size reads about the same (the measures are on 256 px)
    large = appearance(photo.resize((1024, 1024)))
    assert abs(large["brightness"] - base["brightness"]) < 0.02
    assert abs(large["colourfulness"] - base["colourfulness"]) < 0.02


def test_odd_modes_and_tiny_pictures() -> None:
    for image in (Image.new("L", (3, 2), 200), Image.new("RGBA", (1, 1), (255, 0, 0, 10))):
        values = appearance(image)
        assert all(np.isfinite(v) for v in values.values())
