from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.people.world import exports, import_into


@pytest.fixture
def people(engine: Engine, tmp_path: Path) -> Engine:
    """Jean-Baptiste (an internationalised address) at two partners, Moussa Fall (none)."""
    import_into(engine, exports(tmp_path))
    return engine
