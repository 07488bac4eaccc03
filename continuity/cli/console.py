"""Terminal output shared by the CLI modules."""

from __future__ import annotations

import logging
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
from typer.core import TyperGroup

Model = TypeVar("Model", bound=BaseModel)
out = Console()
err = Console(stderr=True)
# Click's own exceptions (usage errors) print themselves with their exit status; recent
# typer versions vendor click, so its base class is reached through a public subclass.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_PASSED_ON: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort, _CLICK_ERROR)
OUR_PACKAGES = ("continuity", "db", "tasks", "flows")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` as one error line and return the Exit to raise."""
    line = " ".join(message.split())
    err.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


class OneLineErrors(TyperGroup):
    """The command line's top group: an error a command lets escape is printed as one
    line on stderr with exit status 1, never as a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASSED_ON:
            raise
        except Exception as error:
            raise fail(error_line(error), 1) from None


def error_line(error: BaseException) -> str:
    """Return `error` as one line: our own errors by their message, any other prefixed
    with its type (an unexpected error says what it is). Addresses are redacted."""
    from tasks.privacy import redacted

    text = " ".join(str(error).split())
    if type(error).__module__.split(".")[0] in OUR_PACKAGES and text:
        return redacted(text)
    return redacted(f"{type(error).__name__}: {text}" if text else type(error).__name__)


class _WithoutTraceback(logging.Formatter):
    """Formats a record as `inner` does, leaving out its traceback; the record itself is
    left whole for the other handlers (Prefect's API keeps the traceback)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def quiet_tracebacks() -> None:
    """Keep tracebacks out of the terminal while a command runs flows here: Prefect's
    console lines still say what failed; the command ends with its one error line."""
    from prefect.logging.handlers import PrefectConsoleHandler

    # Prefect's logging configuration puts its console handler on the root logger.
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    for handler in (handler for logger in loggers for handler in logger.handlers):
        if isinstance(handler, PrefectConsoleHandler) and not isinstance(
            handler.formatter, _WithoutTraceback
        ):
            handler.setFormatter(_WithoutTraceback(handler.formatter))


@contextmanager
def database() -> Iterator[Engine]:
    """Yield an engine on the configured database, disposed afterwards; exit 2 with the
    command to run when the database is not migrated."""
    from db.engine import migrated_engine
    from db.migrate import NotMigratedError
    from tasks.settings import get_settings

    try:
        engine = migrated_engine(get_settings().database_url)
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
