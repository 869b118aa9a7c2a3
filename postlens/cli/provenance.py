"""``train-provenance``: retrain the source-platform classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postlens.cli.common import JsonOption, build_core, console, echo_json, reported_errors


def train_provenance(
    data: Annotated[Path | None, typer.Option(
        help="The shared data folder (instagram-accounts/, tweets-with-images/): its real "
             "downloads join the simulated pipelines. Without it, simulation only.")] = None,
    per_pipeline: Annotated[int, typer.Option(min=5, max=2000,
                                              help="Simulated files per pipeline.")] = 120,
    seed: Annotated[int, typer.Option(help="Simulation and model seed.")] = 0,
    output: Annotated[Path | None, typer.Option(
        help="Where to write the ONNX model (default: the model cache, which then takes "
             "precedence over the shipped model).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the source-platform classifier (real downloads + re-encoded pipelines)."""
    from postlens.provenance.model import RETRAINED_NAME
    from postlens.provenance.training import train_platform_model

    core = build_core()
    with reported_errors():
        if data is not None and not data.is_dir():
            from postlens.errors import InvalidInput

            raise InvalidInput(f"{data} is not a folder")
        target = output or core.settings.model_dir / RETRAINED_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        summary = train_platform_model(target, data, per_pipeline, seed)
    if as_json:
        echo_json(summary)
        return
    console.print(f"wrote {summary['path']}")
    for cls, counts in summary["examples"].items():
        console.print(f"  {cls:>10}: {counts['real']} real, {counts['simulated']} simulated")


def register(app: typer.Typer) -> None:
    app.command("train-provenance")(train_provenance)
