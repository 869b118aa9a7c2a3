"""``postlens products`` (seed 004's command line) and ``import-products``."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from skimage import data as skdata
from typer.testing import CliRunner

from postlens.cli import app
from tests.conftest import jpeg_bytes

runner = CliRunner()


def test_folder_of_folders_comes_back_with_the_same_structure(
        tmp_path: Path, cli_env: dict[str, str]) -> None:
    root = tmp_path / "in"
    (root / "people" / "space").mkdir(parents=True)
    (root / "things").mkdir()
    (root / "people" / "space" / "astronaut.jpg").write_bytes(jpeg_bytes(skdata.astronaut()))
    (root / "things" / "coffee.jpg").write_bytes(jpeg_bytes(skdata.coffee()))
    (root / "things" / "broken.jpg").write_text("not a picture")
    out = tmp_path / "out"
    result = runner.invoke(app, ["products", str(root), "--out", str(out), "--json"],
                           env=cli_env)
    assert result.exit_code == 1, result.output  # the broken file
    lines = {Path(body["path"]).name: body for body in map(json.loads,
                                                            result.stdout.splitlines())}
    assert len(lines["astronaut.jpg"]["faces"]) == 1
    assert lines["coffee.jpg"]["faces"] == []
    assert "error" in lines["broken.jpg"]
    titled = out / "in" / "people" / "space" / "astronaut.jpg"
    assert titled.is_file() and (out / "in" / "things" / "coffee.jpg").is_file()
    assert Path(lines["astronaut.jpg"]["titled"]) == titled
    with Image.open(titled) as picture:
        assert picture.height > 512  # the title band above the picture


def test_import_products_reports_bad_rows(tmp_path: Path, cli_env: dict[str, str]) -> None:
    bad = tmp_path / "c.csv"
    bad.write_text("sku,name,price\nx,Cap,12\ny,Hat,lots\n")
    result = runner.invoke(app, ["import-products", str(bad)], env=cli_env)
    assert result.exit_code == 2
    assert f"{bad}:3: price 'lots' is not a number" in result.output.replace("\n", "")
    good = tmp_path / "d.csv"
    good.write_text("sku,name,price,target_attributes\nx,Cap,12,hat\n")
    result = runner.invoke(app, ["import-products", str(good), "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1
