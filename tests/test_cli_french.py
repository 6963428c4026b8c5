"""The command line answers in French throughout (issue 23, point 18): click's usage
errors (unknown command or option, missing option, bad value of a typed option), our own
refusals and the help headings; no English "Error: Invalid value:" prefix. The scheduler
command keeps APScheduler's per-run INFO lines out of the console.
"""

from __future__ import annotations

import logging
import re

import pytest
from click.testing import CliRunner

from relogement.runtime import cli_french
from relogement.runtime.cli import main

ENGLISH = re.compile(
    r"\b(Error|Invalid value|Missing|No such|Usage:|Try '|is not|does not|Did you mean|"
    r"Show this message|required|Aborted)\b"
)


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="relogement")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["pas-une-commande"], "Erreur : Commande inconnue : 'pas-une-commande'."),
        (["export", "anru", "-o", "x.xlsx"], "Erreur : Option obligatoire manquante : '--project'."),
        (["export", "anru", "--projet", "MEL"], "Erreur : Option inconnue : '--projet'. Vouliez-vous dire '--project' ?"),
        (["demo", "--households", "0"],
         "Erreur : valeur invalide pour '--households' : 0 n'est pas dans l'intervalle 1<=x<=100000."),
        (["demo", "--households", "beaucoup"],
         "Erreur : valeur invalide pour '--households' : 'beaucoup' n'est pas un nombre valide."),
        (["demo", "--start", "01/01/2024"],
         "Erreur : valeur invalide pour '--start' : '01/01/2024' ne correspond pas au format '%Y-%m-%d'."),
        (["user-create", "--login", "x", "--org", "MEL", "--role", "chef", "--password", "p"],
         "Erreur : valeur invalide pour '--role' : 'chef' ne fait pas partie des valeurs possibles : "),
        (["scheduler", "--interval", "1"],
         "Erreur : valeur invalide pour '--interval' : 1 n'est pas dans l'intervalle 5<=x<=3600."),
        (["history", "pas-un-uuid"], "Erreur : valeur invalide pour AGGREGATE_ID : identifiant invalide : pas-un-uuid"),
        (["export", "anru", "--project", "MEL", "--as-of", "2026-06-30", "-o", "x.xlsx"],
         "Erreur : valeur invalide pour '--as-of' : date attendue au format jj/mm/aaaa : 2026-06-30"),
        (["export", "open-data", "--project", "MEL"], "Erreur : Argument obligatoire manquant : 'DIRECTORY'."),
        (["export", "anru", "--project", "MEL", "-o", "x.xlsx", "de-trop"], "Erreur : Argument en trop : de-trop"),
    ],
)
def test_usage_errors_are_french(args, expected):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Usage : relogement" in result.output and "Aide : « relogement" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_help_is_french():
    result = run("export", "anru", "--help")
    assert result.exit_code == 0
    assert "Affiche cette aide et quitte." in result.output
    assert "Usage : relogement export anru" in result.output
    assert not ENGLISH.search(result.output), result.output
    assert "Commandes" in run("--help").output


def test_unknown_project_names_the_known_codes(database_url, tmp_path):
    assert run("--database", database_url, "demo", "--small").exit_code == 0
    result = run("--database", database_url, "export", "anru", "--project", "LS-X", "-o", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 1
    assert result.output.strip() == "Erreur : Projet inconnu : « LS-X » (codes connus : LS)."
    assert not (tmp_path / "a.xlsx").exists()


def test_every_click_message_has_its_french_template():
    """Click's templates used above are in the table (a click upgrade that rewords one
    shows up here, not in front of an operator)."""
    for template in ("Error: {message}", "Invalid value for {param_hint}: {message}", "Missing option",
                     "No such command {name!r}.", "Try '{command} {option}' for help.", "Usage:"):
        assert cli_french.gettext(template) != template


def test_scheduler_console_leaves_out_apscheduler_info(monkeypatch):
    import relogement.runtime.scheduler as scheduler

    monkeypatch.setattr(scheduler, "run", lambda *a, **k: None)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)
    try:
        assert run("scheduler", "--once").exit_code == 0
        apscheduler = logging.getLogger("apscheduler.executors.default")
        assert not apscheduler.isEnabledFor(logging.INFO)
        assert apscheduler.isEnabledFor(logging.WARNING)
    finally:
        logging.getLogger("apscheduler").setLevel(logging.NOTSET)
