"""Top-level error handling: a :class:`ShipyardError` becomes one red line and exit code 1.

Every command runs inside :class:`ShipyardGroup.invoke`, so the handling is in one place
and applies equally to ``shipyard …`` and to ``typer.testing.CliRunner``.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.text import Text
from typer.core import TyperGroup

from shipyard.cli.render import err_console
from shipyard.core.errors import ShipyardError

EXIT_ERROR = 1


def format_error(exc: ShipyardError) -> str:
    return f"Error [{exc.error_code}]: {exc.message}"


def print_error(exc: ShipyardError) -> None:
    """``Error [CODE]: message`` in red on stderr (never parsed as Rich markup)."""
    err_console.print(Text(format_error(exc), style="red"), soft_wrap=True)


def fail(exc: ShipyardError) -> NoReturn:
    """Print ``exc`` and exit with code 1."""
    print_error(exc)
    raise typer.Exit(EXIT_ERROR)


class ShipyardGroup(TyperGroup):
    """The root command group: turns any :class:`ShipyardError` into a clean exit 1."""

    def invoke(self, ctx: Any) -> Any:  # Any: typer's vendored click Context is private
        try:
            return super().invoke(ctx)
        except ShipyardError as exc:
            fail(exc)
