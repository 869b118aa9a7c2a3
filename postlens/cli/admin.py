"""Operators' commands: ``doctor``, ``reanalyze``, ``users add/list/disable``,
``keys create/list/revoke``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from postlens.cli.common import JsonOption, build_core, console, echo_json, reported_errors


def doctor(
    repair: Annotated[bool, typer.Option(help="Remove orphan and temporary picture files "
                                              "and logs past their retention.")] = False,
) -> None:
    """Check that the database and the picture files agree (after a crash or a kill)."""
    with reported_errors():
        report = build_core().maintenance.doctor(repair=repair)
    echo_json(report)
    if not report["healthy"] and not repair:
        console.print("[yellow]run `postlens doctor --repair` to clean up[/yellow]")
        raise typer.Exit(code=1)



def reanalyze(
    task: Annotated[list[str] | None, typer.Option(
        "--task", help="A task to run again (repeat it for several; default: every configured "
                       "task but the image encoder's embedding, labels and categories).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run per-picture tasks (faces, platform, appearance...) again on every stored picture
    with today's models, after a model changed; stored results are replaced in place."""
    from postlens.analysis.registry import STORED_TASKS
    from postlens.ingest.reanalyze import reanalyze as run

    core = build_core()
    with reported_errors():
        names = task or [t for t in core.settings.analysis_tasks if t not in STORED_TASKS]
        report = run(core.db, core.analyzer_for(names), names).to_dict()
    if as_json:
        echo_json(report)
    else:
        typer.echo(f"ran {', '.join(report['tasks'])} again on {report['pictures']} pictures: "
                   f"{report['changed']} changed, {report['unchanged']} unchanged, "
                   f"{len(report['failed'])} failed")
        for failure in report["failed"]:
            console.print(f"[red]{failure['picture']}: {failure['error']}[/red]")
    if report["failed"]:
        raise typer.Exit(code=1)


users = typer.Typer(help="Accounts.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)


@users.command("add")
def users_add(
    handle: Annotated[str, typer.Argument(help="3-40 of a-z 0-9 _ . - (stored as local:HANDLE).")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read a password for web sign-in from standard input.")
    ] = False,
) -> None:
    """Create an account (and print its id)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with reported_errors():
        user = build_core().accounts.add_user(handle, password)
    echo_json({"id": user.id, "handle": user.handle}, indent=None)


@users.command("list")
def users_list() -> None:
    """Every account: id, handle, disabled."""
    for user in build_core().accounts.users():
        typer.echo(f"{user.id}\t{user.handle}\t{'disabled' if user.disabled else 'active'}")


@users.command("disable")
def users_disable(user: Annotated[str, typer.Argument(help="User id or handle.")]) -> None:
    """Disable an account: its keys and sessions stop working at once."""
    core = build_core()
    with reported_errors():
        core.accounts.disable(core.user(user).id)
    typer.echo(f"disabled {user}")


@keys.command("create")
def keys_create(
    user: Annotated[str, typer.Argument(help="User id or handle.")],
    label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
) -> None:
    """Issue an API key; it is printed once and stored only as a hash."""
    core = build_core()
    with reported_errors():
        key = core.accounts.create_key(core.user(user).id, label)
    typer.echo(key)


@keys.command("list")
def keys_list(user: Annotated[str, typer.Argument(help="User id or handle.")]) -> None:
    """A user's keys: id, label, created, revoked (never the keys themselves)."""
    core = build_core()
    with reported_errors():
        found = core.accounts.keys(core.user(user).id)
    for key in found:
        typer.echo(f"{key.id}\t{key.label or ''}\t{key.created_at:%Y-%m-%d}\t"
                   f"{'revoked' if key.revoked_at else 'active'}")


@keys.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (keys list).")]
                ) -> None:
    """Revoke a key (servers stop accepting it within 30 s)."""
    with reported_errors():
        build_core().accounts.revoke_key(key_id)
    typer.echo(f"revoked key {key_id}")


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
    app.command("reanalyze")(reanalyze)
    app.add_typer(users, name="users")
    app.add_typer(keys, name="keys")
