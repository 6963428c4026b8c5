"""Rapport semestriel du groupe de suivi peuplement: the semester, the thresholds, the figures.

A report covers a quartier (the households' quartier of origin) or a whole
project, for a semester (S1 = January–June, S2 = July–December, Europe/Paris
calendar), **as of the semester's end**: the read models are read as of the last
position recorded before the semester ended, so the report generated today or in
two years is the same (facts recorded later, even about that semester, belong
to the next report). Every output states that position and instant
("état au 30/06/2026, événement n° 1 234").

The outputs (HTML, PDF, XLSX, chart) are :mod:`relogement.projections.report_output`.

The first-quartile threshold of the loi Égalité et Citoyenneté (L441-1 CCH) is
reference data per EPCI and year, read from ``reference/seuils_premier_quartile.csv``
(or a file given by the caller): never a constant.

Entry point: :func:`build` (the figures, a dict).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from relogement.platform import indicators as formulas
from relogement.projections import queries as q
from relogement.projections import residence_sheets, residual_income
from relogement.projections.queries import REFUSAL_LABELS
from relogement.projections.summary_statistics import ExactFigures, mean, rate

PARIS = ZoneInfo("Europe/Paris")
REFERENCE_THRESHOLDS = Path(__file__).parent / "reference" / "seuils_premier_quartile.csv"
QUOTA_HORS_QPV = Decimal(25)  # % of attributions outside QPV: Q1 or ANRU/ORCOD relocations
QUOTA_QPV = Decimal(50)  # % of attributions in QPV: quartiles 2 to 4
DESTINATIONS = {"meme_quartier": "Même quartier", "autre_qpv": "Autre QPV", "hors_qpv": "Hors QPV"}
COMPOSITIONS = ("1 personne", "2 personnes", "3 ou 4 personnes", "5 personnes et plus")


@dataclass(frozen=True)
class Semester:
    year: int
    half: int  # 1 or 2

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValueError("semestre : 1 (janvier–juin) ou 2 (juillet–décembre)")

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive end: midnight (Paris) after the last day."""
        nxt = self.last_day + timedelta(days=1)
        return datetime.combine(nxt, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)

    @property
    def as_of_instant(self) -> datetime:
        return self.end - timedelta(microseconds=1)

    @property
    def label(self) -> str:
        return f"{'1er' if self.half == 1 else '2d'} semestre {self.year}"


# -- reference data ------------------------------------------------------------------


