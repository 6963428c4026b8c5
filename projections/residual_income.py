"""Suivi du reste-à-vivre: before / proposed / after lease / follow-up, per household.

Figures are the ones stored in the events (ProposalMade, LeaseSigned,
FollowUpRecorded carry before/after measures with their inputs and convention);
"before" for a household without a lease is the measure of its current
situation (``rm_household_situation.before``, same formulas). Nothing is
recomputed from raw amounts here.

Two conventions (../shared/domain.md, "Formulas"): ``"personne"`` (€ per day per
person, key ``rav_person_day``) and ``"uc"`` (€ per day per OECD-modified
consumption unit, key ``rav_uc_day``). The threshold defaults to the project's
``rav_threshold`` setting (6 € per day) and can be overridden.

As of any position, like every read model (see :mod:`relogement.projections.queries`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from relogement.platform import indicators as formulas
from relogement.projections import queries as q
from relogement.projections.dashboard import resolve
from relogement.projections.machinery import as_of
from relogement.projections.read_models import follow_ups, household_situation
from relogement.projections.summary_statistics import RAV_BINS, evolution_summary

CONVENTION_KEYS = {"personne": "rav_person_day", "uc": "rav_uc_day"}
CONVENTION_LABELS = {
    "personne": "€ par jour et par personne",
    "uc": "€ par jour et par unité de consommation (OCDE modifiée)",
}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def household_rows(
    db: q.Db, project_id: UUID | str, position: int, *, quartier: str | None = None
) -> list[dict]:
    """One row per household: measures (dicts as stored) before / proposed / lease / follow-up."""
    with q.connect(db) as conn:
        hh = q.list_households(conn, project_id, quartier=quartier, position=position)
        props = q.list_proposals(conn, project_id, position=position)
        pid = q._hex(project_id)
        situations = {
            r["household_id"]: r
            for r in conn.execute(
                household_situation.select().where(
                    as_of(household_situation, position), household_situation.c.project_id == pid
                )
            ).mappings()
        }
        fups: dict[str, list[dict]] = {}
        for r in conn.execute(
            follow_ups.select()
            .where(as_of(follow_ups, position), follow_ups.c.project_id == pid)
            .order_by(follow_ups.c.measured_on, follow_ups.c.valid_from)
        ).mappings():
            fups.setdefault(r["household_id"], []).append(dict(r))
    by_household: dict[str, list[dict]] = {}
    for p in props:
        by_household.setdefault(p["household_id"], []).append(p)
    rows = []
    for h in hh:
        hid = h["household_id"]
        mine = sorted(by_household.get(hid, []), key=lambda p: p["rank"])
        lease = next((p for p in mine if p["status"] == "bail_signe"), None)
        proposed = lease or (mine[-1] if mine else None)
        follow = fups.get(hid, [])
        situation = situations.get(hid)
        before = (
            lease["lease_indicators"]["before"]
            if lease
            else (situation["before"] if situation else None)
        )
        rows.append(
            {
                "household_id": hid,
                "reference": h["reference"],
                "quartier": h["quartier"],
                "operation": h["operation"],
                "bailleur_org": h["bailleur_org"],
                "status": h["status"],
                "persons": h["persons"],
                "before": before,
                "proposed": proposed["indicators"]["after"] if proposed else None,
                "proposed_rank": proposed["rank"] if proposed else None,
                "lease": lease["lease_indicators"]["after"] if lease else None,
                "lease_evolution": lease["lease_indicators"]["evolution"] if lease else None,
                "lease_signed_on": lease["lease_signed_on"] if lease else None,
                "follow_up": follow[-1]["indicators"]["after"] if follow else None,
                "follow_up_on": follow[-1]["measured_on"] if follow else None,
            }
        )
    return rows


def project_convention(project: dict | None) -> str:
    """The project's reste-à-vivre convention (setting ``rav_convention``), by default per person."""
    chosen = ((project or {}).get("settings") or {}).get("rav_convention")
    return chosen if chosen in CONVENTION_KEYS else "personne"


