"""The open-data package (relogement export open-data): valid Frictionless, no identity,
figures equal to the dashboard's, bad input refused in French."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from relogement.runtime.cli import main


def _cli(database_url: str, *args: str):
    return CliRunner().invoke(main, ["--database", database_url, *args], catch_exceptions=False)


@pytest.fixture
def package(database_url, tmp_path):
    assert _cli(database_url, "demo", "--households", "30").exit_code == 0
    out = tmp_path / "paquet"
    result = _cli(database_url, "export", "open-data", "--project", "MEL", str(out))
    assert result.exit_code == 0, result.output
    return database_url, out


def test_package_validates_and_carries_no_identity(package):
    from frictionless import validate

    database_url, out = package
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    assert descriptor["position"] > 0 and descriptor["instant"]
    names = {r["name"] for r in descriptor["resources"]}
    assert {"baux_signes", "menages_inscrits", "propositions", "tableau_de_bord", "indicateurs_semestriels"} <= names
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["description"] and field["description_en"], (resource["name"], field["name"])
        header = next(csv.reader((out / resource["path"]).open(encoding="utf-8")))
        assert not {"personal", "by_user", "address", "ages", "motive_text", "comment"} & set(header)
        assert not any(h.startswith("personal") for h in header)
    text = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
    assert "_type_" not in text and "decimal_str" not in text
    assert "@" not in text  # no staff login, no e-mail


def test_lease_rows_join_household_and_offer(package):
    _, out = package
    rows = list(csv.DictReader((out / "baux_signes.csv").open(encoding="utf-8")))
    assert rows and all(r["household_id"] and r["offer_id"] and r["proposal_id"] for r in rows)


def test_bad_input_is_refused_in_french(database_url, tmp_path):
    assert _cli(database_url, "demo", "--small").exit_code == 0
    unknown = CliRunner().invoke(main, ["--database", database_url, "export", "open-data", "--project", "NOPE", str(tmp_path / "a")])
    assert unknown.exit_code != 0 and "inconnu" in unknown.output
    bad_date = CliRunner().invoke(main, ["--database", database_url, "export", "open-data", "--project", "NOPE",
                                         "--as-of", "31/02/2026", str(tmp_path / "b")])
    assert bad_date.exit_code != 0 and "date attendue" in bad_date.output
    full = tmp_path / "plein"
    full.mkdir()
    (full / "x.txt").write_text("x")
    busy = CliRunner().invoke(main, ["--database", database_url, "export", "open-data", "--project", "NOPE", str(full)])
    assert busy.exit_code != 0 and "n'est pas vide" in busy.output


def test_evaluation_script_recomputes_the_dashboard(package):
    import importlib.util
    from pathlib import Path

    _, out = package
    spec = importlib.util.spec_from_file_location("evaluation_example", Path(__file__).parents[1] / "docs" / "evaluation_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mine = module.headline(str(out))
    board = next(r for r in csv.DictReader((out / "tableau_de_bord.csv").open(encoding="utf-8")) if r["scope"] == "projet")
    assert int(board["position"]) == mine["position"]
    for key in ("inscrits", "reloges", "sortis", "rav_personne_hausse", "rav_personne_baisse"):
        assert mine[key] == int(board[key]), key
    for key in ("hors_qpv_taux", "inter_bailleur_taux", "neuf_moins_5_ans_taux"):
        assert abs(mine[key] - float(board[key])) < 0.006, key
    for key in ("rav_personne_evolution_moyenne", "taux_effort_evolution_moyenne"):
        assert abs(mine[key] - float(board[key])) < 0.001, key
