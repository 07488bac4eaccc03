"""Pacing sends to the rate the mail server allows (`CONTINUITY_RATE_LIMIT`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces sends to at most `per_minute` a minute (0: no limit), shared by the lanes
    of a worker (tasks/outbox/lanes.py): each send takes the next free slot."""

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
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when this send's slot has come: at once if the last slot is past."""
        if not self.interval:
            return
        with self._lock:
            now = self.monotonic()
            slot = max(now, self.next_at)
            self.next_at = slot + self.interval
        if slot > now:
            self.sleep(slot - now)
