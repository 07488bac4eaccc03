"""An SMTP sink in its own process: accepts everything, counts Message-IDs, and writes the
counts to a file when told to stop (SIGTERM). `Sink` starts and stops one."""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """The sink process on a free port; `stop()` returns how often each Message-ID came."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.report = workdir / f"sink-{self.port}.json"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.sink",
                "--port",
                str(self.port),
                "--report",
                str(self.report),
            ]
        )
        ready = self.report.with_suffix(".ready")
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?security=none"

    def stop(self) -> dict[str, int]:
        self.process.terminate()
        self.process.wait(timeout=60)
        counts: dict[str, int] = json.loads(self.report.read_text())
        return counts


class Counting:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        match = _ID.search(envelope.original_content or b"")
        self.ids[match.group(1).decode() if match else "?"] += 1
        return "250 2.0.0 Ok"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--report", type=Path, required=True)
    arguments = parser.parse_args()
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=arguments.port, ready_timeout=10)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    arguments.report.with_suffix(".ready").write_text("ready")
    stop.wait()
    controller.stop()
    arguments.report.write_text(json.dumps(dict(handler.ids)))


if __name__ == "__main__":
    main()
