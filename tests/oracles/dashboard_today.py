"""The oracle: the dashboard as it was computed before the tallies (issue 19), kept verbatim.

Every figure from every row of the read models at a position, in Python loops over the
households: slow (seconds on a large programme) and obviously right, it is what
``tests/test_dashboard_tally.py`` and ``bench/bench_live_figures.py`` compare the tallies
with. The figures are documented in :mod:`relogement.projections.dashboard`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from relogement.projections import indemnities
from relogement.projections import queries as q
from relogement.projections.summary_statistics import (
    RAV_BINS,
    TE_BINS,
    TWO,
    distribution,
    mean,
    median,
    rate,
    records_summary,
)

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


# Half-open bins [low, high); None is unbounded (see summary_statistics).
SURFACE_BINS = ((None, 40), (40, 60), (60, 80), (80, 100), (100, None))  # m²
TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5", "T6")


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _surface(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _lease_figures(
    leases: list[dict],
    households_by_id: dict[str, dict],
    offers_by_id: dict[str, dict],
    assessments: dict[str, dict],
) -> dict[str, Any]:
    """Before/after figures over signed leases (see the module docstring)."""
    n = len(leases)

    def share(count: int) -> dict:
        return {"nombre": count, "taux": rate(count, n)}

    flags = [p["lease_indicators"].get("flags", {}) for p in leases]
    on_site = sum(1 for f in flags if f.get("same_quartier"))
    out_commune = sum(1 for f in flags if not f.get("same_commune"))

    before_typ: Counter = Counter()
    after_typ: Counter = Counter()
    matrix: dict[str, Counter] = {}
    before_surf: list[Decimal] = []
    after_surf: list[Decimal] = []
    changes: list[Decimal] = []
    rac_before: list[int] = []
    rac_after: list[int] = []
    rac_surf_before: list[tuple[int, Decimal]] = []
    rac_surf_after: list[tuple[int, Decimal]] = []
    for p in leases:
        h = households_by_id.get(p["household_id"], {})
        offer = offers_by_id.get(p["offer_id"], {})
        t_before, t_after = h.get("typology"), offer.get("typology") or p["offer_typology"]
        before_typ[t_before] += 1
        after_typ[t_after] += 1
        matrix.setdefault(t_before, Counter())[t_after] += 1
        s_before, s_after = _surface(h.get("surface_m2")), _surface(offer.get("surface_m2"))
        if s_before is not None:
            before_surf.append(s_before)
        if s_after is not None:
            after_surf.append(s_after)
        if s_before is not None and s_after is not None:
            changes.append(s_after - s_before)
        ind = p["lease_indicators"]
        rb, ra = ind["before"]["reste_a_charge_cents"], ind["after"]["reste_a_charge_cents"]
        rac_before.append(rb)
        rac_after.append(ra)
        if s_before:
            rac_surf_before.append((rb, s_before))
        if s_after:
            rac_surf_after.append((ra, s_after))

    def surfaces(values: list[Decimal]) -> dict:
        total = sum(values, Decimal(0))
        return {
            "nombre": len(values),
            "total_m2": total,
            "moyenne_m2": (total / len(values)).quantize(TWO, rounding=ROUND_HALF_UP) if values else None,
            "distribution": distribution(values, SURFACE_BINS, "m²"),
        }

    def per_m2(pairs: list[tuple[int, Decimal]]) -> Decimal | None:
        surface = sum((s for _, s in pairs), Decimal(0))
        if not surface:
            return None
        return (Decimal(sum(c for c, _ in pairs)) / 100 / surface).quantize(TWO, rounding=ROUND_HALF_UP)

    def cents_mean(values: list[int]) -> int | None:
        if not values:
            return None
        return int((Decimal(sum(values)) / len(values)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    deltas = [a - b for a, b in zip(rac_after, rac_before, strict=True)]
    return {
        "destinations_site": {
            "base": n,
            "sur_site": share(on_site),
            "hors_site": share(n - on_site),
            "hors_commune": share(out_commune),
        },
        "typologies": {
            "base": n,
            "avant": {t: before_typ.get(t, 0) for t in TYPOLOGIES},
            "apres": {t: after_typ.get(t, 0) for t in TYPOLOGIES},
            "matrice": {
                b: {a: c for a, c in sorted(row.items())} for b, row in sorted(matrix.items())
            },
        },
        "surfaces": {
            "base": n,
            "avant": surfaces(before_surf),
            "apres": surfaces(after_surf),
            "evolution_moyenne_m2": (
                (sum(changes, Decimal(0)) / len(changes)).quantize(TWO, rounding=ROUND_HALF_UP)
                if changes else None
            ),
            "plus_grande": sum(1 for c in changes if c > 0),
            "plus_petite": sum(1 for c in changes if c < 0),
            "egale": sum(1 for c in changes if c == 0),
        },
        "reste_a_charge": {
            "base": n,
            "avant": {"total_cents": sum(rac_before), "moyenne_cents": cents_mean(rac_before),
                      "par_m2_euros": per_m2(rac_surf_before)},
            "apres": {"total_cents": sum(rac_after), "moyenne_cents": cents_mean(rac_after),
                      "par_m2_euros": per_m2(rac_surf_after)},
            "evolution_total_cents": sum(deltas),
            "evolution_moyenne_cents": cents_mean(deltas),
            "hausse": sum(1 for d in deltas if d > 0),
            "baisse": sum(1 for d in deltas if d < 0),
            "stable": sum(1 for d in deltas if d == 0),
        },
        "indemnites_minoration": indemnities.summary(
            [assessments[p["proposal_id"]] for p in leases if p["proposal_id"] in assessments]
        ),
    }


def _figures(
    hh: list[dict],
    props: list[dict],
    objs: list[dict],
    instant: datetime,
    offers_by_id: dict[str, dict] | None = None,
    assessments: dict[str, dict] | None = None,
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

    lease_records = [p["lease_indicators"] for p in leases]
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
        "taux_effort": records_summary(lease_records, "taux_effort_points", TE_BINS, "pts"),
        "reste_a_vivre_personne": records_summary(lease_records, "rav_person_day", RAV_BINS, "€/j"),
        "reste_a_vivre_uc": records_summary(lease_records, "rav_uc_day", RAV_BINS, "€/j"),
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
        "offres_examinees": _considered_figures(hh),
        "retours": returns,
        **_lease_figures(leases, {h["household_id"]: h for h in hh}, offers_by_id or {}, assessments or {}),
    }


def _considered_figures(hh: list[dict]) -> dict[str, Any]:
    """How many offers each household was considered for (proposed, visited or set
    aside, distinct offers): distribution 0..4, 5+, and the mean over every household."""
    considered = Counter(min(int(h.get("offers_considered") or 0), 5) for h in hh)
    return {
        "distribution": {("5+" if k == 5 else str(k)): considered.get(k, 0) for k in range(6)},
        "moyenne": mean([Decimal(int(h.get("offers_considered") or 0)) for h in hh]),
    }


def _reception_figures(
    org: str,
    hh_by_id: dict[str, dict],
    props: list[dict],
    offers_by_id: dict[str, dict],
    assessments: dict[str, dict],
) -> dict[str, Any]:
    """Figures of a receiving bailleur: relocations into its dwellings, proposals of its offers."""
    mine = [p for p in props if p["offer_bailleur"] == org]
    leases = [p for p in mine if p["status"] == "bail_signe" and p["lease_indicators"]]
    refused = [p for p in mine if p["status"] == "refusee"]

    lease_records = [p["lease_indicators"] for p in leases]
    origins = Counter(p["household_bailleur"] for p in leases)
    return {
        "relogements": len(leases),
        "origine": dict(sorted(origins.items())),
        "inter_bailleur": {"nombre": sum(1 for p in leases if p["household_bailleur"] != org),
                           "taux": rate(sum(1 for p in leases if p["household_bailleur"] != org), len(leases))},
        "propositions": {
            "faites": len(mine),
            "en_cours": sum(1 for p in mine if p["live"]),
            "refus": len(refused),
            "refus_par_motif": dict(sorted(Counter(p["refusal_motive"] for p in refused).items())),
        },
        "taux_effort": records_summary(lease_records, "taux_effort_points", TE_BINS, "pts"),
        "reste_a_vivre_personne": records_summary(lease_records, "rav_person_day", RAV_BINS, "€/j"),
        **_lease_figures(leases, hh_by_id, offers_by_id, assessments),
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
    reference: indemnities.Reference | None = None,
) -> dict[str, Any]:
    """The dashboard of one project: ``total`` and ``par_quartier`` / ``par_operation``
    / ``par_bailleur`` (bailleur of origin, org hex → figures) and
    ``par_bailleur_accueil`` (receiving bailleur), with ``position`` and ``instant``
    it was computed at. ``position=None``: live. ``reference``: the indemnity
    reference tables (default ``reference/*.csv``)."""
    position, when = resolve(db, position, instant)
    hh, props, objs = load(db, project_id, position)
    project = q.get_project(db, project_id, position=position)
    if project is not None:
        project.pop("valid_to")  # differs between live and as-of; the figures do not
    household_ids = {h["household_id"] for h in hh}
    leases = [
        p for p in props
        if p["status"] == "bail_signe" and p["lease_indicators"] and p["household_id"] in household_ids
    ]
    offers_by_id = {o["offer_id"]: o for o in q.list_offers(db, project_id, position=position)}
    assessments = indemnities.assess_all(leases, offers_by_id, reference)

    def grouped(key: Callable[[dict], str]) -> dict[str, dict]:
        groups: dict[str, list[dict]] = {}
        for h in hh:
            groups.setdefault(key(h), []).append(h)
        return {
            k: _figures(v, props, objs, when, offers_by_id, assessments) for k, v in sorted(groups.items())
        }

    hh_by_id = {h["household_id"]: h for h in hh}
    return {
        "position": position,
        "instant": when,
        "project": project,
        "total": _figures(hh, props, objs, when, offers_by_id, assessments),
        "par_quartier": grouped(lambda h: h["quartier"]),
        "par_operation": grouped(lambda h: h["operation"]),
        "par_bailleur": grouped(lambda h: h["bailleur_org"]),
        "par_bailleur_accueil": {
            org: _reception_figures(org, hh_by_id, props, offers_by_id, assessments)
            for org in sorted({p["offer_bailleur"] for p in props if p["household_id"] in household_ids})
        },
        "indemnites_conventions": list(indemnities.CONVENTIONS),
    }


def dashboard_at(db: q.Db, project_id: UUID | str, instant: datetime) -> dict[str, Any]:
    """The dashboard as it stood at ``instant`` (auditors): position_at(instant), instant."""
    return dashboard(db, project_id, position=q.position_at(db, instant), instant=instant)
