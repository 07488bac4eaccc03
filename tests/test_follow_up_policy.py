from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from db.models import TouchpointKind
from tasks.follow_up_policy import PolicyError, load_policy, plan_window


def test_the_shipped_policy_loads_and_follows_every_ended_partnership() -> None:
    policy = load_policy()
    kinds = {touchpoint.kind for touchpoint in policy.touchpoints}
    assert TouchpointKind.SUSTAINABILITY_CHECKIN in kinds
    assert TouchpointKind.POLICY_DIGEST in kinds
    assert TouchpointKind.CONSULTATION_INVITATION in kinds


def test_a_plan_window_is_counted_from_local_midnight_of_the_end_date() -> None:
    checkin = next(
        t for t in load_policy().touchpoints if t.kind == TouchpointKind.SUSTAINABILITY_CHECKIN
    )
    window = plan_window(checkin, date(2024, 12, 31), "Africa/Dakar")
    dakar = ZoneInfo("Africa/Dakar")
    assert window.starts_at == datetime(2025, 6, 30, tzinfo=dakar)
    assert window.ends_at == datetime(2027, 12, 31, tzinfo=dakar)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("version = 1\n[[touchpoints]]\nkind = 'telegram'\n", "touchpoints.0.kind"),
        ("version = 0\ntouchpoints = []\n", "version"),
        ("version = 1\n[[touchpoints]\n", "follow-up.toml"),
        (
            "version = 1\n[[touchpoints]]\nkind='policy_digest'\ncadence='weekly'\n"
            "first_after_months=0\nfor_months=1\n",
            "unknown cadence",
        ),
        (
            "version = 1\n" + "[[touchpoints]]\nkind='policy_digest'\ncadence='on event'\n"
            "first_after_months=0\nfor_months=1\n" * 2,
            "once",
        ),
        ("version = 1\ntouchpoints = []\nsurprise = true\n", "surprise"),
    ],
)
def test_a_bad_policy_names_file_and_field(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "follow-up.toml"
    path.write_text(content)
    with pytest.raises(PolicyError, match=fragment) as raised:
        load_policy(path)
    assert str(raised.value).startswith(str(path))


def test_a_missing_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="No such file"):
        load_policy(tmp_path / "absent.toml")
