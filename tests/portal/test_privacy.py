"""The person's data page (`/data/<token>`) over HTTP: a GET never changes anything, the
download and the erasure take the page's POST, each page in the person's language, and
an erased person's links all stop working."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import Engine, select

import tests.portal.test_app as portal_tests
from db.engine import transaction
from db.models import Contact
from tests.portal.test_app import AWA, csrf_of, path
from tests.readers import no_wait_for_readers, reading

# The portal tests' fixtures, shared.
client, links = portal_tests.client, portal_tests.links

PENA = "mj.pena@funiter.example.co"
KAMAU = "p.kamau@kccpn.example.or.ke"


def data_link(links: dict, address: str) -> str:
    return path(links[address]["respond"]).replace("/r/", "/data/")


def contact(engine: Engine, email: str | None = AWA, number: int | None = None) -> Contact:
    with transaction(engine) as session:
        where = Contact.id == number if number else Contact.email == email
        return session.scalars(select(Contact).where(where)).one()


def test_the_form_page_leads_to_the_data_page(client, links) -> None:
    form = client.get(path(links[AWA]["respond"]))
    assert f'href="{data_link(links, AWA)}"' in form.text
    assert "Vos données : voir ce que l'UNICEF conserve sur vous" in form.text


@pytest.mark.parametrize(
    ("address", "language", "title"),
    [(AWA, "fr", "Vos données"), (PENA, "es", "Sus datos"), (KAMAU, "en", "Your data")],
)
def test_the_data_page_speaks_the_person_s_language(
    client, links, address: str, language: str, title: str
) -> None:
    page = client.get(data_link(links, address))
    assert page.status_code == 200
    assert f'<html lang="{language}" dir="ltr">' in page.text and f"<h1>{title}</h1>" in page.text


def test_no_get_changes_anything(client, links, imported: Engine) -> None:
    link = data_link(links, AWA)
    assert client.get(link).status_code == 200
    assert client.get(f"{link}/forget").status_code == 200
    assert client.get(f"{link}/export").status_code == 405
    kept = contact(imported)
    assert (kept.erased_at, kept.opted_out_at, kept.name) == (None, None, "Awa Ndiaye")


def test_a_post_without_the_page_s_csrf_token_does_nothing(client, links, imported) -> None:
    link = data_link(links, AWA)
    for action in ("export", "forget"):
        for fields in ({}, {"csrf": "1.abc"}, {"csrf": "x" * 5000}):
            refused = client.post(f"{link}/{action}", data=fields)
            assert refused.status_code in (403, 413), (action, fields)
            assert "Awa" not in refused.text
    assert contact(imported).erased_at is None


def test_the_download_is_the_export_as_a_json_file(client, links) -> None:
    link = data_link(links, AWA)
    done = client.post(f"{link}/export", data={"csrf": csrf_of(client.get(link).text)})
    assert done.status_code == 200
    assert done.headers["content-type"].startswith("application/json")
    assert done.headers["content-disposition"].startswith("attachment;")
    document = json.loads(done.text)
    assert [c["name"] for c in document["contacts"]] == ["Awa Ndiaye"]
    assert [m["kind"] for m in document["messages"]] == ["sustainability_checkin"]


def test_forgetting_erases_them_and_every_link_stops_working(client, links, imported) -> None:
    number = contact(imported).id
    forget = f"{data_link(links, AWA)}/forget"
    done = client.post(forget, data={"csrf": csrf_of(client.get(forget).text)})
    assert done.status_code == 200 and "<h1>Vos données ont été effacées</h1>" in done.text
    erased = contact(imported, number=number)
    assert (erased.name, erased.email, erased.erased_at is not None) == ("", None, True)
    for link in (links[AWA]["respond"], links[AWA]["opt_out"], data_link(links, AWA)):
        gone = client.get(path(link))
        assert gone.status_code == 404 and "This link is not valid" in gone.text
        assert "Awa" not in gone.text and "Ndiaye" not in gone.text


@pytest.mark.parametrize(
    "token", ["x" * 200, "%00%0d%0a", "not-a-token-0000000000000000000000000000000"]
)
def test_a_bad_token_opens_nothing(client, token: str) -> None:
    for route in (f"/data/{token}", f"/data/{token}/forget"):
        assert client.get(route).status_code == 404


def test_a_staff_members_link_neither_exports_nor_erases(client, links, imported) -> None:
    """A focal point's digest carries a link too; theirs is the desk's to act on."""
    from db.models import Partner

    with transaction(imported) as session:
        staff = Partner(
            vendor_number="UNICEF", name="UNICEF", language="en", time_zone="UTC", is_unicef=True
        )
        session.add(staff)
        session.scalars(select(Contact).where(Contact.email == AWA)).one().partner = staff
    link = data_link(links, AWA)
    assert client.get(link).status_code == 404
    for action in ("export", "forget"):
        assert client.post(f"{link}/{action}", data={"csrf": "1.abc"}).status_code == 404
    assert contact(imported).erased_at is None


def test_forgetting_while_another_process_reads_erases_them_and_warns_staff(
    client, links, imported: Engine, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    if imported.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps old row versions until VACUUM (see the README)")
    no_wait_for_readers(monkeypatch)
    number = contact(imported).id
    forget = f"{data_link(links, AWA)}/forget"
    csrf = csrf_of(client.get(forget).text)
    with caplog.at_level(logging.WARNING), reading(imported):
        done = client.post(forget, data={"csrf": csrf})
    assert done.status_code == 200 and "<h1>Vos données ont été effacées</h1>" in done.text
    assert contact(imported, number=number).erased_at is not None
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "write-ahead log still holds old pages" in warning
    assert "continuity db purge" in warning
    assert not any(part in warning for part in (AWA, "Awa", "Ndiaye", str(number)))
