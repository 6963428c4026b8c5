"""The ``relogement`` command line (web/cli.py): init-db, demo, replay, history."""

from __future__ import annotations

import re
import subprocess
import sys
from uuid import uuid4

import pytest
from click.testing import CliRunner

from relogement.runtime.application import RelocationApp
from relogement.runtime.cli import main


@pytest.fixture
def cli(database_url):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)

    return run


def stored_events(database_url: str) -> list:
    app = RelocationApp(database_url)
    try:
        return list(app.notification_log.select(start=1, limit=app.log_section_size))
    finally:
        app.close()


def test_init_demo_replay_history(cli, database_url):
    result = cli("init-db")
    assert result.exit_code == 0, result.output
    assert "prêt" in result.output
    assert stored_events(database_url) == []  # the store exists and is empty
    assert cli("init-db").exit_code == 0  # idempotent

    result = cli("demo", "--small")
    assert result.exit_code == 0, result.output
    notes = stored_events(database_url)
    assert notes, "the demo stored events"
    assert re.search(rf"\b{len(notes)} événements", result.output), result.output

    result = cli("replay")
    assert result.exit_code == 0, result.output
    match = re.search(r"(\d+) événements rejoués, (\d+) agrégats", result.output)
    assert match, result.output
    assert int(match.group(1)) == len(notes)
    assert int(match.group(2)) == len({n.originator_id for n in notes})
    assert "Household" in result.output

    household_id = next(n.originator_id for n in notes if n.topic.endswith("HouseholdRegistered"))
    result = cli("history", str(household_id))
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len([n for n in notes if n.originator_id == household_id])
    assert "HouseholdRegistered" in lines[0] and lines[0].startswith("v1")
    assert "agent.lmh" in lines[0]  # who did it

    # A second demo on a non-empty store is refused, and stores nothing.
    result = cli("demo", "--small")
    assert result.exit_code != 0
    assert "déjà des événements" in result.output
    assert len(stored_events(database_url)) == len(notes)


def test_history_bad_uuid_is_a_clear_error(cli):
    result = cli("history", "pas-un-uuid")
    assert result.exit_code != 0
    assert "identifiant invalide : pas-un-uuid" in result.output


def test_history_unknown_uuid(cli):
    cli("init-db")
    unknown = uuid4()
    result = cli("history", str(unknown))
    assert result.exit_code != 0
    assert f"Aucun événement pour {unknown}" in result.output


def test_init_db_does_not_print_the_password(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite URLs carry no password")
    # Trust auth ignores the password, so the command really connects and succeeds.
    with_password = database_url.replace("postgres@", "postgres:s3cret@", 1)
    assert "s3cret" in with_password
    result = CliRunner().invoke(main, ["--database", with_password, "init-db"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "prêt" in result.output
    assert "s3cret" not in result.output


def test_console_script_is_installed(tmp_path):
    """The real entry point, in a subprocess: bad uuid → non-zero exit, message on stderr."""
    exe = [sys.executable, "-c", "from relogement.runtime.cli import main; main()"]
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    ok = subprocess.run([*exe, "--database", url, "init-db"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([*exe, "--database", url, "history", "123"], capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "identifiant invalide : 123" in bad.stderr


def test_demo_accounts_prints_every_login_with_its_organisation_and_role(cli):
    from relogement.web.demo_accounts import DEMO_PASSWORD

    assert cli("demo", "--small").exit_code == 0
    first = cli("demo-accounts")
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    rows = {line.split()[0]: line for line in first.output.splitlines() if line.startswith("  ")}
    assert re.search(r"lmh\.charge +Lille Métropole Habitat — Bailleur social +Chargé\(e\) de relogement +nouveau",
                     rows["lmh.charge"])
    assert "Partenaire" in rows["vls.partenaire"] and "Auditeur" in rows["anru.auditeur"]
    assert "Administrateur" in rows["admin"]
    created = int(re.search(r"(\d+) créé\(s\)", first.output).group(1))
    assert created == len(rows) - 1  # every row but the header is new

    again = cli("demo-accounts")  # scripts/run.sh runs it at every start: the table again
    assert f"0 créé(s), {created} déjà présent(s)" in again.output
    again_rows = [line.split()[0] for line in again.output.splitlines() if line.startswith("  ")]
    assert again_rows == list(rows)
    assert "nouveau" not in again.output
