"""Export ANRU (XLSX / CSV, one row per household, before / after): content read back with
openpyxl against the hand-worked programme of tests/anru_scenario.py, pseudonymisation,
as-of, reproducible bytes, and the CLI.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import anru_scenario
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from relogement.projections import anru_export, build_runner
from relogement.runtime.cli import main
from relogement.simulation import sample


@pytest.fixture
def story(app, clock, tmp_path):
    w, h, refs = anru_scenario.build(app, clock)
    runner = build_runner(app, batch_size=11)
    runner.catch_up()
    yield w, runner, refs, anru_scenario.reference(tmp_path)
    runner.close()


def xlsx(story, bailleur=None, position=None) -> bytes:
    w, runner, _, ref = story
    data = anru_export.anru_data(runner.engine, w.project_id, bailleur, position, reference=ref)
    return anru_export.anru_export(runner.engine, w.project_id, data=data)


def _sheet_rows(content: bytes, sheet: str = "Ménages") -> tuple[list[str], dict[str, dict]]:
    book = load_workbook(io.BytesIO(content))
    ws = book[sheet]
    values = list(ws.iter_rows(values_only=True))
    header = list(values[0])
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in values[1:]}


def test_workbook_of_one_bailleur(story):
    w, runner, refs, ref = story
    content = xlsx(story, w.orgs["LMH"])
    header, rows = _sheet_rows(content)
    # LMH is the bailleur of origin of I, A, D and G
    assert sorted(rows) == sorted(refs[k] for k in "IADG")
    a = rows[refs["A"]]
    expected = {
        "Bailleur d'origine (relogeur)": "Lille Métropole Habitat",
        "Quartier d'origine": "Faubourg de Béthune (LS-FAU)",
        "Statut": "Relogé",
        "Date d'inscription": datetime(2026, 1, 5),
        "Nombre de propositions": 1,
        "Personnes": 2, "Adultes": 2, "Enfants": 0, "Unités de consommation": 1.5,
        "Ressources mensuelles (€)": 1800,
        # before: 380 + 0 + 90 − 200 = 270 €; 270 / 60 m² = 4.50; TE 270 / 1 800 = 15 %;
        # RAV (1 800 − 270) / 2 / 30 = 25.50; per UC (1 + 0.5): 1 530 / 1.5 / 30 = 34
        "Avant – Typologie": "T3", "Avant – Surface (m²)": 60,
        "Avant – Loyer principal (€)": 380, "Avant – Loyers annexes (€)": 0,
        "Avant – Charges (€)": 90, "Avant – APL / AL (€)": 200, "Avant – Reste à charge (€)": 270,
        "Avant – Reste à charge au m² (€)": 4.5, "Avant – Taux d'effort (%)": 15,
        "Avant – Reste-à-vivre (€/jour/personne)": 25.5, "Avant – Reste-à-vivre (€/jour/UC)": 34,
        "Avant – Commune": "Lille",
        # after: 350 + 100 − 190 = 260 €; 260 / 65 = 4.00; TE 260 / 1 800 = 14.4444 %;
        # RAV 1 540 / 60 = 25.6667; per UC 1 540 / 45 = 34.2222
        "Après – Bailleur d'accueil": "Vilogia", "Après – Typologie": "T3", "Après – Surface (m²)": 65,
        "Après – Loyer principal (€)": 350, "Après – Charges (€)": 100, "Après – APL / AL (€)": 190,
        "Après – Reste à charge (€)": 260, "Après – Reste à charge au m² (€)": 4,
        "Après – Taux d'effort (%)": 14.4444, "Après – Reste-à-vivre (€/jour/personne)": 25.6667,
        "Après – Reste-à-vivre (€/jour/UC)": 34.2222, "Après – Commune": "Lomme",
        "Après – Quartier": "Lomme-Centre", "Après – En QPV": "Non", "Après – Financement": "PLUS",
        "Après – Année de construction": 2024,
        # evolutions: −10 €; 14.4444 − 15 = −0.5556 pt (rounded once, exactly −5/9); +1/6 € a day
        "Évolution – Reste à charge (€)": -10, "Évolution – Taux d'effort (points)": -0.5556,
        "Évolution – Reste-à-vivre (€/jour/personne)": 0.1667,
        "Relogé sur site (même quartier)": "Non", "Relogé hors de la commune": "Oui",
        "Relogé hors QPV": "Oui", "Logement neuf ou de moins de 5 ans": "Oui",
        "Relogement inter-bailleurs": "Oui", "Maison individuelle": "Non", "Logement plus grand": "Non",
        "Date de signature du bail": datetime(2026, 3, 2), "Date d'entrée dans les lieux": datetime(2026, 3, 16),
        "Délai inscription → bail (jours)": 56,  # 05/01 → 02/03: 26 + 28 + 2
        # couple, zone II, 2025-10-01 ceiling 355.38 ≥ 350; 2021 scale (demo) zone 2 T3: 5 000 €
        "Indemnité minoration de loyer – éligibilité": "Éligible", "Indemnité – montant (€)": 5000,
        "Indemnité – plafond de loyer APL (€)": 355.38,
        "Indemnité – barème": "ANRU-2021 (valeurs de démonstration)", "Indemnité – motifs / à vérifier": None,
        "Date de sortie du dispositif": None,
    }
    assert {k: a[k] for k in expected} == expected

    i = rows[refs["I"]]
    # 2020: couple + 3 in charge, ceiling 356.30 + 2 × 51.86 = 460.02; 2016 scale T5: 5 000 €
    assert (i["Indemnité – plafond de loyer APL (€)"], i["Indemnité – montant (€)"], i["Indemnité – barème"]) == (
        460.02, 5000, "ANRU-2016")
    d = rows[refs["D"]]
    assert d["Indemnité minoration de loyer – éligibilité"] == "Non éligible"
    assert d["Indemnité – motifs / à vérifier"] == "logement ni neuf ni de moins de 5 ans (36 ans à la signature)"
    assert d["Logement plus grand"] == "Oui"  # T3 → T4
    g = rows[refs["G"]]
    # G: not relocated, one refusal; before 300 + 60 − 150 = 210 €, TE 210 / 1 200 = 17.5 %
    assert (g["Statut"], g["Nombre de propositions"], g["Nombre de refus"]) == ("À reloger", 1, 1)
    assert (g["Avant – Reste à charge (€)"], g["Avant – Taux d'effort (%)"]) == (210, 17.5)
    assert g["Après – Loyer principal (€)"] is None and g["Indemnité minoration de loyer – éligibilité"] is None

    summary = {r[0]: r[1] for r in load_workbook(io.BytesIO(content))["Synthèse"].iter_rows(values_only=True) if r}
    # LMH: 3 relocated (I, A, D), 1 to relocate (G); eligible I and A: 10 000 €
    assert (summary["Relogé"], summary["À reloger"], summary["Sorti du dispositif"]) == (3, 1, 0)
    assert summary["Indemnité minoration de loyer : relogements éligibles"] == 2
    assert summary["Indemnité : montant total (€)"] == 10000
    assert summary["Indemnité : relogements non éligibles"] == 1
    assert any(str(k).startswith("ATTENTION") for k in summary)  # the 2021 amounts are demo values
    assert "Ménages dont le bailleur d'origine est Lille Métropole Habitat" in summary


def test_whole_project_is_pseudonymised(story):
    w, runner, refs, ref = story
    content = xlsx(story)
    _, rows = _sheet_rows(content)
    assert sorted(rows) == sorted(refs.values())
    h = rows[refs["H"]]
    assert (h["Statut"], h["Date de sortie du dispositif"]) == ("Sorti du dispositif", datetime(2026, 6, 1))
    c = rows[refs["C"]]
    assert c["Indemnité – motifs / à vérifier"] == "loyer 516,32\u00a0€ supérieur au plafond APL 516,31\u00a0€"
    f = rows[refs["F"]]
    assert f["Indemnité minoration de loyer – éligibilité"] == "À vérifier"
    # no name, phone or note anywhere in the workbook's XML
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        text = "".join(z.read(n).decode("utf-8") for n in z.namelist())
    for name in anru_scenario.NAMES.values():
        assert name not in text
    assert "06 00 00 00 00" not in text and "Suivi social" not in text


def test_as_of_and_reproducible_bytes(story, clock):
    w, runner, refs, ref = story
    db = runner.engine
    first = xlsx(story, w.orgs["LMH"])
    assert xlsx(story, w.orgs["LMH"]) == first  # same bytes twice
    position = anru_export.anru_data(db, w.project_id, w.orgs["LMH"])["position"]
    # later facts do not change an export as of an earlier position
    clock.advance(days=3)
    sample.register(w, bailleur="LMH", name="Famille Tardive")
    runner.catch_up()
    assert xlsx(story, w.orgs["LMH"], position) == first
    assert xlsx(story, w.orgs["LMH"]) != first
    book = load_workbook(io.BytesIO(first))
    # pinned to the instant of the last event (01/06/2026 09:00 UTC, H's departure)
    assert book.properties.created == datetime(2026, 6, 1, 9, 0)

    # as of 31/03/2026 (Paris): D not yet proposed, C holds a live proposal
    end_march = anru_export.position_at_end_of(db, date(2026, 3, 31))
    _, rows = _sheet_rows(xlsx(story, position=end_march))
    assert rows[refs["D"]]["Statut"] == "À reloger" and rows[refs["D"]]["Après – Loyer principal (€)"] is None
    assert rows[refs["C"]]["Statut"] == "Proposition en cours"
    assert rows[refs["A"]]["Indemnité – montant (€)"] == 5000
    assert refs["H"] in rows and rows[refs["H"]]["Date de sortie du dispositif"] is None


def test_csv_french_conventions(story):
    w, runner, refs, ref = story
    data = anru_export.anru_data(runner.engine, w.project_id, w.orgs["VCL"], reference=ref)
    content = anru_export.anru_csv(runner.engine, w.project_id, data=data)
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    rows = {r["Référence ménage"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    # VCL is the bailleur of origin of B, E and H
    assert sorted(rows) == sorted(refs[k] for k in "BEH")
    b = rows[refs["B"]]
    # B: 290.34 + 60 − 170 = 180.34 €; TE 180.34 / 1 000 = 18.034 %; exactly at the ceiling 290.34
    assert (b["Après – Reste à charge (€)"], b["Après – Taux d'effort (%)"]) == ("180,34", "18,0340")
    assert (b["Date de signature du bail"], b["Relogé sur site (même quartier)"]) == ("16/03/2026", "Oui")
    assert (b["Indemnité – montant (€)"], b["Indemnité – plafond de loyer APL (€)"]) == ("2000,00", "290,34")
    assert rows[refs["E"]]["Indemnité – motifs / à vérifier"] == "financement PLI : logement non conventionné APL"
    assert rows[refs["H"]]["Date de sortie du dispositif"] == "01/06/2026"


def test_cli_export(story, database_url, tmp_path):
    w, runner, refs, ref = story
    cli = CliRunner()
    out = tmp_path / "anru-lmh.xlsx"
    result = cli.invoke(main, ["--database", database_url, "export", "anru", "--project", "LS",
                               "--bailleur", "LMH", "--as-of", "31/03/2026", "-o", str(out)],
                        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # as of 31/03/2026: LMH's I and A relocated, D and G not
    _, rows = _sheet_rows(out.read_bytes())
    assert sorted(rows) == sorted(refs[k] for k in "IADG")
    assert rows[refs["D"]]["Statut"] == "À reloger"
    assert "4 ménage(s), état au 31/03/2026" in result.output
    csv_out = tmp_path / "anru.csv"
    result = cli.invoke(main, ["--database", database_url, "export", "anru", "--project", w.project_id.hex,
                               "-o", str(csv_out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(csv_out.read_bytes().decode("utf-8-sig").strip().splitlines()) == 1 + 9
    bad = cli.invoke(main, ["--database", database_url, "export", "anru", "--project", "LS",
                            "--as-of", "2026-03-31", "-o", str(out)])
    assert bad.exit_code != 0 and "jj/mm/aaaa" in bad.output
