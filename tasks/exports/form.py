"""The `export-data` Prefect form: an export written into the export folder
(`CONTINUITY_EXPORT_DIR`), named by the product (never by the form), and a markdown
artifact saying where it is. The form's values (kept by Prefect) are codes and dates,
nothing personal; the file name holds what, when and a random part."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from db.models import TouchpointKind
from tasks.artifacts import markdown_text, publish_markdown
from tasks.clock import Clock
from tasks.exports.export import MAX_FILTER_VALUES, export_filter, file_in, file_name, write_export
from tasks.exports.files import Format
from tasks.form_fields import without_null_branches
from tasks.outbox.stages import app_engine
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import get_settings

What = Literal["responses", "messages", "at-risk"]


class ExportForm(BaseModel):
    """What to export, as the `export-data` form takes it."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )

    what: What = Field(
        title="What",
        description="responses: what partners answered; messages: the outbox; at-risk: the"
        " relationship report's at-risk list",
    )
    format: Format = Field("xlsx", title="Format", description="xlsx (Excel) or csv")
    countries: list[str] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        title="Countries",
        description="ISO codes, alpha-2 or alpha-3 (SN, SEN); none: every country",
    )
    kinds: list[TouchpointKind] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        title="Kinds",
        description="touchpoint kinds (not for at-risk); none: every kind",
    )
    since: date | None = Field(None, title="From", description="first day, UTC; empty: no limit")
    until: date | None = Field(None, title="To", description="last day, UTC; empty: no limit")


@task(name="export-data", cache_policy=NO_CACHE)
def export_to_folder(form: ExportForm, clock: Clock) -> dict[str, Any]:
    """Write the export into the export folder; return its path and row count. Raises
    `ExportError` for an unknown country, a kind filter on at-risk, days in the wrong
    order, or a folder that cannot be written."""
    wanted = export_filter(form.countries, form.kinds, form.since, form.until)
    now = clock.now()
    path = file_in(get_settings().export_dir, file_name(form.what, form.format, now))
    written = write_export(app_engine(), form.what, form.format, path, wanted, now)
    publish(form.what, str(written.path), written.rows)
    run_logger().info("export: %d %s rows written to %s", written.rows, form.what, written.path)
    return {"path": str(written.path), "rows": written.rows}


@only_in_a_run
def publish(what: str, path: str, rows: int) -> None:
    """Publish where the file is, keyed by what was exported."""
    markdown = (
        f"# Export: {markdown_text(what)}\n\n"
        f"{rows} rows, written on the worker to:\n\n`{path.replace('`', '')}`\n"
    )
    publish_markdown(f"export-{what}", markdown, f"the latest {what} export")