def load_thresholds(path: Path | str | None = None) -> list[dict]:
    rows = []
    with open(path or REFERENCE_THRESHOLDS, encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    for row in csv.DictReader(lines):
        rows.append(
            {
                "epci_code": row["epci_code"],
                "annee": int(row["annee"]),
                "seuil_euros_uc_an": Decimal(row["seuil_euros_uc_an"]),
                "source": row["source"],
            }
        )
    return rows


def first_quartile_threshold(epci_code: str, year: int, path: Path | str | None = None) -> dict | None:
    """The threshold valid for ``year`` for this EPCI, or None when the reference lacks it."""
    for row in load_thresholds(path):
        if row["epci_code"] == epci_code and row["annee"] == year:
            return row
    return None


# -- figures ---------------------------------------------------------------------------


def _flags(p: dict) -> dict:
    return (p.get("lease_indicators") or {}).get("flags", {})


def destination(p: dict) -> str:
    flags = _flags(p)
    if flags.get("same_quartier"):
        return "meme_quartier"
    return "hors_qpv" if flags.get("hors_qpv") else "autre_qpv"


def composition(persons: int) -> str:
    if persons == 1:
        return COMPOSITIONS[0]
    if persons == 2:
        return COMPOSITIONS[1]
    return COMPOSITIONS[2] if persons <= 4 else COMPOSITIONS[3]


def exact_annual_income_per_uc(p: dict) -> Fraction:
    """Annual resources per consumption unit at the lease, exact: compared with the
    first-quartile threshold (10 098.995 € is under 10 099 € although shown 10 099,00)."""
    inputs = p["lease_indicators"]["after"]["inputs"]
    if "ages" in inputs:
        units = formulas.consumption_units(list(inputs["ages"]))
    else:
        units = Fraction(Decimal(str(inputs["consumption_units"])))
    return Fraction(int(inputs["resources_cents"]) * 12, 100) / units


def annual_income_per_uc(p: dict) -> Decimal:
    """The same, rounded to the cent (for display)."""
    exact = exact_annual_income_per_uc(p)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _energy(records: list[dict], threshold_cents: int) -> dict[str, Any]:
    """Evolution of the energy-inclusive cost (README, "Énergie"), over the leases whose both
    sides have an energy estimate; rises above the project's threshold counted."""
    evolutions_cents = [
        r["energy"]["evolution_cents"] for r in records
        if (r.get("energy") or {}).get("evolution_cents") is not None
    ]
    return {
        "mesures": len(evolutions_cents),
        "evolution_moyenne": mean([Decimal(c) / 100 for c in evolutions_cents]),
        "hausse_au_dela_du_seuil": sum(1 for c in evolutions_cents if c > threshold_cents),
        "seuil_euros": Decimal(threshold_cents) / 100,
    }


def _relocations(
    items: list[tuple[dict, dict]], key: str, energy_threshold_cents: int = 3_000,
    figures: ExactFigures | None = None,
) -> dict[str, Any]:
    """Figures over (household, signed proposal) pairs (``figures``: the exact figures
    already computed, shared by the groups a lease is in)."""
    figures = figures or ExactFigures()
    n = len(items)
    dest = Counter(destination(p) for _, p in items)
    inter = sum(1 for _, p in items if _flags(p).get("inter_bailleur"))
    typ = Counter(p["offer_typology"] for _, p in items)
    comp = Counter(composition(h["persons"]) for h, _ in items)
    quart = Counter(h["income_quartile"] for h, _ in items)
    records = [p["lease_indicators"] for _, p in items]
    _, te_signs, te = figures.evolutions(records, "taux_effort_points")
    _, rav_signs, rav = figures.evolutions(records, key)
    return {
        "nombre": n,
        "destinations": {k: {"libelle": v, "nombre": dest[k], "taux": rate(dest[k], n)} for k, v in DESTINATIONS.items()},
        "meme_bailleur": {"nombre": n - inter, "taux": rate(n - inter, n)},
        "inter_bailleur": {"nombre": inter, "taux": rate(inter, n)},
        "typologies": {t: typ[t] for t in sorted(typ)},
        "compositions": {c: comp[c] for c in COMPOSITIONS},
        "quartiles": {**{str(i): quart[i] for i in (1, 2, 3, 4)}, "non renseigné": quart[None]},
        "taux_effort_moyen": mean(te),
        "taux_effort_hausse": te_signs.count(1),
        "taux_effort_baisse": te_signs.count(-1),
        "rav_moyen": mean(rav),
        "rav_hausse": rav_signs.count(1),
        "rav_baisse": rav_signs.count(-1),
        "energie": _energy(records, energy_threshold_cents),
    }


def build(
    db: q.Db,
    project_id: UUID | str,
    year: int,
    half: int,
    *,
    quartier: str | None = None,
    convention: str | None = None,
    threshold: Decimal | str | None = None,
    thresholds_path: Path | str | None = None,
    held_suivi: Callable[..., dict[str, Any] | None] | None = None,
    held_rows: Callable[[int], Any] | None = None,
) -> dict[str, Any]:
    """Every figure of the report, as of the semester's end.

    ``convention``: the reste-à-vivre convention; by default the project's at that date.
    ``held_suivi(position, instant, convention=…, threshold=…, quartier=…)``: the
    reste-à-vivre follow-up from figures held nearby
    (:meth:`relogement.projections.residual_state.SuiviStates.near`), or None: computed here.
    ``held_rows(position)``: the rows the report reads, held at ``position`` with each lease's
    and residence's figures (:meth:`relogement.projections.report_state.ReportStates.near`),
    or None: read here.
    """
    sem = Semester(year, half)
    position = q.position_at(db, sem.as_of_instant)
    instant = q.instant_of(db, position) if position else None
    project = q.get_project(db, project_id, position=position)
    if project is None:
        raise LookupError("projet inconnu à cette date")
    if convention is None:
        convention = residual_income.project_convention(project)
    names = q.organisation_names(db, position=position)
    pilot_code = (q.get_organisation(db, project["pilot_org"], position=position) or {}).get("code", "")
    quartiers = {x["code"]: x for x in project["quartiers"]}
    rows = held_rows(position) if held_rows is not None else None
    if rows is not None:
        households, all_proposals = rows.households(quartier), rows.proposals()
    else:
        households = residual_income.report_households(db, project_id, position, quartier=quartier)
        # Read once for the report and its reste-à-vivre part, with only what both read.
        all_proposals = residual_income.report_proposals(db, project_id, position)
    ids = {h["household_id"] for h in households}
    proposals = [p for p in all_proposals if p["household_id"] in ids]
    by_household = {h["household_id"]: h for h in households}
    signed = sorted(
        ((by_household[p["household_id"]], p) for p in proposals if p["status"] == "bail_signe"),
        key=lambda hp: (hp[1]["lease_signed_on"], hp[0]["reference"]),
    )
    # A relocation counts in the semester its lease was *recorded* in, like refusals: a
    # lease signed on 30/06 but entered on 02/07 is unknown to the S1 report (frozen at
    # the semester's end), so it counts in S2's. Each lease is in exactly one semester.
    sem_start, sem_end = sem.start, sem.end

    def recorded_in_semester(p: dict) -> bool:
        return sem_start <= q.utc(p["closed_at"]) < sem_end

    in_semester = [(h, p) for h, p in signed if recorded_in_semester(p)]
    # Rise of the energy-inclusive cost counted above the project's threshold (default 30 €).
    energy_threshold = int(Decimal(str((project.get("settings") or {}).get("energy_rise_threshold", "30.00"))) * 100)
    key = residual_income.CONVENTION_KEYS[convention]
    # Each lease's exact figures, once for both groups (held: once while the lease is unchanged).
    figures = rows.figures if rows is not None else ExactFigures()

    # residual_income.suivi(db, project_id, position=position, instant=sem.as_of_instant,
    # convention=convention, threshold=threshold, quartier=quartier), from what is read here.
    suivi = held_suivi and held_suivi(
        position, sem.as_of_instant, convention=convention, threshold=threshold, quartier=quartier)
    if suivi is None:
        suivi = residual_income.suivi_of_rows(
            # Held rows lack the proposal-time indicators: read as residual_income.suivi does.
            residual_income.household_rows(db, project_id, position, quartier=quartier) if rows is not None
            else residual_income.measure_rows(db, project_id, position, households, all_proposals),
            project, position, sem.as_of_instant, convention=convention, threshold=threshold,
        )
    under = set(suivi["sous_seuil"])
    fragile = [r for r in suivi["households"] if r["reference"] in under]

    refused = [p for p in proposals if p["status"] == "refusee"]
    refused_sem = [p for p in refused if sem.start <= q.utc(p["closed_at"]) < sem.end]  # type: ignore[operator]

    def motives(items: list[dict]) -> dict[str, int]:
        c = Counter(p["refusal_motive"] for p in items)
        return {REFUSAL_LABELS.get(k, k): c[k] for k in sorted(c)}

    open_cases = [
        {
            "reference": h["reference"],
            "statut": q.HOUSEHOLD_STATUS_LABELS[h["status"]],
            "operation": h["operation"],
            "inscrit_le": h["registered_on"],
            "propositions": h["proposals_count"],
            "refus": h["refusals_count"],
            "derniere_offre_legale": h["last_allowed"],
        }
        for h in households
        if h["status"] in ("a_reloger", "proposition_en_cours")
    ]

    ref = first_quartile_threshold(pilot_code, year, thresholds_path)
    hors = [(h, p) for h, p in in_semester if _flags(p).get("hors_qpv")]
    dans = [(h, p) for h, p in in_semester if not _flags(p).get("hors_qpv")]
    if ref is not None:
        seuil = ref["seuil_euros_uc_an"]
        # Compared exactly, like every threshold (README, "How the figures are counted").
        q1_hors = sum(1 for _, p in hors if exact_annual_income_per_uc(p) < seuil)
        q234_dans = sum(1 for _, p in dans if exact_annual_income_per_uc(p) >= seuil)
    else:
        q1_hors = q234_dans = None  # type: ignore[assignment]
    quotas = {
        "reference": ref,
        "epci_code": pilot_code,
        "hors_qpv": {
            "attributions": len(hors),
            "premier_quartile": q1_hors,
            "relogements_anru": len(hors),  # every relocation here is an ANRU one
            "taux_premier_quartile": None if q1_hors is None else rate(q1_hors, len(hors)),
            "taux_q1_ou_anru": rate(len(hors), len(hors)),
            "objectif": QUOTA_HORS_QPV,
        },
        "qpv": {
            "attributions": len(dans),
            "quartiles_2_a_4": q234_dans,
            "taux_quartiles_2_a_4": None if q234_dans is None else rate(q234_dans, len(dans)),
            "objectif": QUOTA_QPV,
        },
    }
    def relocated_row(h: dict, p: dict) -> dict:
        return {
            "reference": h["reference"],
            "operation": h["operation"],
            "bail_signe_le": p["lease_signed_on"],
            "enregistre_le": q.utc(p["closed_at"]).astimezone(PARIS).date(),
            "semestre": recorded_in_semester(p),
            "destination": DESTINATIONS[destination(p)],
            "commune": p["offer_commune"],
            "typologie_avant": h["typology"],
            "typologie_apres": p["offer_typology"],
            "personnes": h["persons"],
            "quartile": h["income_quartile"],
            "inter_bailleur": bool(_flags(p).get("inter_bailleur")),
            "bailleur_accueil": names.get(p["offer_bailleur"], ""),
            "taux_effort_avant": p["lease_indicators"]["before"]["taux_effort"],
            "taux_effort_apres": p["lease_indicators"]["after"]["taux_effort"],
            "rav_avant": p["lease_indicators"]["before"][key],
            "rav_apres": p["lease_indicators"]["after"][key],
        }

    def relocated_rows() -> list[dict]:
        return [relocated_row(h, p) for h, p in signed]

    def relocations(items: list[tuple[dict, dict]], name: str) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            return _relocations(items, key, energy_threshold, figures)

        return compute() if rows is None else rows.kept(name, items, (key, energy_threshold), compute)

    status = Counter(h["status"] for h in households)
    scope = (
        f"Quartier {quartiers[quartier]['name']} ({quartier})" if quartier else f"Projet {project['name']}"
    )
    return {
        "titre": "Rapport semestriel du groupe de suivi peuplement",
        "projet": project["name"],
        "perimetre": scope,
        "quartier": quartier,
        "semestre": sem,
        "position": position,
        "instant": instant,
        "etat_au": sem.last_day,
        "genere_a": sem.as_of_instant,  # pinned: the file metadata never holds "now"
        "convention": convention,
        "unite_rav": residual_income.CONVENTION_LABELS[convention],
        "population": {
            "inscrits": len(households),
            "a_reloger": status["a_reloger"],
            "proposition_en_cours": status["proposition_en_cours"],
            "reloges": status["reloge"],
            "sortis": status["sorti"],
        },
        "semestre_relogements": relocations(in_semester, "semestre"),
        "cumul_relogements": relocations(signed, "cumul"),
        # Held: each kept while its lease and household are the same rows (copied).
        "relogements": relocated_rows() if rows is None else rows.each(
            "relogements", signed, (key, sem_start, sem_end, tuple(sorted(names.items()))), relocated_row),
        "fragiles": {
            "seuil": suivi["seuil"],
            "avant": len(suivi["sous_seuil_avant"]),
            "maintenant": len(suivi["sous_seuil"]),
            "liste": fragile,
        },
        "refus": {"semestre": len(refused_sem), "semestre_motifs": motives(refused_sem),
                  "cumul": len(refused), "cumul_motifs": motives(refused)},
        "dossiers_ouverts": open_cases,
        "quotas": quotas,
        # Residence sheets: relocations "of the semester" by lease date within it.
        "residences": rows.sheets(project["settings"], (sem.first_day, sem.last_day)) if rows is not None
        else residence_sheets.report_sheets(
            db, UUID(str(project_id)).hex, position, project["settings"], (sem.first_day, sem.last_day)
        ),
        "noms_organisations": names,
    }
