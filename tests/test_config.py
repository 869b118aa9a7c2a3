"""Settings: environment prefix, defaults, and every setting documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from postlens.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSTLENS_HOME", str(tmp_path))
    monkeypatch.setenv("POSTLENS_MAX_IMAGE_PIXELS", "1000")
    settings = Settings()
    assert settings.home == tmp_path and settings.max_image_pixels == 1000
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'postlens.db'}"


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTLENS_BATCH_SIZE", "0")
    with pytest.raises(ValueError, match="batch_size"):
        Settings()


def test_every_setting_is_documented() -> None:
    documented = DOCS.read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in documented]
    assert missing == []
