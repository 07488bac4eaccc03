"""An SMTP sink in its own process: accepts everything, counts Message-IDs, and writes the
counts to a file when told to stop (SIGTERM)."""

from __future__ import annotations

import argparse
import json
import re
import signal
import threading
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller

_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counting:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope) -> str:
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
