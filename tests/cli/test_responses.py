"""`continuity response list` and `handle`, as staff run them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from tests.pipeline import SENT, reply
from tests.responses.test_partner_messages import REFERENCE, REPLY

runner = CliRunner()


def listing(*options: str) -> list[dict]:
    result = runner.invoke(app, ["response", "list", "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_json_shows_what_each_partner_wrote(checkins: Engine) -> None:
    reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT + timedelta(days=1))
    reply(checkins, "o.ba@rjsc-kolda.example.org", "Les pairs éducateurs continuent.", SENT)
    rows = listing()
    assert [row["text"] for row in rows] == [REPLY, "Les pairs éducateurs continuent."]
    for row in rows:
        assert {"id", "partnership", "partner", "received_at", "channel", "kind", "text"} <= set(
            row
        )
        assert row["handled"] is False
    assert [row["text"] for row in listing("--partnership", REFERENCE)] == [REPLY]


def test_handle_drops_the_message_from_the_unhandled_list(checkins: Engine) -> None:
    ident = reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT)
    other = reply(checkins, "o.ba@rjsc-kolda.example.org", "Merci.", SENT + timedelta(hours=1))
    result = runner.invoke(
        app, ["response", "handle", str(ident), "--by", "Aïssatou Sow", "--note", "rappelée"]
    )
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in listing("--unhandled")] == [other]
    (handled,) = [row for row in listing() if row["id"] == ident]
    assert (handled["handled"], handled["handled_by"], handled["handled_note"]) == (
        True,
        "Aïssatou Sow",
        "rappelée",
    )


def test_the_words_are_printed_as_written_never_as_markup(checkins: Engine) -> None:
    hostile = "[bold red]urgent[/] <script>alert(1)</script> [link=http://x]y[/link]"
    reply(checkins, "a.ndiaye@asef-senegal.example.org", hostile, SENT)
    result = runner.invoke(app, ["response", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert hostile in result.stdout
    assert "Awa Ndiaye" in result.stdout and REFERENCE in result.stdout


def test_a_typo_in_a_filter_is_an_error_not_silence(checkins: Engine) -> None:
    for option in (["--partnership", "SEN/NOPE"], ["--partner", "0000"]):
        result = runner.invoke(app, ["response", "list", *option])
        assert result.exit_code == 1 and "no partner" in result.output


def test_handle_refuses_an_unknown_message_and_an_empty_name(checkins: Engine) -> None:
    ident = reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT)
    assert runner.invoke(app, ["response", "handle", "999999", "--by", "Awa"]).exit_code == 1
    assert runner.invoke(app, ["response", "handle", str(ident), "--by", " "]).exit_code == 1
    assert runner.invoke(app, ["response", "handle", str(ident)]).exit_code == 2


def test_the_list_says_when_it_shows_only_the_newest(checkins: Engine) -> None:
    for hour in range(3):
        reply(checkins, "o.ba@rjsc-kolda.example.org", f"mot {hour}", SENT + timedelta(hours=hour))
    result = runner.invoke(app, ["response", "list", "--json", "--limit", "2"])
    assert [row["text"] for row in json.loads(result.stdout)] == ["mot 2", "mot 1"]
    assert "--limit 0" in result.stderr
    since = datetime(2026, 12, 1, 13, tzinfo=UTC).isoformat()
    assert [row["text"] for row in listing("--since", since)] == ["mot 2", "mot 1"]
