"""`continuity scheduler`: the deployments' schedules without a Prefect server.

prefect.yaml stays the one place schedules are written; this reads it and runs each
scheduled flow in-process with APScheduler. Jobs are kept in the database, so runs missed
while the scheduler was down are noticed on restart and coalesce into one; a flow never
overlaps itself; SIGTERM lets the running batch finish, then exits.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from tasks.outbox.shutdown import request_stop

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"
JOB_TABLE = "scheduler_jobs"
MISFIRE_GRACE_SECONDS = 7 * 24 * 3600
CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
log = logging.getLogger("continuity.scheduler")


@dataclass(frozen=True)
class Scheduled:
    job_id: str
    deployment: str
    cron: str
    timezone: str
    parameters: dict[str, Any] = field(default_factory=dict)


def scheduled(path: Path = PREFECT_YAML) -> list[Scheduled]:
    """Return every schedule of every deployment in prefect.yaml, with the parameters a
    run of it gets: the schedule's over the deployment's, as Prefect merges them."""
    deployments = yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"]
    return [
        Scheduled(
            f"{deployment['name']}:{index}",
            deployment["name"],
            schedule["cron"],
            schedule.get("timezone", "UTC"),
            {**(deployment.get("parameters") or {}), **(schedule.get("parameters") or {})},
        )
        for deployment in deployments
        for index, schedule in enumerate(deployment.get("schedules") or [])
    ]


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """Return the trigger for a crontab line as Prefect reads it (Sunday is 0 or 7;
    APScheduler counts from Monday, so weekday numbers become names)."""
    minute, hour, day, month, weekday = expression.split()
    weekday = re.sub(r"\d+", lambda match: CRON_WEEKDAYS[int(match.group())], weekday)
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=timezone
    )


def run_scheduled(deployment: str, parameters: dict[str, Any]) -> None:
    """Run one scheduled flow here (the job APScheduler calls); a failure is logged, the
    scheduler goes on."""
    from flows.registry import FLOWS

    log.info("running %s", deployment)
    try:
        FLOWS[deployment](**parameters)
    except Exception:
        log.exception("%s failed", deployment)


def sync_jobs(scheduler: BaseScheduler, wanted: list[Scheduled]) -> None:
    """Make the stored jobs match prefect.yaml: unchanged jobs keep their next run time (so
    runs missed while down still fire, once), changed ones are replaced, gone ones removed."""
    wanted_ids = {item.job_id for item in wanted}
    for job in scheduler.get_jobs():
        if job.id not in wanted_ids:
            job.remove()
    for item in wanted:
        trigger = cron_trigger(item.cron, item.timezone)
        args = [item.deployment, item.parameters]
        existing = scheduler.get_job(item.job_id)
        if existing and str(existing.trigger) == str(trigger) and list(existing.args) == args:
            continue
        scheduler.add_job(
            run_scheduled,
            trigger,
            args=args,
            id=item.job_id,
            name=item.deployment,
            replace_existing=True,
        )


def make_scheduler(database_url: str) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename=JOB_TABLE)},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone="UTC",
    )


def start(database_url: str, wanted: list[Scheduled]) -> BackgroundScheduler:
    """Start the scheduler with its jobs in line with `wanted`; missed runs fire now."""
    scheduler = make_scheduler(database_url)
    scheduler.start(paused=True)
    sync_jobs(scheduler, wanted)
    for job in scheduler.get_jobs():
        log.info("%s next at %s", job.id, job.next_run_time)
    scheduler.resume()
    return scheduler


def serve(database_url: str) -> None:
    """Run the schedules until SIGTERM or SIGINT; then let the running batch finish."""
    stopped = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the running batch, then stopping", signum)
        request_stop()
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler = start(database_url, scheduled())
    while not stopped.wait(1.0):
        pass
    scheduler.shutdown(wait=True)
    log.info("stopped")
