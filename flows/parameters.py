"""The parameters flows share, titled for the Prefect UI's forms (descriptions come from
each flow's docstring, `Args:`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field


def titled(title: str) -> Any:
    """Return the annotation giving a flow parameter its label in the Prefect UI. Prefect
    sets every parameter's title to its name and lets `json_schema_extra` override it
    (prefect/_internal/pydantic/v2_schema.py); a plain `title=` would be ignored."""
    return Field(json_schema_extra={"title": title})


AsOf = Annotated[datetime | None, titled("As of (empty: now)")]
DryRun = Annotated[bool, titled("Preview only (dry run)")]
