"""The `export-data` flow: staff take responses, messages or the at-risk list out to a
spreadsheet, written into the export folder on the worker."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import AsOf, titled
from tasks.clock import Clock
from tasks.exports.form import ExportForm, export_to_folder


@flow(name="export-data")
def export_data(
    export: Annotated[ExportForm, titled("Export")], as_of: AsOf = None
) -> dict[str, Any]:
    """Write an export (XLSX or CSV) into CONTINUITY_EXPORT_DIR and link it in the
    `export-WHAT` artifact; return its path and row count.

    Args:
        export: what to export, the format, and the countries, kinds and days wanted.
        as_of: the moment the at-risk list is computed at (default: now).
    """
    return export_to_folder(export, Clock.at(as_of))
