"""What every command shares: the two consoles, one-line errors and the exit codes.

Exit codes: 0 done, 1 the gateway or the input refused it, 2 bad usage, 3 gateway unreachable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from services.cli.client import Connection, Gateway, GatewayError

out = Console()
err = Console(stderr=True)
REFUSED = 1
UNREACHABLE = 3

AsJson = Annotated[bool, typer.Option("--json", help="Print the gateway's JSON as is.")]
T = TypeVar("T")


def fail(message: str, *, code: int = REFUSED) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(message, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def gateway(ctx: typer.Context, *, timeout: float = 15.0) -> Iterator[Gateway]:
    """The gateway client; its errors become one line on stderr and an exit code."""
    try:
        connection: Connection = ctx.obj
        with Gateway(connection.url, api_key=connection.api_key, timeout=timeout) as client:
            yield client
    except GatewayError as error:
        fail(str(error), code=UNREACHABLE if error.status is None else REFUSED)


def say(message: str) -> None:
    out.print(message, markup=False, highlight=False, soft_wrap=True)


def dump(data: Any) -> None:
    out.print_json(data=data)


def parsed(parse: Callable[[str], T], values: list[str], *, option: str) -> list[T]:
    """Each value of a repeated option parsed; a bad one is a usage error (exit code 2)."""
    try:
        return [parse(value) for value in values]
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def secret(envvar: str, prompt: str) -> str:
    """A secret from the environment, else typed at a hidden prompt: never a command-line
    argument, which shell history and ``ps`` would keep."""
    value = os.environ.get(envvar, "").strip()
    if not value:
        value = str(typer.prompt(f"{prompt} (or set {envvar})", hide_input=True)).strip()
    if not value:
        raise typer.BadParameter(f"give {prompt.lower()}", param_hint=envvar)
    return value
