"""Sample photos that ship with scikit-image, written out as JPEG files for demos and tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata

# name -> what the photo shows (scikit-image's own descriptions, shortened)
SAMPLE_PHOTOS = {
    "chelsea": "Chelsea the cat",
    "coffee": "a cup of espresso on a saucer",
    "astronaut": "astronaut Eileen Collins",
    "rocket": "a rocket on its launch pad",
    "hubble_deep_field": "the Hubble deep field",
    "immunohistochemistry": "a stained tissue sample under a microscope",
}


def sample_photo(name: str) -> np.ndarray:
    return np.asarray(getattr(skdata, name)())


def write_samples(folder: Path, names: list[str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or list(SAMPLE_PHOTOS):
        path = folder / f"{name}.jpg"
        if not path.exists():
            Image.fromarray(sample_photo(name)).convert("RGB").save(path, "JPEG", quality=92)
        written.append(path)
    return written
