"""The oracle: the semestrial report's figures as computed before the held report rows
(issue 19), kept verbatim from ``projections/semester_report.py`` (``build``) and
``projections/residence_figures.py`` (``residence_balances``) of commit 549d323.

Every row of the programme read at each call, every lease's and residence's figures
computed again: slow (seconds on a large programme) and obviously right;
``tests/test_report_state.py`` and ``bench/bench_report_figures.py`` compare the held rows
with it. The helpers it calls (the semester, the groups' figures, a residence's sheet) are
the modules' own, unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from relogement.platform import peuplement as pp
from relogement.projections import queries as q
from relogement.projections import residual_income
from relogement.projections.queries import REFUSAL_LABELS
from relogement.projections.queries.base import Db, _rows, _select, connect
from relogement.projections.read_models import household_situation, households, proposals
from relogement.projections.residence_figures import ResidenceBalance, _move
from relogement.projections.residence_models import residence_links, residences
from relogement.projections.residence_sheets import Sheet, sheet
from relogement.projections.semester_report import (
    DESTINATIONS,
    PARIS,
    QUOTA_HORS_QPV,
    QUOTA_QPV,
    Semester,
    _flags,
    _relocations,
    destination,
    exact_annual_income_per_uc,
    first_quartile_threshold,
)
from relogement.projections.summary_statistics import ExactFigures, rate


class residence_sheets:  # noqa: N801 - the name build calls, verbatim
    @staticmethod
    def report_sheets(db: Any, project_id: str, position: int | None, settings: dict | None,
                      period: tuple[date, date] | None) -> list[Sheet]:
        sheets = [sheet(b, period) for b in residence_balances(db, project_id, position, settings)]
        return [s for s in sheets if s.destination] + [s for s in sheets if s.origin and not s.destination]


def residence_balances(
    db: Db, project_id: str, position: int | None, settings: dict | None = None,
    residence_id: str | None = None,
) -> list[ResidenceBalance]:
    """Every residence of the project (or one) as of ``position``, with its relocations."""
    rules = pp.thresholds(settings)
    with connect(db) as conn:
        where = [residences.c.project_id == project_id]
        if residence_id is not None:
            where.append(residences.c.residence_id == residence_id)
        rows = _rows(conn, _select(residences, position, *where).order_by(residences.c.name, residences.c.code))
        result = {r["residence_id"]: ResidenceBalance(row=r, rules=rules) for r in rows}
        if not result:
            return []
        links = {r["link_id"]: r for r in _rows(conn, _select(
            residence_links, position, residence_links.c.project_id == project_id,
            residence_links.c.residence_id.is_not(None)))}
        leases = _rows(conn, _select(
            proposals, position, proposals.c.project_id == project_id, proposals.c.status == "bail_signe",
            columns=[proposals.c.household_id, proposals.c.offer_id, proposals.c.lease_apl_cents,
                     proposals.c.lease_signed_on, proposals.c.lease_indicators]))
        relocated = {r["household_id"]: r for r in _rows(conn, _select(
            households, position, households.c.project_id == project_id, households.c.status == "reloge"))}
        situations = {r["household_id"]: r for r in _rows(conn, _select(
            household_situation, position, household_situation.c.project_id == project_id))}
    for lease in leases:
        household, situation = relocated.get(lease["household_id"]), situations.get(lease["household_id"])
        if household is None or situation is None:
            continue
        after = ((lease["lease_indicators"] or {}).get("after") or {})
        offer_link = links.get(lease["offer_id"])
        home_link = links.get(lease["household_id"])
        if offer_link is not None and offer_link["residence_id"] in result:
            result[offer_link["residence_id"]].moved_in.append(_move(
                situation, household, offer_link["surface_m2"], lease["lease_apl_cents"] or 0,
                home_link["adults_in_work"] if home_link else None, after.get("rav_person_day"),
                lease["lease_signed_on"]))
        if home_link is not None and home_link["residence_id"] in result:
            before = situation.get("before") or {}
            result[home_link["residence_id"]].moved_out.append(_move(
                situation, household, home_link["surface_m2"], situation["apl_cents"],
                home_link["adults_in_work"], before.get("rav_person_day"), lease["lease_signed_on"]))
    return list(result.values())



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
) -> dict[str, Any]:
    """Every figure of the report, as of the semester's end.

    ``convention``: the reste-à-vivre convention; by default the project's at that date.
    ``held_suivi(position, instant, convention=…, threshold=…, quartier=…)``: the
    reste-à-vivre follow-up from figures held nearby
    (:meth:`relogement.projections.residual_state.SuiviStates.near`), or None: computed here.
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
    households = residual_income.report_households(db, project_id, position, quartier=quartier)
    ids = {h["household_id"] for h in households}
    # Read once for the report and its reste-à-vivre part, with only what both read.
    all_proposals = residual_income.report_proposals(db, project_id, position)
    proposals = [p for p in all_proposals if p["household_id"] in ids]
    by_household = {h["household_id"]: h for h in households}
    signed = sorted(
        ((by_household[p["household_id"]], p) for p in proposals if p["status"] == "bail_signe"),
        key=lambda hp: (hp[1]["lease_signed_on"], hp[0]["reference"]),
    )
    # A relocation counts in the semester its lease was *recorded* in, like refusals: a
    # lease signed on 30/06 but entered on 02/07 is unknown to the S1 report (frozen at
    # the semester's end), so it counts in S2's. Each lease is in exactly one semester.
    def recorded_in_semester(p: dict) -> bool:
        return sem.start <= q.utc(p["closed_at"]) < sem.end

    in_semester = [(h, p) for h, p in signed if recorded_in_semester(p)]
    # Rise of the energy-inclusive cost counted above the project's threshold (default 30 €).
    energy_threshold = int(Decimal(str((project.get("settings") or {}).get("energy_rise_threshold", "30.00"))) * 100)
    key = residual_income.CONVENTION_KEYS[convention]
    figures = ExactFigures()  # each lease's exact figures, once for both groups

    # residual_income.suivi(db, project_id, position=position, instant=sem.as_of_instant,
    # convention=convention, threshold=threshold, quartier=quartier), from what is read here.
    suivi = held_suivi and held_suivi(
        position, sem.as_of_instant, convention=convention, threshold=threshold, quartier=quartier)
    if suivi is None:
        suivi = residual_income.suivi_of_rows(
            residual_income.measure_rows(db, project_id, position, households, all_proposals),
            project, position, sem.as_of_instant, convention=convention, threshold=threshold,
        )
    fragile = [r for r in suivi["households"] if r["reference"] in set(suivi["sous_seuil"])]

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
    relocated_rows = [
        {
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
        for h, p in signed
    ]
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
        "semestre_relogements": _relocations(in_semester, key, energy_threshold, figures),
        "cumul_relogements": _relocations(signed, key, energy_threshold, figures),
        "relogements": relocated_rows,
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
        "residences": residence_sheets.report_sheets(
            db, UUID(str(project_id)).hex, position, project["settings"], (sem.first_day, sem.last_day)
        ),
        "noms_organisations": names,
    }
