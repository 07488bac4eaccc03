"""Terminal output shared by the CLI modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

Model = TypeVar("Model", bound=BaseModel)
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` as an error and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def database() -> Iterator[Engine]:
    """Yield an engine on the configured database, disposed afterwards; exit 2 with the
    command to run when the database is not migrated."""
    from continuity.database import migrated_engine
    from continuity.settings import get_settings
    from db.migrate import NotMigratedError

    try:
        engine = migrated_engine(get_settings())
    except NotMigratedError as error:
        raise fail(str(error)) from None
    try:
        yield engine
    finally:
        engine.dispose()


def rows_table(title: str, rows: list[dict[str, Any]], empty: tuple[str, ...] = ()) -> Table:
    """Return `rows` (dicts with the same keys) as a table titled with their count; the
    columns are the first row's keys, or `empty` when there is none. Values are shown as
    plain text, never as markup."""
    table = Table(title=f"{title} ({len(rows)})")
    for column in rows[0] if rows else empty:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(str(value)) for value in row.values()))
    return table


def validated(model: type[Model], fields: dict[str, Any]) -> Model:
    """Return `fields` validated as `model`; print each problem (field: message) and exit 1
    otherwise."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(map(str, problem["loc"])) or "input"
            err.print(f"{where}: {problem['msg']}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
