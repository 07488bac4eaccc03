"""`continuity campaign create|preview|send|cancel|list`: ad-hoc update campaigns from the
command line, with the same parameters as the `adhoc-campaign` form in the Prefect UI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from continuity.cli.console import database, err, fail, out, quiet_tracebacks
from db.engine import transaction
from db.models import Campaign
from db.outbox import counts_by_status
from tasks.clock import Clock
from tasks.settings import SettingsError, get_settings
from tasks.touchpoints.adhoc import AdhocCampaign

campaign_app = typer.Typer(help="Ad-hoc update campaigns.", no_args_is_help=True)
CampaignFile = Annotated[Path, typer.Argument(help="TOML or JSON file: name, audience, content…")]


def read_campaign(path: Path, **overrides: Any) -> AdhocCampaign:
    """Return the campaign in `path`; exit 1 listing every bad field."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        return AdhocCampaign.model_validate({**data, **overrides})
    except (OSError, UnicodeDecodeError, ValueError) as error:
        if isinstance(error, ValidationError):
            for problem in error.errors():
                where = ".".join(str(part) for part in problem["loc"]) or "campaign"
                err.print(f"{path}: {where}: {problem['msg']}", markup=False, highlight=False)
        else:
            err.print(f"{path}: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _run(params: AdhocCampaign) -> dict[str, Any]:
    from flows.adhoc_campaign import adhoc_campaign

    try:
        get_settings().required_secret_key()
    except SettingsError as error:
        raise fail(str(error)) from None
    quiet_tracebacks()
    return adhoc_campaign(campaign=params)


@campaign_app.command("preview")
def preview_command(file: CampaignFile) -> None:
    """Show the audience by language and country, one sample per language, and warnings."""
    found = _run(read_campaign(file, dry_run=True))
    out.print(f"audience: {found['audience']} contacts", highlight=False)
    out.print(f"by language: {found['by_language']}", markup=False)
    out.print(f"by country: {found['by_country']}", markup=False)
    for warning in found["warnings"]:
        out.print(f"warning: {warning}", markup=False)
    for key, sample in found["samples"].items():
        out.print(f"\n--- sample {key}: {sample['subject']}\n{sample['text']}", markup=False)


@campaign_app.command("create")
def create_command(file: CampaignFile) -> None:
    """Create the campaign and plan its messages without sending (`send` sends them)."""
    from tasks.campaigns.stages import create_campaign

    result = create_campaign.fn(read_campaign(file, dry_run=False), Clock())
    out.print(f"campaign {result['campaign_id']}: {result.get('inserted', 0)} messages planned")


@campaign_app.command("send")
def send_command(file: CampaignFile) -> None:
    """Create the campaign if needed and send it (now, or from `send_at` on)."""
    result = _run(read_campaign(file, dry_run=False))
    delivery = {k: v for k, v in result.get("delivery", {}).items() if v}
    out.print(f"campaign {result['campaign_id']}: {delivery or 'planned for later'}", markup=False)


@campaign_app.command("cancel")
def cancel_command(campaign_id: Annotated[int, typer.Argument(help="campaign id")]) -> None:
    """Stop what the campaign still has planned and say what had gone."""
    from tasks.campaigns.stages import cancel_campaign

    with database() as engine, transaction(engine) as session:
        if session.get(Campaign, campaign_id) is None:
            raise fail(f"no campaign {campaign_id}; `continuity campaign list` shows them", 1)
    counts = cancel_campaign(campaign_id, Clock())
    out.print(f"campaign {campaign_id} cancelled: {counts}", markup=False)


@campaign_app.command("list")
def list_command() -> None:
    """List the campaigns, newest first, with their messages by status."""
    table = Table(title="Campaigns")
    for column in ("id", "created", "kind", "name", "status", "messages"):
        table.add_column(column)
    with database() as engine, transaction(engine) as session:
        campaigns = session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(100))
        for campaign in campaigns:
            counts = counts_by_status(session, campaign_id=campaign.id)
            table.add_row(
                str(campaign.id),
                f"{campaign.created_at:%Y-%m-%d %H:%M}",
                str(campaign.kind),
                Text(campaign.name),
                campaign.status,
                Text(", ".join(f"{k} {v}" for k, v in counts.items())),
            )
    out.print(table)
