"""``python -m services.gateway.manage``: the first admin, users and keys from a terminal
on the gateway's host (the database is the authority; no HTTP needed).

``bootstrap`` is what ``make run`` calls: it creates the gateway's database, the first
admin (a password printed once, or read from ``LOTLINE_GATEWAY__FIRST_ADMIN_PASSWORD``)
and, when asked, an API key for the local CLI written to its config file (mode 0600).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.access import api_keys, passwords, users
from services.gateway.access.principal import Role, Scope
from services.gateway.main import prepare_database
from shared import db
from shared.settings import get_settings

app = typer.Typer(help="Gateway accounts and keys.", no_args_is_help=True, add_completion=False)


def _engine() -> AsyncEngine:
    settings = get_settings()
    return db.create_engine(settings.pg.url("gateway"), pool_size=2)


async def _bootstrap(cli_config: Path | None) -> None:
    settings = get_settings()
    await prepare_database(settings)
    engine = _engine()
    try:
        if await users.count(engine) == 0:
            configured = settings.gateway.first_admin_password
            password = (
                configured.get_secret_value() if configured else passwords.generate_password()
            )
            name = settings.gateway.first_admin_username
            await users.create(engine, username=name, password=password, role=Role.ADMIN)
            typer.echo("")
            typer.echo(f"  First admin created: username {name!r}")
            if configured is None:
                typer.echo(f"  Password (shown this once, write it down): {password}")
            else:
                typer.echo("  Password: the one in LOTLINE_GATEWAY__FIRST_ADMIN_PASSWORD")
            typer.echo("")
        if cli_config is not None and not await _has_working_key(engine, cli_config):
            key, secret = await api_keys.create(
                engine, name=f"cli@{os.uname().nodename}", scope=Scope.ADMIN, created_by="bootstrap"
            )
            _write_cli_config(cli_config, secret)
            typer.echo(f"  CLI key {key.name!r} ({key.scope.value}) written to {cli_config}")
    finally:
        await engine.dispose()


async def _has_working_key(engine: AsyncEngine, path: Path) -> bool:
    """The CLI's config holds a key this database knows (data may have been reset)."""
    key = cli_key_in(path)
    if key is None:
        return False
    return await api_keys.principal_for(engine, key, touch_every=timedelta(0)) is not None


def cli_key_in(path: Path) -> str | None:
    if not path.exists():
        return None
    found = tomllib.loads(path.read_text()).get("api_key")
    return found if isinstance(found, str) else None


def _write_cli_config(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("# Lotline CLI: the key it sends to the gateway (keep this file private).\n")
        out.write(f'api_key = "{secret}"\n')


@app.command()
def bootstrap(
    cli_config: Annotated[
        Path | None, typer.Option(help="Write a new admin API key for the CLI to this file.")
    ] = None,
) -> None:
    """Create the database, the first admin (once) and optionally a CLI key."""
    asyncio.run(_bootstrap(cli_config))


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[Role, typer.Option()] = Role.OPERATOR,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create a person; without --password-stdin a password is generated and printed once."""
    password = (
        sys.stdin.readline().rstrip("\n") if password_stdin else passwords.generate_password()
    )

    async def run() -> None:
        await prepare_database(get_settings())
        engine = _engine()
        try:
            await users.create(engine, username=username, password=password, role=role)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except users.UserRefused as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {role.value} {username!r}")
    if not password_stdin:
        typer.echo(f"password (shown this once): {password}")


@app.command("create-key")
def create_key(name: str, scope: Annotated[Scope, typer.Option()] = Scope.READ) -> None:
    """Create an API key and print it once (it is stored hashed)."""

    async def run() -> str:
        await prepare_database(get_settings())
        engine = _engine()
        try:
            _key, secret = await api_keys.create(
                engine, name=name, scope=scope, created_by="manage"
            )
            return secret
        finally:
            await engine.dispose()

    typer.echo(asyncio.run(run()))


@app.command("reset-password")
def reset_password(username: str) -> None:
    """A new random password for ``username``, printed once; their sessions end."""
    password = passwords.generate_password()

    async def run() -> bool:
        await prepare_database(get_settings())
        engine = _engine()
        try:
            found = await users.find(engine, username)
            if found is None:
                return False
            await users.change(engine, found.id, password=password, active=True)
            return True
        finally:
            await engine.dispose()

    if not asyncio.run(run()):
        typer.echo(f"error: no user {username!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"new password for {username!r} (shown this once): {password}")


if __name__ == "__main__":
    app()
