"""Small helpers for working with rows in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")

# Stays well below SQLite's bound-parameter limit and PostgreSQL's comfortable IN sizes.
CHUNK = 500


def in_chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """Yield lists of at most `size` items, in order."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def assign_changed(row: Any, values: dict[str, Any]) -> bool:
    """Set on `row` the attributes whose value differs; return True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
