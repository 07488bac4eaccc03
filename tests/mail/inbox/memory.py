"""The collector's memory of a mailbox kept in a set, for reading an inbox without a
database (the collector keeps it in `inbox_marks`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tasks.mail.inbox import InboxItem


class Memory:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.uids: set[int] = set()
        self.asked: list[str] = []

    def among(self, names: Sequence[str]) -> set[str]:
        self.asked.extend(names)
        return self.names & set(names)

    def highest_uid(self) -> int:
        return max(self.uids, default=0)

    def remember(self, items: Iterable[InboxItem]) -> list[InboxItem]:
        """Record `items` as the collector would; return them."""
        kept = list(items)
        for item in kept:
            self.names.add(item.name)
            if item.uid is not None:
                self.uids.add(item.uid)
        return kept
