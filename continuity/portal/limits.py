"""Throttling failed token look-ups per client, in bounded memory, without ever refusing a
valid link: a look-up is always made, and only a client's *failed* look-ups beyond the
limit are answered 429 instead of 404."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_SECONDS = 600.0
DEFAULT_MAX_CLIENTS = 10_000


def client_key(host: str | None) -> str:
    """Return the key a client's failures are counted under: an IPv6 address's /64 (one
    subscriber is usually given a whole /64, so counting single addresses would let it
    rotate through 2^64 of them), any other address or name as it is, "unknown" for none."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class FailureLimiter:
    """Counts failed look-ups per client over a sliding window.

    Memory is bounded: at most `max_clients` clients are tracked (the least recently
    failing one is forgotten first; clients whose failures all left the window are dropped
    as they age), each with at most `limit + 1` timestamps. Thread-safe: the portal looks
    tokens up in a thread pool."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or max_clients < 1:
            raise ValueError("limit and max_clients must be at least 1")
        self.limit, self.window, self.max_clients = limit, window_seconds, max_clients
        self.monotonic = monotonic
        # Ordered from the least to the most recently failing client.
        self._clients: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._clients)

    def record(self, client: str) -> int:
        """Record a failed look-up by `client`. Return 0 while its failures in the window
        (this one included) are within the limit; else the whole seconds (at least 1)
        after which a failure would be within it again, for a Retry-After header."""
        with self._lock:
            now = self.monotonic()
            self._forget_expired(now)
            failures = self._clients.pop(client, None) or deque(maxlen=self.limit + 1)
            failures.append(now)
            self._clients[client] = failures
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            while failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) <= self.limit:
                return 0
            # The deque holds limit + 1 failures: a new one is within the limit once the
            # two oldest have left the window.
            return max(1, math.ceil(failures[1] + self.window - now))

    def _forget_expired(self, now: float) -> None:
        # The least recently failing client comes first: once its last failure is inside
        # the window, so are everyone else's.
        while self._clients:
            oldest = next(iter(self._clients.values()))
            if oldest[-1] > now - self.window:
                return
            self._clients.popitem(last=False)
