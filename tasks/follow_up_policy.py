"""The default follow-up policy (a versioned TOML file) and the plan windows it implies."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from db.models import TouchpointKind
from tasks.cadence import validated_cadence

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "config" / "follow-up-policy.toml"


class PolicyError(Exception):
    """The policy file is unreadable or invalid; the message names the file and the field."""


class Touchpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: TouchpointKind
    cadence: str
    first_after_months: int = Field(ge=0, le=120)
    for_months: int = Field(ge=1, le=240)

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, value: str) -> str:
        return validated_cadence(value)


class FollowUpPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    touchpoints: tuple[Touchpoint, ...]

    @field_validator("touchpoints")
    @classmethod
    def _one_per_kind(cls, value: tuple[Touchpoint, ...]) -> tuple[Touchpoint, ...]:
        kinds = [touchpoint.kind for touchpoint in value]
        if len(kinds) != len(set(kinds)):
            raise ValueError("each touchpoint kind may appear once")
        return value


@dataclass(frozen=True)
class PlanWindow:
    starts_at: datetime
    ends_at: datetime


def load_policy(path: Path = DEFAULT_POLICY) -> FollowUpPolicy:
    """Return the policy in `path`; raise `PolicyError` naming the file and the bad field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return FollowUpPolicy.model_validate(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path}: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PolicyError(f"{path}: {where}: {first['msg']}") from None


def plan_window(touchpoint: Touchpoint, ended_on: date, time_zone: str) -> PlanWindow:
    """Return when a plan for `touchpoint` starts and ends, counted from local midnight of
    the day the partnership ended."""
    midnight = datetime.combine(ended_on, time(), tzinfo=ZoneInfo(time_zone))
    return PlanWindow(
        starts_at=midnight + relativedelta(months=touchpoint.first_after_months),
        ends_at=midnight + relativedelta(months=touchpoint.for_months),
    )
