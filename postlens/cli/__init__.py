"""The ``postlens`` command line: one module per command group, each command a few lines
that build the core (``postlens.core.Postlens``), call it and format the answer."""

from __future__ import annotations

import logging

import typer

from postlens.cli import (
    admin,
    batch,
    evaluate,
    interests,
    likes,
    pictures,
    products,
    provenance,
    recommend,
    serve,
)

app = typer.Typer(help="Understand social-media pictures and recommend from them.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
for group in (pictures, recommend, interests, provenance, products, likes, evaluate, serve,
              admin, batch):
    group.register(app)


def main() -> None:  # pragma: no cover - the console script entry point
    logging.basicConfig(level=logging.WARNING)
    app()
