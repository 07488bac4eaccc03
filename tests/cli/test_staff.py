from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import ConsultationEvent, Evaluation, PolicyUpdate

runner = CliRunner()


@pytest.fixture
def cli(imported: Engine, app_env):
    return lambda *args: runner.invoke(app, list(args))


def stored(engine: Engine, model) -> list:
    with transaction(engine) as session:
        return list(session.scalars(select(model)))


def test_an_event_is_recorded_from_options(cli, imported: Engine) -> None:
    result = cli(
        "event",
        "add",
        "--title",
        "fr=Consultation régionale",
        "--title",
        "en=Regional consultation",
        "--starts-at",
        "2027-02-10T09:30:00+00:00",
        "--place",
        "Dakar",
        "--country",
        "SEN",
        "--section",
        "Education",
        "--rsvp-by",
        "2027-02-01T00:00:00Z",
    )
    assert result.exit_code == 0, result.output
    assert "recorded consultation event 1" in result.stdout
    (event,) = stored(imported, ConsultationEvent)
    assert event.title == {"fr": "Consultation régionale", "en": "Regional consultation"}
    assert event.countries == ["SEN"]


def test_an_event_file_is_recorded(cli, imported: Engine, tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    path.write_text(
        'title = { es = "Foro" }\nstarts_at = 2027-03-01T15:00:00Z\nlink = "https://meet.example.org/foro"\n',
        "utf-8",
    )
    assert cli("event", "add", str(path)).exit_code == 0
    assert stored(imported, ConsultationEvent)[0].link == "https://meet.example.org/foro"


def test_bad_event_input_names_each_field_and_writes_nothing(cli, imported: Engine) -> None:
    result = cli("event", "add", "--title", "fr=X", "--starts-at", "tomorrow", "--country", "ZZZ")
    assert result.exit_code == 1
    assert "starts_at:" in result.stderr
    assert "countries.0:" in result.stderr
    assert stored(imported, ConsultationEvent) == []


@pytest.mark.parametrize(
    ("options", "kept"),
    [
        (["--place", "Dakar"], {"und": "Dakar"}),
        (["--place", "Salle A=B"], {"und": "Salle A=B"}),
        (
            ["--place", "fr=Dakar et en ligne", "--place", "en=Dakar and online"],
            {"fr": "Dakar et en ligne", "en": "Dakar and online"},
        ),
        (["--place", "ar=داكار"], {"ar": "داكار"}),
    ],
)
def test_an_events_place_is_given_once_or_per_language(
    cli, imported: Engine, options: list[str], kept: dict[str, str]
) -> None:
    when = ["--starts-at", "2027-02-10T09:30:00+00:00"]
    result = cli("event", "add", "--title", "fr=Forum", *when, *options)
    assert result.exit_code == 0, result.output
    assert stored(imported, ConsultationEvent)[0].place == kept


def test_places_in_two_languages_name_each(cli, imported: Engine) -> None:
    when = ["--starts-at", "2027-02-10T09:30:00+00:00"]
    mixed = ["--place", "Dakar", "--place", "en=Dakar and online"]
    assert cli("event", "add", "--title", "fr=Forum", *when, *mixed).exit_code == 2
    unknown = ["--place", "de=Dakar", "--place", "en=Dakar and online"]
    result = cli("event", "add", "--title", "fr=Forum", *when, *unknown)
    assert result.exit_code == 1 and "place.languages.de" in result.stderr
    assert stored(imported, ConsultationEvent) == []


def test_a_title_option_without_a_language_is_refused(cli) -> None:
    result = cli("event", "add", "--title", "no language here")
    assert result.exit_code == 2
    assert "LANG=TEXT" in result.output


def test_an_update_is_recorded(cli, imported: Engine) -> None:
    result = cli(
        "update",
        "add",
        "--category",
        "new_priority",
        "--title",
        "en=Climate",
        "--body",
        "en=Resilience first.",
        "--country",
        "KEN",
    )
    assert result.exit_code == 0, result.output
    (update,) = stored(imported, PolicyUpdate)
    assert update.category == "new_priority"


def test_an_evaluation_with_a_stranger_as_contributor_is_refused(
    cli, imported: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "evaluation.toml"
    path.write_text(
        'partnership = "SEN/PCA2021001/PD2021004"\ncompleted_on = 2025-05-20\n'
        'conclusions = { fr = "Solides." }\nlessons = { fr = "Tôt." }\n'
        'recommendations = { fr = "Étendre." }\n'
        'contributors = ["stranger@example.org"]\n',
        "utf-8",
    )
    result = cli("evaluation", "add", str(path))
    assert result.exit_code == 1
    assert "not contacts of this partner: stranger@example.org" in result.stderr
    assert stored(imported, Evaluation) == []
    path.write_text(
        path.read_text().replace("stranger@example.org", "a.ndiaye@asef-senegal.example.org")
    )
    assert cli("evaluation", "add", str(path)).exit_code == 0
    assert len(stored(imported, Evaluation)) == 1


def test_partner_text_is_never_read_as_terminal_markup(
    cli, imported: Engine, app_env, tmp_path: Path
) -> None:
    import mailbox
    from datetime import UTC, datetime

    from tasks.responses.collect import collect_mail
    from tasks.settings import get_settings

    hostile = "[bold red]hello[/] [link=https://evil.example]x[/link]"
    raw = f"From: x@elsewhere.example\r\nSubject: {hostile}\r\nMessage-ID: <m1@x>\r\n\r\nhi\r\n"
    mailbox.Maildir(tmp_path / "inbox", create=True).add(raw.encode())
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    collect_mail(imported, get_settings(), datetime.now(UTC))
    result = runner.invoke(app, ["inbox", "unmatched"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert hostile in result.stdout


def test_the_contributors_of_an_evaluation_are_listed_with_how_they_engaged(
    cli, tmp_path: Path
) -> None:
    path = tmp_path / "evaluation.toml"
    path.write_text(
        'partnership = "SEN/PCA2021001/PD2021004"\ncompleted_on = 2025-05-20\n'
        'conclusions = { fr = "Solides." }\nlessons = { fr = "Tôt." }\n'
        'recommendations = { fr = "Étendre." }\n'
        'contributors = ["a.ndiaye@asef-senegal.example.org"]\n',
        "utf-8",
    )
    assert cli("evaluation", "add", str(path)).exit_code == 0
    shown = runner.invoke(app, ["evaluation", "contributors"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "Awa Ndiaye" in shown.stdout and "not yet planned" in shown.stdout
    assert "a.ndiaye@" not in shown.stdout
    none = runner.invoke(app, ["evaluation", "contributors", "--evaluation", "99"])
    assert "Evaluation contributors (0)" in none.stdout
