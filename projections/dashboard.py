"""Tableau de bord du relogement: the shared dashboard, as of any position.

:func:`dashboard` reads the versioned read models (``rm_households``,
``rm_proposals``, ``rm_objections``) filtered as of a position, so a figure as of
position N equals what the live dashboard showed right after event N, by
construction, without replay. Figures that depend on time (proposals still in
their objection window) take an ``instant`` too: by default the instant of the
position's event (as of a past position) or now (live).

Figures (for the project, then per quartier, operation and bailleur of origin):

- ``menages``: inscrits, a_reloger, proposition_en_cours, reloges, sortis
  (évaporation), restant_a_reloger (à reloger + proposition en cours);
- ``propositions``: faites, en_cours, en_attente_delai (deadline > instant),
  bloquees (open objection), oppositions_ouvertes, refus, refus_par_motif;
- ``destinations`` (households relocated, from the flags stored in LeaseSigned):
  hors_qpv, qpv_vers_hors_qpv, meme_quartier (sur site), meme_commune,
  neuf_moins_5_ans, inter_bailleur, maison_individuelle, plus_grand; each
  ``{"nombre": n, "taux": Decimal % (2 decimals) or None}``, base = reloges with a lease;
- ``taux_effort`` / ``reste_a_vivre_personne`` / ``reste_a_vivre_uc``: evolution
  after − before stored in LeaseSigned: nombre, moyenne (4 decimals), hausse,
  baisse, stable, distribution (bins);
- ``delais``: median days from registration (Paris date) to the lease's signing date;
- ``troisieme_proposition``: households that received their last allowed proposal
  (rank = max, 3 by default) and those beyond it, with references;
- ``propositions_par_menage``: distribution of the number of proposals received
  (0, 1, 2, 3, 4+) and the mean for relocated households;
- ``retours``: relocated households that had asked to return to their quartier
  and were relocated in it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from relogement.projections import queries as q

FLAG_NAMES = {
    "hors_qpv": "hors_qpv",
    "qpv_vers_hors_qpv": "qpv_to_hors_qpv",
    "meme_quartier": "same_quartier",
    "meme_commune": "same_commune",
    "neuf_moins_5_ans": "neuf_moins_5_ans",
    "inter_bailleur": "inter_bailleur",
    "maison_individuelle": "individual_house",
    "plus_grand": "larger",
}

# Bins are half-open [low, high); None is unbounded.
TE_BINS = ((None, -5), (-5, -2), (-2, 0), (0, 2), (2, 5), (5, None))  # points
RAV_BINS = ((None, -3), (-3, -1), (-1, 0), (0, 1), (1, 3), (3, None))  # € per day

TWO = Decimal("0.01")
FOUR = Decimal("0.0001")


def rate(count: int, base: int) -> Decimal | None:
    if base == 0:
        return None
    return (Decimal(count) * 100 / Decimal(base)).quantize(TWO, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(FOUR, rounding=ROUND_HALF_UP)


def median(values: list[Any]) -> Decimal | None:
    if not values:
        return None
    return Decimal(str(statistics.median(sorted(values)))).quantize(Decimal("0.1"))


def bin_label(low: int | None, high: int | None, unit: str) -> str:
    if low is None:
        return f"< {high} {unit}"
    if high is None:
        return f"≥ {low} {unit}"
    return f"{low} à {high} {unit}"


def distribution(values: list[Decimal], bins: tuple, unit: str) -> list[dict]:
    out = []
    for low, high in bins:
        n = sum(
            1 for v in values if (low is None or v >= low) and (high is None or v < high)
        )
        out.append({"tranche": bin_label(low, high, unit), "min": low, "max": high, "nombre": n})
    return out


def evolution_summary(values: list[Decimal], bins: tuple, unit: str) -> dict:
    return {
        "nombre": len(values),
        "moyenne": mean(values),
        "hausse": sum(1 for v in values if v > 0),
        "baisse": sum(1 for v in values if v < 0),
        "stable": sum(1 for v in values if v == 0),
        "distribution": distribution(values, bins, unit),
    }


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _figures(
    hh: list[dict], props: list[dict], objs: list[dict], instant: datetime
) -> dict[str, Any]:
    status = Counter(h["status"] for h in hh)
    relocated = [h for h in hh if h["status"] == "reloge"]
    household_ids = {h["household_id"] for h in hh}
    props = [p for p in props if p["household_id"] in household_ids]
    by_id = {p["proposal_id"]: p for p in props}
    leases = [p for p in props if p["status"] == "bail_signe" and p["lease_indicators"]]
    live = [p for p in props if p["live"]]
    open_objs = [
        o for o in objs if o["status"] == "ouverte" and o["proposal_id"] in by_id and by_id[o["proposal_id"]]["live"]
    ]
    refused = [p for p in props if p["status"] == "refusee"]

    destinations = {}
    for name, flag in FLAG_NAMES.items():
        n = sum(1 for p in leases if p["lease_indicators"].get("flags", {}).get(flag))
        destinations[name] = {"nombre": n, "taux": rate(n, len(leases))}

    def evolutions(key: str) -> list[Decimal]:
        out = []
        for p in leases:
            value = _dec(p["lease_indicators"]["evolution"].get(key))
            if value is not None:
                out.append(value)
        return out

    lease_by_household = {p["household_id"]: p for p in leases}
    delays = [
        (lease_by_household[h["household_id"]]["lease_signed_on"] - h["registered_on"]).days
        for h in relocated
        if h["household_id"] in lease_by_household
    ]
    counts = Counter(min(h["proposals_count"], 4) for h in hh)
    last = sorted(h["reference"] for h in hh if h["last_allowed"])
    beyond = sorted(h["reference"] for h in hh if h["proposals_count"] > h["max_proposals"])
    returns = sum(
        1
        for h in relocated
        if h["right_to_return"]
        and h["household_id"] in lease_by_household
        and lease_by_household[h["household_id"]]["lease_indicators"].get("flags", {}).get("same_quartier")
    )
    return {
        "menages": {
            "inscrits": len(hh),
            "a_reloger": status["a_reloger"],
            "proposition_en_cours": status["proposition_en_cours"],
            "reloges": status["reloge"],
            "sortis": status["sorti"],
            "restant_a_reloger": status["a_reloger"] + status["proposition_en_cours"],
        },
        "propositions": {
            "faites": len(props),
            "en_cours": len(live),
            "en_attente_delai": sum(1 for p in live if q.utc(p["objection_deadline"]) > instant),
            "bloquees": sum(1 for p in live if p["open_objections"] > 0),
            "oppositions_ouvertes": len(open_objs),
            "refus": len(refused),
            "refus_par_motif": dict(sorted(Counter(p["refusal_motive"] for p in refused).items())),
        },
        "destinations": {"base": len(leases), **destinations},
        "taux_effort": evolution_summary(evolutions("taux_effort_points"), TE_BINS, "pts"),
        "reste_a_vivre_personne": evolution_summary(evolutions("rav_person_day"), RAV_BINS, "€/j"),
        "reste_a_vivre_uc": evolution_summary(evolutions("rav_uc_day"), RAV_BINS, "€/j"),
        "delais": {"nombre": len(delays), "mediane_jours": median(delays)},
        "troisieme_proposition": {
            "nombre": len(last),
            "references": last,
            "au_dela": len(beyond),
            "references_au_dela": beyond,
        },
        "propositions_par_menage": {
            "distribution": {("4+" if k == 4 else str(k)): counts.get(k, 0) for k in range(5)},
            "moyenne_reloges": mean([Decimal(h["proposals_count"]) for h in relocated]),
        },
        "retours": returns,
    }


def resolve(db: q.Db, position: int | None, instant: datetime | None) -> tuple[int, datetime]:
    """(position, instant) for a report: live = last applied position and now."""
    if position is None:
        position = q.current_position(db)
        when = instant or datetime.now(tz=UTC)
    else:
        when = instant or q.instant_of(db, position) or datetime.now(tz=UTC)
    return position, when.astimezone(UTC)


def load(db: q.Db, project_id: UUID | str, position: int) -> tuple[list, list, list]:
    with q.connect(db) as conn:
        hh = q.list_households(conn, project_id, position=position)
        props = q.list_proposals(conn, project_id, position=position)
        objs = q.list_objections(conn, project_id=project_id, position=position)
    return hh, props, objs


def dashboard(
    db: q.Db,
    project_id: UUID | str,
    *,
    position: int | None = None,
    instant: datetime | None = None,
) -> dict[str, Any]:
    """The dashboard of one project: ``total`` and ``par_quartier`` / ``par_operation``
    / ``par_bailleur`` (bailleur of origin, org hex → figures), with ``position``
    and ``instant`` it was computed at. ``position=None``: live."""
    position, when = resolve(db, position, instant)
    hh, props, objs = load(db, project_id, position)
    project = q.get_project(db, project_id, position=position)
    if project is not None:
        project.pop("valid_to")  # differs between live and as-of; the figures do not

    def grouped(key: Callable[[dict], str]) -> dict[str, dict]:
        groups: dict[str, list[dict]] = {}
        for h in hh:
            groups.setdefault(key(h), []).append(h)
        return {k: _figures(v, props, objs, when) for k, v in sorted(groups.items())}

    return {
        "position": position,
        "instant": when,
        "project": project,
        "total": _figures(hh, props, objs, when),
        "par_quartier": grouped(lambda h: h["quartier"]),
        "par_operation": grouped(lambda h: h["operation"]),
        "par_bailleur": grouped(lambda h: h["bailleur_org"]),
    }


def dashboard_at(db: q.Db, project_id: UUID | str, instant: datetime) -> dict[str, Any]:
    """The dashboard as it stood at ``instant`` (auditors): position_at(instant), instant."""
    return dashboard(db, project_id, position=q.position_at(db, instant), instant=instant)
