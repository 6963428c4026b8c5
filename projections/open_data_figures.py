"""The open-data package's figure tables: the dashboard and the semestrial indicators.

``tableau_de_bord``: one row per scope (the project, each quartier, each bailleur of
origin) with the dashboard's headline figures, computed by
:func:`relogement.projections.dashboard.dashboard` at the package's position.
``indicateurs_semestriels``: one row per semester ended at or before the package's
instant (:func:`relogement.projections.semester_report.build`, as of each semester's end).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from relogement.projections import dashboard as dash
from relogement.projections import semester_report
from relogement.projections.open_data_schema import FIELDS, TABLE_FIELDS, Field


def _f(kind: str, fr: str, en: str, unit: str | None = None, formula: str | None = None,
       enum: dict[str, str] | None = None) -> Field:
    return (kind, fr, en, unit, enum, formula)


_RATE = "nombre / baux signés × 100 (2 décimales, arrondi au plus proche)"
DASHBOARD_FIELDS: dict[str, Field] = {
    "scope": _f("string", "Périmètre de la ligne.", "Scope of the row.",
                enum={"projet": "tout le projet", "quartier": "un quartier d'origine", "bailleur": "un bailleur d'origine"}),
    "key": _f("string", "Code du quartier ou identifiant du bailleur (vide pour le projet).",
              "Quartier code or landlord id (empty for the project)."),
    "instant": _f("datetime", "Instant décrit (UTC).", "Instant described (UTC)."),
    "inscrits": _f("integer", "Ménages inscrits.", "Households registered.", formula="nombre de ménages du périmètre"),
    "a_reloger": _f("integer", "Ménages à reloger (sans proposition en cours).", "Households to relocate."),
    "proposition_en_cours": _f("integer", "Ménages avec une proposition en cours.", "Households with a live proposal."),
    "reloges": _f("integer", "Ménages relogés.", "Households relocated."),
    "sortis": _f("integer", "Ménages sortis sans relogement.", "Households who left without relocation."),
    "propositions_faites": _f("integer", "Propositions faites.", "Proposals made."),
    "refus": _f("integer", "Propositions refusées.", "Proposals refused."),
    "baux": _f("integer", "Baux signés (base des taux de destination).", "Leases signed (base of the destination rates)."),
}
for _name, _fr, _en in (
    ("hors_qpv", "relogés hors QPV", "relocated outside a QPV"),
    ("qpv_vers_hors_qpv", "relogés d'un QPV vers hors QPV", "from a QPV to outside one"),
    ("inter_bailleur", "relogements inter-bailleurs", "inter-landlord relocations"),
    ("neuf_moins_5_ans", "relogés dans le neuf ou < 5 ans", "into new or < 5-year housing"),
    ("maison_individuelle", "relogés en maison individuelle", "into an individual house"),
    ("plus_grand", "relogés dans un logement plus grand", "into a larger dwelling"),
):
    DASHBOARD_FIELDS[f"{_name}_nombre"] = _f("integer", f"Baux signés : {_fr}.", f"Leases signed: {_en}.")
    DASHBOARD_FIELDS[f"{_name}_taux"] = _f("number", f"Taux : {_fr}.", f"Rate: {_en}.", "%", _RATE)
for _name, _fr, _en, _unit, _key in (
    ("taux_effort", "taux d'effort", "effort rate", "points", "taux d'effort après − avant"),
    ("rav_personne", "reste-à-vivre par personne", "residual income per person", "€/jour/personne",
     "reste-à-vivre après − avant (par personne et par jour)"),
    ("rav_uc", "reste-à-vivre par UC", "residual income per consumption unit", "€/jour/UC",
     "reste-à-vivre après − avant (par UC et par jour)"),
):
    DASHBOARD_FIELDS[f"{_name}_evolution_moyenne"] = _f(
        "number", f"Évolution moyenne du {_fr} (baux signés).", f"Mean change in {_en} (signed leases).", _unit,
        f"moyenne sur les baux de ({_key}), calculée sur les valeurs exactes, arrondie à 4 décimales")
    DASHBOARD_FIELDS[f"{_name}_hausse"] = _f("integer", f"Baux où le {_fr} augmente.", f"Leases where {_en} rises.",
                                             formula=f"nombre de baux avec ({_key}) > 0")
    DASHBOARD_FIELDS[f"{_name}_baisse"] = _f("integer", f"Baux où le {_fr} baisse.", f"Leases where {_en} falls.",
                                             formula=f"nombre de baux avec ({_key}) < 0")
DASHBOARD_FIELDS["delai_median_jours"] = _f("number", "Délai médian inscription → bail.", "Median delay registration → lease.",
                                            "jours", "médiane des (date du bail − date d'inscription)")

SEMESTER_FIELDS: dict[str, Field] = {
    "semestre": _f("string", "Semestre (S1 : janvier–juin, S2 : juillet–décembre).", "Half-year (S1: Jan–Jun, S2: Jul–Dec)."),
    "etat_au": _f("date", "Dernier jour du semestre.", "Last day of the half-year."),
    "instant": _f("datetime", "Instant de la position (UTC).", "Instant of the position (UTC)."),
    "inscrits": DASHBOARD_FIELDS["inscrits"], "reloges": DASHBOARD_FIELDS["reloges"], "sortis": DASHBOARD_FIELDS["sortis"],
    "relogements_semestre": _f("integer", "Relogements enregistrés dans le semestre.", "Relocations recorded in the half-year."),
    "inter_bailleur_semestre": _f("integer", "Dont inter-bailleurs.", "Of which inter-landlord."),
    "refus_semestre": _f("integer", "Refus enregistrés dans le semestre.", "Refusals recorded in the half-year."),
    "fragiles_avant": _f("integer", "Ménages sous le seuil de reste-à-vivre avant relogement.",
                         "Households under the residual-income threshold before relocation."),
    "fragiles_maintenant": _f("integer", "Ménages sous le seuil de reste-à-vivre à la fin du semestre.",
                              "Households under the threshold at the half-year's end."),
}
TABLE_FIELDS["tableau_de_bord"] = DASHBOARD_FIELDS
TABLE_FIELDS["indicateurs_semestriels"] = SEMESTER_FIELDS
assert "position" in FIELDS


def _dashboard_row(scope: str, key: str, position: int, instant: datetime, f: dict[str, Any]) -> dict[str, Any]:
    d = f["destinations"]
    row: dict[str, Any] = {"position": position, "instant": instant, "scope": scope, "key": key,
                           **{k: f["menages"][k] for k in ("inscrits", "a_reloger", "proposition_en_cours", "reloges", "sortis")},
                           "propositions_faites": f["propositions"]["faites"], "refus": f["propositions"]["refus"],
                           "baux": d["base"]}
    for name in ("hors_qpv", "qpv_vers_hors_qpv", "inter_bailleur", "neuf_moins_5_ans", "maison_individuelle", "plus_grand"):
        row[f"{name}_nombre"], row[f"{name}_taux"] = d[name]["nombre"], d[name]["taux"]
    for name, source in (("taux_effort", "taux_effort"), ("rav_personne", "reste_a_vivre_personne"), ("rav_uc", "reste_a_vivre_uc")):
        s = f[source]
        row[f"{name}_evolution_moyenne"], row[f"{name}_hausse"], row[f"{name}_baisse"] = s["moyenne"], s["hausse"], s["baisse"]
    row["delai_median_jours"] = f["delais"]["mediane_jours"]
    return row


def dashboard_rows(db: Any, project_id: str, position: int, instant: datetime) -> list[dict[str, Any]]:
    board = dash.dashboard(db, project_id, position=position, instant=instant)
    rows = [_dashboard_row("projet", "", position, instant, board["total"])]
    rows += [_dashboard_row("quartier", k, position, instant, f) for k, f in board["par_quartier"].items()]
    rows += [_dashboard_row("bailleur", k, position, instant, f) for k, f in board["par_bailleur"].items()]
    return rows


def semester_rows(db: Any, project_id: str, position: int, instant: datetime, first_year: int) -> list[dict[str, Any]]:
    rows = []
    for year in range(first_year, instant.year + 1):
        for half in (1, 2):
            sem = semester_report.Semester(year, half)
            if sem.as_of_instant > instant:
                continue
            try:
                r = semester_report.build(db, project_id, year, half)
            except LookupError:
                continue  # the project did not exist yet
            if r["position"] > position:
                continue
            rows.append({
                "position": r["position"], "instant": r["instant"], "semestre": sem.label, "etat_au": r["etat_au"],
                "inscrits": r["population"]["inscrits"], "reloges": r["population"]["reloges"],
                "sortis": r["population"]["sortis"], "relogements_semestre": r["semestre_relogements"]["nombre"],
                "inter_bailleur_semestre": r["semestre_relogements"]["inter_bailleur"]["nombre"],
                "refus_semestre": r["refus"]["semestre"], "fragiles_avant": r["fragiles"]["avant"],
                "fragiles_maintenant": r["fragiles"]["maintenant"],
            })
    return rows


def figure_tables(db: Any, project_id: str, position: int, instant: datetime) -> list[tuple[str, str, str, list[str], list[dict]]]:
    """(name, description FR, EN, columns, rows) of each figure table."""
    from relogement.projections import queries as q

    first = q.instant_of(db, 1) if position else None
    first_year = (first or instant).year
    board = dashboard_rows(db, project_id, position, instant)
    semesters = semester_rows(db, project_id, position, instant, first_year)
    return [
        ("tableau_de_bord", "Tableau de bord du relogement : projet, quartiers, bailleurs d'origine, à la même position.",
         "Relocation dashboard: project, quartiers, landlords of origin, at the same position.",
         ["position", *DASHBOARD_FIELDS], board),
        ("indicateurs_semestriels", "Indicateurs semestriels du groupe de suivi peuplement (état à la fin de chaque semestre).",
         "Half-yearly indicators of the population monitoring group (as of each half-year's end).",
         ["position", *SEMESTER_FIELDS], semesters),
    ]
