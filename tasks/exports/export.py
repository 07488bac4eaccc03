"""Exports of the data to a spreadsheet (`continuity export`, the `export-data` form):
which rows, checked filters, and the file written."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine

from db.engine import transaction
from db.exports import ExportFilter
from db.models import TouchpointKind
from tasks.countries import country_by_code
from tasks.exports.files import ExportError, Format, write_rows
from tasks.exports.tables import EXPORTS

MAX_FILTER_VALUES = 300


@dataclass(frozen=True)
class Written:
    """An export written: where, how many rows."""

    path: Path
    rows: int


def export_filter(
    countries: Iterable[str] = (),
    kinds: Iterable[str] = (),
    since: date | None = None,
    until: date | None = None,
) -> ExportFilter:
    """Return the filter for ISO country codes (alpha-2 or alpha-3, any case), touchpoint
    kinds and the days from `since` to `until`, both included (UTC days); raise
    `ExportError` naming an unknown country or kind, too many values, or `until` before
    `since`."""
    codes, named = list(countries), list(kinds)
    if len(codes) > MAX_FILTER_VALUES or len(named) > MAX_FILTER_VALUES:
        raise ExportError(f"at most {MAX_FILTER_VALUES} countries and kinds")
    alpha3 = []
    for code in codes:
        found = country_by_code(code)
        if found is None:
            raise ExportError(f"--country {code[:20]!r} is no ISO 3166 country code (SEN, SN)")
        alpha3.append(found.alpha3)
    known = {str(kind) for kind in TouchpointKind}
    for kind in named:
        if kind not in known:
            raise ExportError(f"--kind {kind[:40]!r} is none of {', '.join(sorted(known))}")
    if since and until and until < since:
        raise ExportError(f"--until {until} is before --since {since}")
    return ExportFilter(tuple(alpha3), tuple(named), _midnight(since), _day_after(until))


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), UTC) if day else None


def _day_after(day: date | None) -> datetime | None:
    return _midnight(day + timedelta(days=1)) if day and day < date.max else None


def write_export(
    engine: Engine, what: str, form: Format, path: Path, wanted: ExportFilter, now: datetime
) -> Written:
    """Write export `what` (`tables.EXPORTS`) of the rows `wanted` (the at-risk list as of
    `now`) to `path` in `form`; return what was written. Raise `ExportError` for a kind
    filter on the at-risk list or a file that cannot be written."""
    export = EXPORTS[what]
    if wanted.kinds and not export.takes_kinds:
        raise ExportError(f"--kind does not apply to {what} (check-in answers only)")
    with transaction(engine) as session:
        count = write_rows(
            path, form, export.title, export.columns, export.rows(session, wanted, now)
        )
    return Written(path, count)


def file_name(what: str, form: Format, now: datetime) -> str:
    """Return a new export's file name: what, when (UTC) and a random part, so that two
    exports in one second never collide; nothing the filter or a person gave."""
    return f"{what}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}.{form}"


def file_in(folder: Path, name: str) -> Path:
    """Return `folder / name`, creating the folder; raise `ExportError` when the folder
    cannot be made or the file would land outside it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"CONTINUITY_EXPORT_DIR {folder}: {error.strerror or error}") from None
    if not folder.is_dir():
        raise ExportError(f"CONTINUITY_EXPORT_DIR {folder} is not a folder")
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or path.exists():
        raise ExportError(f"{name!r} is no new file name in CONTINUITY_EXPORT_DIR")
    return path
