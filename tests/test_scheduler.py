from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from continuity.scheduler import (
    Scheduled,
    cron_trigger,
    scheduled,
    start,
)
from db.migrate import upgrade
from flows.registry import FLOWS, FORMS


def test_every_scheduled_deployment_in_prefect_yaml_becomes_a_job() -> None:
    jobs = scheduled()
    assert {job.deployment for job in jobs} == set(FLOWS)
    assert not {job.deployment for job in jobs} & set(FORMS)
    report = next(job for job in jobs if job.deployment == "relationship-report")
    assert (report.cron, report.timezone) == ("0 6 * * 1", "UTC")
    assert report.parameters == {"dry_run": False, "months": 6}


def test_every_scheduled_job_sends_though_its_deployment_defaults_to_a_dry_run() -> None:
    takes_dry_run = [
        job for job in scheduled() if "dry_run" in FLOWS[job.deployment].parameters.properties
    ]
    assert len(takes_dry_run) == len(FLOWS)
    assert all(job.parameters["dry_run"] is False for job in takes_dry_run)


def test_crontab_weekdays_keep_their_meaning() -> None:
    sunday = datetime(2026, 12, 6, 12, tzinfo=UTC)
    monday = cron_trigger("0 6 * * 1", "UTC").get_next_fire_time(None, sunday)
    assert monday == datetime(2026, 12, 7, 6, tzinfo=UTC)
    weekend = cron_trigger("0 6 * * 0,6", "UTC").get_next_fire_time(None, monday)
    assert weekend is not None and weekend.weekday() == 5


def rewind_stored_job(url: str, job_id: str, next_run: datetime) -> None:
    """Set a stored job's next run time, as if the scheduler had been down since then."""
    import pickle

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        state = pickle.loads(
            connection.execute(
                text("SELECT job_state FROM scheduler_jobs WHERE id = :id"), {"id": job_id}
            ).scalar_one()
        )
        state["next_run_time"] = next_run
        connection.execute(
            text(
                "UPDATE scheduler_jobs SET job_state = :state, next_run_time = :at WHERE id = :id"
            ),
            {"state": pickle.dumps(state), "at": next_run.timestamp(), "id": job_id},
        )
    engine.dispose()


def test_runs_missed_while_down_coalesce_into_one(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    upgrade(url)
    runs: list[str] = []
    done, again = threading.Event(), threading.Event()

    def record(**parameters) -> None:
        runs.append("sustainability-checkins")
        (again if done.is_set() else done).set()

    monkeypatch.setitem(FLOWS, "sustainability-checkins", record)
    # Every minute of the two hours that began three hours ago: the job runs nowhere near
    # now, so whatever runs while the test waits is the coalesced catch-up alone.
    now = datetime.now(UTC)
    hours = ",".join(str((now - timedelta(hours=back)).hour) for back in (3, 2))
    job = Scheduled(
        "sustainability-checkins:0", "sustainability-checkins", f"* {hours} * * *", "UTC"
    )
    first = start(url, [job])
    first.shutdown(wait=True)
    # The scheduler was then down for three hours: a hundred runs or more were missed.
    rewind_stored_job(url, job.job_id, now - timedelta(hours=3))
    assert runs == []
    second = start(url, [job])
    assert done.wait(10)
    assert not again.wait(0.5), "the missed runs ran once, not once each"
    second.shutdown(wait=True)
    assert runs == ["sustainability-checkins"]
    stored = second.get_job(job.job_id) if second.running else None
    assert stored is None or stored.max_instances == 1


def test_a_flow_never_overlaps_itself(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    upgrade(url)
    scheduler = start(url, scheduled())
    try:
        assert all(job.max_instances == 1 and job.coalesce for job in scheduler.get_jobs())
    finally:
        scheduler.shutdown(wait=True)


def test_sigterm_stops_the_scheduler_cleanly(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONTINUITY_")}
    env |= {
        "CONTINUITY_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "CONTINUITY_SECRET_KEY": "k" * 40,
    }
    script = Path(sys.executable).parent / "continuity"
    subprocess.run([script, "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen([script, "scheduler"], env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if "relationship-report:0 next at" in line:
            break
    process.send_signal(signal.SIGTERM)
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 0
    assert "finishing the running batch, then stopping" in rest and "stopped" in rest