def suivi(
    db: q.Db,
    project_id: UUID | str,
    *,
    position: int | None = None,
    instant: datetime | None = None,
    convention: str | None = None,
    threshold: Decimal | str | None = None,
    fall: Decimal | str = Decimal("1"),
    quartier: str | None = None,
) -> dict[str, Any]:
    """The reste-à-vivre follow-up, in ``convention`` (default: the project's).

    Returns ``households`` (each with avant / propose / apres_bail / suivi /
    actuel figures in the convention, and evolution = actuel − avant, None before any
    lease or follow-up),
    ``hausse`` / ``baisse`` / ``stable`` counts (lease vs before, as Lille's
    889 vs 1,098), the same counts at follow-up, ``sous_seuil`` (households whose
    current figure is under ``threshold``), ``sous_seuil_avant``, and
    ``forte_baisse`` (current − before < −``fall`` € per day).
    """
    position, when = resolve(db, position, instant)
    project = q.get_project(db, project_id, position=position) or {"settings": {}}
    if convention is None:
        convention = project_convention(project)
    if convention not in CONVENTION_KEYS:
        raise ValueError(f"convention: {sorted(CONVENTION_KEYS)}")
    key = CONVENTION_KEYS[convention]
    seuil = Decimal(str(threshold if threshold is not None else project["settings"].get("rav_threshold", "6.00")))
    fall = Decimal(str(fall))
    out_rows = []
    exact: dict[str, tuple[Any, Any]] = {}  # household → exact (before, current): for comparisons
    lease_signs: list[int] = []
    follow_signs: list[int] = []
    lease_exact: list[Any] = []  # exact evolutions, for the means
    follow_exact: list[Any] = []

    def fig(measure: dict | None) -> Decimal | None:
        return None if measure is None else _dec(measure[key])

    def exact_fig(measure: dict | None) -> Any:
        return None if measure is None else formulas.exact_figure(measure, key)

    def change(after: dict | None, before: dict | None) -> Decimal | None:
        """after − before, exact then rounded (as the lease's stored evolution): the shown
        figures 14.8333 and 14.1667 are 80 / 120 = 0.6667 apart, not 0.6666."""
        a, b = exact_fig(after), exact_fig(before)
        return None if a is None or b is None else formulas.round_figure(Fraction(a) - Fraction(b))

    for r in household_rows(db, project_id, position, quartier=quartier):
        avant, propose, apres, suivi_ = fig(r["before"]), fig(r["proposed"]), fig(r["lease"]), fig(r["follow_up"])
        actuel = suivi_ if suivi_ is not None else (apres if apres is not None else avant)
        current = r["follow_up"] or r["lease"] or r["before"]
        exact[r["household_id"]] = (exact_fig(r["before"]), exact_fig(current))
        if r["lease_evolution"] is not None and r["lease_evolution"].get(key) is not None:
            record = {"before": r["before"], "after": r["lease"], "evolution": r["lease_evolution"]}
            lease_signs.append(formulas.evolution_sign(record, key) or 0)
            lease_exact.append(formulas.exact_evolution(record, key))
        if suivi_ is not None and avant is not None:
            record = {"before": r["before"], "after": r["follow_up"]}
            follow_signs.append(formulas.evolution_sign(record, key) or 0)
            follow_exact.append(formulas.exact_evolution(record, key))
        out_rows.append(
            {
                **{k: r[k] for k in ("household_id", "reference", "quartier", "operation", "bailleur_org", "status", "persons", "lease_signed_on", "follow_up_on", "proposed_rank")},
                "status_label": q.HOUSEHOLD_STATUS_LABELS[r["status"]],
                "avant": avant,
                "propose": propose,
                "apres_bail": apres,
                "evolution_bail": _dec(r["lease_evolution"][key]) if r["lease_evolution"] else None,
                "suivi": suivi_,
                "actuel": actuel,
                # None until there is an after figure (lease or follow-up): "no change
                # yet" is not a change of 0 (averages and exports would count it).
                "evolution": None if avant is None or (apres is None and suivi_ is None) else change(current, r["before"]),
                "evolution_suivi": None if suivi_ is None or avant is None else change(r["follow_up"], r["before"]),
            }
        )
    lease_evol = [r["evolution_bail"] for r in out_rows if r["evolution_bail"] is not None]
    follow_evol = [r["evolution_suivi"] for r in out_rows if r["evolution_suivi"] is not None]
    active = [r for r in out_rows if r["status"] != "sorti"]
    return {
        "position": position,
        "instant": when,
        "convention": convention,
        "unite": CONVENTION_LABELS[convention],
        "seuil": seuil,
        "baisse_forte_seuil": fall,
        "households": out_rows,
        "apres_bail": evolution_summary(lease_evol, RAV_BINS, "€/j", lease_signs, lease_exact),
        "au_suivi": evolution_summary(follow_evol, RAV_BINS, "€/j", follow_signs, follow_exact),
        # Compared exactly: 5.99995 € is under 6 € although shown as 6,0000.
        "sous_seuil_avant": sorted(
            r["reference"] for r in active if r["avant"] is not None and exact[r["household_id"]][0] < seuil
        ),
        "sous_seuil": sorted(
            r["reference"] for r in active if r["actuel"] is not None and exact[r["household_id"]][1] < seuil
        ),
        "forte_baisse": sorted(
            r["reference"]
            for r in active
            if r["evolution"] is not None and exact[r["household_id"]][1] - exact[r["household_id"]][0] < -fall
        ),
    }
