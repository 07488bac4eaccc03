from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from apscheduler.triggers.cron import CronTrigger
from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

from flows.registry import DEPLOYMENTS as FLOW_OF
from flows.registry import FORMS

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENTS = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]


def load_entrypoint(entrypoint: str) -> object:
    path, _, name = entrypoint.partition(":")
    spec = importlib.util.spec_from_file_location(Path(path).stem, REPO / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


SAMPLE_FORM_PARAMETERS = {
    "record-consultation-event": {
        "event": {"title": {"fr": "Forum"}, "starts_at": "2027-01-01T10:00:00Z", "place": "Dakar"}
    },
    "record-policy-update": {
        "update": {"category": "new_priority", "title": {"en": "Climate"}, "body": {"en": "Text"}}
    },
    "record-evaluation": {
        "evaluation": {
            "partnership": "SEN/1",
            "completed_on": "2025-01-01",
            "conclusions": {"fr": "a"},
            "lessons": {"fr": "b"},
            "recommendations": {"fr": "c"},
            "contributors": [1],
        }
    },
    "adhoc-campaign": {
        "campaign": {
            "name": "News",
            "content": {"en": {"subject": "Hello", "body": "Dear {{ contact.name }}"}},
        }
    },
    "record-influence": {
        "change": {"action": "add", "partnership": "SEN/1", "name": "Mairie de Kolda"}
    },
    "record-response": {
        "response": {
            "partnership": "SEN/PCA2021001/PD2021004",
            "kind": "sustainability_checkin",
            "sustained": "yes",
            "capacity": 4,
        }
    },
    "record-corrective-action": {
        "change": {
            "action": "open",
            "partnership": "SEN/PCA2021001/PD2021004",
            "reason": "no progress reported for two quarters",
            "recorded_by": "A. Diallo",
        }
    },
    "record-acknowledgement": {
        "change": {
            "action": "approve",
            "partnership": "SEN/PCA2021001/PD2021004",
            "recorded_by": "A. Diallo",
        }
    },
    "record-focal-point": {
        "focal_point": {"name": "Awa Diallo", "address": "awa.diallo@unicef.org"}
    },
    "set-contact-language": {
        "change": {
            "contact": 12,
            "language": "pt",
            "reason": "the contact asked for this language",
        }
    },
    "export-data": {"export": {"what": "responses", "countries": ["SN"], "since": "2026-01-01"}},
    "release-messages": {
        "request": {"action": "cancel campaign", "campaign": 3, "by": "A. Diallo", "reason": "r"}
    },
}


def test_there_is_one_deployment_per_flow() -> None:
    assert sorted(d["name"] for d in DEPLOYMENTS) == sorted(FLOW_OF)


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_every_entrypoint_imports_and_is_the_named_flow(deployment: dict) -> None:
    flow = load_entrypoint(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    assert flow.name == deployment["name"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_every_deployment_parameter_validates_against_its_flow(deployment: dict) -> None:
    flow = load_entrypoint(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    parameters = {
        **deployment.get("parameters", {}),
        **SAMPLE_FORM_PARAMETERS.get(deployment["name"], {}),
    }
    flow.validate_parameters(parameters)
    with pytest.raises(Exception, match="surprise"):
        flow.validate_parameters({**parameters, "surprise": 1})


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_every_schedule_is_a_valid_cron_in_an_explicit_time_zone(deployment: dict) -> None:
    assert deployment["work_pool"]["name"] == "continuity"
    assert bool(deployment.get("schedules")) == (deployment["name"] not in FORMS)
    for schedule in deployment.get("schedules", []):
        ZoneInfo(schedule["timezone"])
        CronTrigger.from_crontab(schedule["cron"], timezone=schedule["timezone"])


@pytest.mark.parametrize(
    ("name", "strategy"),
    [
        # A collector run that overlaps another would read the same mail twice.
        ("collect-responses", ConcurrencyLimitStrategy.CANCEL_NEW),
        # A sync that overlaps another would import the same exports twice.
        ("etools-sync", ConcurrencyLimitStrategy.CANCEL_NEW),
        ("focal-point-digest", ConcurrencyLimitStrategy.ENQUEUE),
    ],
)
def test_runs_that_must_not_overlap_run_one_at_a_time(
    name: str, strategy: ConcurrencyLimitStrategy
) -> None:
    """`prefect deploy` takes `concurrency_limit` as a number or as the fields of
    Prefect's ConcurrencyLimitConfig (prefect/cli/deploy/_core.py)."""
    (deployment,) = (d for d in DEPLOYMENTS if d["name"] == name)
    limit = deployment["concurrency_limit"]
    config = ConcurrencyLimitConfig.model_validate(
        limit if isinstance(limit, dict) else {"limit": limit}
    )
    assert (config.limit, config.collision_strategy) == (1, strategy)


def test_etools_sync_runs_daily_before_the_daily_flows_act() -> None:
    (sync,) = (d for d in DEPLOYMENTS if d["name"] == "etools-sync")
    (schedule,) = sync["schedules"]
    trigger = CronTrigger.from_crontab(schedule["cron"], timezone=schedule["timezone"])
    day = datetime(2026, 6, 1, tzinfo=UTC)
    first = trigger.get_next_fire_time(None, day)
    assert first is not None and first.date() == day.date()
    assert trigger.get_next_fire_time(first, first + timedelta(seconds=1)) == first + timedelta(
        days=1
    )
    daily = [
        d
        for d in DEPLOYMENTS
        if d["name"] in ("reminders", "corrective-actions", "capacity-alerts", "focal-point-digest")
    ]
    for deployment in daily:
        (other,) = deployment["schedules"]
        later = CronTrigger.from_crontab(other["cron"], timezone=other["timezone"])
        assert first < later.get_next_fire_time(None, day)


def takes_dry_run(deployment: dict) -> bool:
    return "dry_run" in FLOW_OF[deployment["name"]].parameters.properties


@pytest.mark.parametrize(
    "deployment", [d for d in DEPLOYMENTS if takes_dry_run(d)], ids=lambda d: d["name"]
)
def test_a_run_started_by_hand_previews_and_a_scheduled_run_sends(deployment: dict) -> None:
    """The UI's "Custom run" starts from the deployment's parameters; a scheduled run gets
    the schedule's over them (prefect/server/models/deployments.py)."""
    assert deployment["parameters"]["dry_run"] is True
    assert deployment["schedules"]
    for schedule in deployment["schedules"]:
        assert schedule["parameters"]["dry_run"] is False
        FLOW_OF[deployment["name"]].validate_parameters(
            {**deployment["parameters"], **schedule["parameters"]}
        )


def test_every_scheduled_flow_takes_dry_run() -> None:
    assert {d["name"] for d in DEPLOYMENTS if takes_dry_run(d)} == {
        d["name"] for d in DEPLOYMENTS if d.get("schedules")
    }
