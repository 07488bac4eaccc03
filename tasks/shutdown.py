"""A process-wide request to stop: long runs finish the batch in hand, then stop."""

from __future__ import annotations

import threading

_STOP = threading.Event()


def request_stop() -> None:
    _STOP.set()


def stop_requested() -> bool:
    return _STOP.is_set()
