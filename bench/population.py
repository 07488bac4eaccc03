"""A synthetic population: partners with one ended partnership each and their contacts,
inserted in chunks (memory stays flat at 200,000 contacts)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert

from db.engine import transaction
from db.models import Contact, Partner, Partnership

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
COUNTRIES = [
    ("SEN", "fr", "Africa/Dakar"),
    ("COL", "es", "America/Bogota"),
    ("KEN", "en", "Africa/Nairobi"),
]
CHUNK = 2000


def populate(engine: Engine, partners: int, contacts_per_partner: int) -> None:
    """Insert `partners` partners (ids 1..partners), each with one ended partnership (same
    id) and `contacts_per_partner` contacts, in fr, es and en in turn."""
    with transaction(engine) as session:
        for start in range(0, partners, CHUNK):
            chunk = range(start, min(partners, start + CHUNK))
            session.execute(insert(Partner), [_partner(n) for n in chunk])
            session.execute(insert(Partnership), [_partnership(n) for n in chunk])
            session.execute(
                insert(Contact),
                [_contact(n, k) for n in chunk for k in range(contacts_per_partner)],
            )


def _partner(n: int) -> dict[str, Any]:
    country, language, zone = COUNTRIES[n % 3]
    return {
        "vendor_number": f"B{n:08d}",
        "name": f"Organisation {n}",
        "short_name": f"ORG{n}",
        "partner_type": "Civil Society Organization",
        "cso_type": "National",
        "country": country,
        "language": language,
        "time_zone": zone,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _partnership(n: int) -> dict[str, Any]:
    return {
        "reference_number": f"{COUNTRIES[n % 3][0]}/PCA{n:08d}/PD1",
        "partner_id": n + 1,
        "title": f"Programme {n}",
        "document_type": "PD",
        "status": "ended",
        "country": COUNTRIES[n % 3][0],
        "start_date": date(2021, 1, 1),
        "end_date": date(2024, 12, 31),
        "offices": [],
        "sections": ["Education"],
        "focal_points": [],
        "agreement": "",
        "created_at": NOW,
        "updated_at": NOW,
    }


def _contact(n: int, k: int) -> dict[str, Any]:
    return {
        "partner_id": n + 1,
        "name": f"Contact {n}-{k}",
        "email": f"c{n}.{k}@bench.example",
        "language": COUNTRIES[n % 3][1],
        "active": True,
        "soft_bounces": 0,
        "hard_bounces": 0,
        "role": "staff member",
        "created_at": NOW,
        "updated_at": NOW,
    }
