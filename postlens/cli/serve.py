"""``demo`` and ``serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from postlens.cli.common import build_core, console, reported_errors


def demo(
    folder: Annotated[Path | None, typer.Option(help="Add your own pictures too.")] = None,
) -> None:
    """Build a clearly labelled SIMULATED community from bundled photos and train on it."""
    from postlens.demo import build_demo

    core = build_core()
    with reported_errors():
        keys = build_demo(core.settings.home, core.db, core.analyzer, folder)
        model = core.train("hybrid")
        core.likes.train(core.likes.training_posts())  # on the simulated likes
        core.interests.warm_up()  # the text model's one-off export, not at the first upload
    typer.echo(f"simulated community ready: {len(keys)} users, {len(model.item_ids_)} posts; "
               f"API keys in {core.settings.home / 'demo-keys.json'}")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    demo_login: Annotated[bool, typer.Option("--demo", help="Allow signing in as demo users."
                                             )] = False,
) -> None:
    """Run the web app and REST API (OpenAPI docs at /docs)."""
    import uvicorn
    from threadpoolctl import threadpool_limits

    from postlens.core import Postlens
    from postlens.service.app import create_app

    threadpool_limits(1, "blas")  # one BLAS thread per request; requests run in parallel
    settings = build_core().settings
    settings = settings.model_copy(update={"demo_login": demo_login or settings.demo_login})
    core = Postlens(settings, serving=True)
    core.maintenance.start()
    console.print(f"postlens on http://{host}:{port}  (API docs: /docs)")
    try:
        uvicorn.run(create_app(core), host=host, port=port, log_level="warning",
                    # Slow clients are cut off by the body deadline; the connection limit
                    # is high enough that 300 of them cannot lock everyone else out.
                    limit_concurrency=2048, timeout_keep_alive=5, backlog=2048)
    finally:
        core.close()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("serve")(serve)
