"""Pacing sends to the rate the mail server allows (`CONTINUITY_RATE_LIMIT`)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    """Spaces sends to at most `per_minute` a minute (0: no limit), from one loop."""

    def __init__(
        self,
        per_minute: int,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.sleep = sleep
        self.monotonic = monotonic
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.monotonic()
        if self.next_at > now:
            self.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval
