"""Migration 0013 takes eTools' role out of the names of contacts already held, as the
import now splits it, on SQLite and PostgreSQL: a role set by hand stays staff's, a name
with no role of its own is left as it is, and going down puts the roles back."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, text

from db.engine import make_engine, transaction
from db.migrate import alembic_config, upgrade
from tasks.people.erasure import erase
from tasks.people.person import find_person

OLD = datetime(2026, 11, 2, 9, 30)
DOWN = "SELECT name, role FROM contacts ORDER BY id"
LONG = "Chargée de programme " * 10
# name before, role before → name after, role after, set by staff
CONTACTS = [
    ("Fatou Bintou Sarr (Coordinatrice, Thiès)", "staff member", "Fatou Bintou Sarr",
     "Coordinatrice, Thiès", False),
    ("Awa Diop (Coordinatrice)", "Directrice", "Awa Diop", "Directrice", True),
    ("Binta Fall", "Trésorière", "Binta Fall", "Trésorière", True),
    ("فاطمة الزهراء (منسقة، الرباط)", "staff member", "فاطمة الزهراء", "منسقة، الرباط", False),
    ("王芳（项目主任，北京）", "staff member", "王芳", "项目主任，北京", False),  # noqa: RUF001 (meant)
    ("Иван Петров (Координатор)", "staff member", "Иван Петров", "Координатор", False),
    ("Moussa (Pape) Ba", "staff member", "Moussa (Pape) Ba", "staff member", False),
    ("Ndeye (Coordinatrice", "staff member", "Ndeye (Coordinatrice", "staff member", False),
    ("(Coordinatrice)", "staff member", "(Coordinatrice)", "staff member", False),
    ("Khady Sy ()", "staff member", "Khady Sy", "staff member", False),
    (f"Ousmane Kane ({LONG})", "staff member", "Ousmane Kane",
     LONG.strip()[:127].rstrip() + "…", False),
    ("", "staff member", "", "staff member", False),
    ("Awa Sy ", "staff member", "Awa Sy ", "staff member", False),
]  # fmt: skip
# UNICEF's own staff, named by staff in the directory, keep their names as written.
FOCAL_POINT = "Aïssatou Sow (Éducation)"


def insert_contacts(connection: Connection) -> None:
    for number, (vendor, unicef) in enumerate((("2500123456", False), ("UNICEF", True)), 1):
        connection.execute(
            text(
                "INSERT INTO partners (id, vendor_number, name, short_name, partner_type,"
                " cso_type, country, language, time_zone, is_unicef, created_at, updated_at)"
                " VALUES (:id, :vendor, 'P', '', '', '', 'SEN', 'fr', 'Africa/Dakar', :unicef,"
                " :at, :at)"
            ),
            {"id": number, "vendor": vendor, "unicef": unicef, "at": OLD},
        )
    named = [(name, role, 1) for name, role, *_ in CONTACTS] + [(FOCAL_POINT, "staff member", 2)]
    for number, (name, role, partner) in enumerate(named, start=1):
        connection.execute(
            text(
                "INSERT INTO contacts (id, partner_id, name, email, email_key, role, language,"
                " active, soft_bounces, hard_bounces, created_at, updated_at) VALUES (:id,"
                " :partner, :name, :email, :email, :role, 'fr', true, 0, 0, :at, :at)"
            ),
            {"id": number, "partner": partner, "name": name, "role": role,
             "email": f"c{number}@example.org", "at": OLD},
        )  # fmt: skip


def test_upgrading_splits_roles_out_of_names_and_going_down_puts_them_back(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0012")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        insert_contacts(connection)
    upgrade(database_url)
    query = text("SELECT name, role, role_by_staff FROM contacts ORDER BY id")
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(query)]
    assert rows == [
        *((name, role, by_staff) for _, _, name, role, by_staff in CONTACTS),
        (FOCAL_POINT, "staff member", False),
    ]
    command.downgrade(config, "0012")
    with engine.connect() as connection:
        down = [tuple(row) for row in connection.execute(text(DOWN))]
    assert down[0] == ("Fatou Bintou Sarr (Coordinatrice, Thiès)", "staff member")
    assert down[1:3] == [("Awa Diop", "Directrice"), ("Binta Fall", "Trésorière")]
    assert down[6:9] == [(name, role) for name, role, *_ in CONTACTS[6:9]]
    upgrade(database_url)
    with engine.connect() as connection:
        again = [tuple(row) for row in connection.execute(query)]
    assert again[0] == rows[0] and again[1] == rows[1]
    engine.dispose()


def test_an_erasure_after_the_upgrade_reaches_the_trail_written_under_the_old_name(
    database_url: str,
) -> None:
    """A partner's corrective-plan trail names who acted as the contact was named then
    ("partner: Fatou Bintou Sarr (Coordinatrice, Thiès)"); once 0013 split the name, an
    erasure must still take that actor away."""
    written = CONTACTS[0][0]
    command.downgrade(alembic_config(database_url), "0012")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        insert_contacts(connection)
        connection.execute(
            text(
                "INSERT INTO partnerships (id, reference_number, partner_id, title,"
                " document_type, agreement, status, country, offices, sections, focal_points,"
                " created_at, updated_at) VALUES (1, 'SEN/PCA1/PD1', 1, 'T', 'PD', 'SEN/PCA1',"
                " 'ended', 'SEN', '[]', '[]', '[]', :at, :at)"
            ),
            {"at": OLD},
        )
        connection.execute(
            text(
                "INSERT INTO corrective_plans (id, partnership_id, reason, status, outcome,"
                " recorded_by, created_at, updated_at) VALUES (1, 1, 'late', 'open', '',"
                " 'staff: Aïda', :at, :at)"
            ),
            {"at": OLD},
        )
        connection.execute(
            text(
                "INSERT INTO corrective_events (plan_id, at, actor, action, details)"
                " VALUES (1, :at, :actor, 'status update', '{}')"
            ),
            {"at": OLD, "actor": f"partner: {written}"},
        )
    upgrade(database_url)
    with transaction(engine) as session:
        now = OLD.replace(tzinfo=UTC)
        erase(session, find_person(session, "c1@example.org"), "asked", "Aïda", now, "s" * 48)
    with engine.connect() as connection:
        actors = list(connection.execute(text("SELECT actor FROM corrective_events")).scalars())
    engine.dispose()
    assert actors == ["partner: [erased]"]
