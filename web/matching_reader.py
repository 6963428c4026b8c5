"""What the ranking pages read: the pools as the ranking's profiles and columns, built
once per read position and shared by the process's requests, and the ranked pages.

No SQL here: the rows come from :mod:`relogement.projections.queries.matching`; the rule
from :mod:`relogement.platform.matching` (explanations) and
:mod:`relogement.platform.matching_arrays` (the whole pool at once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import numpy as np

from relogement.platform import matching as m
from relogement.platform import matching_arrays as ma
from relogement.platform.aid_estimate import AidProvider, TypedAid, uniform
from relogement.projections.queries import matching as mq
from relogement.web.cache import Cache

PAGE_SIZE = 10


def offer_profile(row: dict) -> m.OfferProfile:
    return m.OfferProfile(
        id=row["offer_id"], reference=row["reference"], bailleur=row["bailleur_org"], commune=row["commune"],
        quartier=row["quartier"], qpv=bool(row["qpv"]), typology=row["typology"],
        surface_m2=Decimal(str(row["surface_m2"])), rent_cents=int(row["rent_cents"]),
        annex_rent_cents=int(row["annex_rent_cents"] or 0), charges_cents=int(row["charges_cents"]),
        construction_year=int(row["construction_year"]), individual=bool(row["individual"]),
        floor=int(row["floor"]), lift=bool(row["lift"]), accessible=bool(row["accessible"]),
        available_until=row["available_until"],
    )


def household_profile(row: dict) -> m.HouseholdProfile:
    return m.HouseholdProfile(
        id=row["household_id"], reference=row["reference"], quartier=row["quartier"], bailleur=row["bailleur_org"],
        ages=tuple(int(a) for a in row["ages"]), resources_cents=int(row["resources_cents"]),
        apl_cents=int(row["apl_cents"]), rent_cents=int(row["rent_cents"]),
        annex_rent_cents=int(row["annex_rent_cents"] or 0), charges_cents=int(row["charges_cents"]),
        typology=row["typology"], surface_m2=Decimal(str(row["surface_m2"])), qpv=bool(row["qpv"]),
        commune=row["commune"], wishes=row["wishes"] or {},
    )


@dataclass(frozen=True)
class Ranked:
    """One row of a ranking page: its rank in the whole list and its explained match."""

    rank: int
    match: m.Match
    officer_org: str = ""


@dataclass(frozen=True)
class RankingPage:
    items: list[Ranked]
    page: int
    pages: int
    total: int
    eligible: int
    set_aside: list[tuple[Any, dict]]  # (profile, set-aside row)
    settings: m.MatchSettings
    aid_source: str


def _caches(readmodels: Any) -> Cache:
    # One cache per ReadModels (one per application): tests open several in a process.
    cache = readmodels.__dict__.get("_matching_cache")
    if cache is None:
        cache = readmodels.__dict__.setdefault("_matching_cache", Cache(16))
    return cache


def offer_columns(readmodels: Any, project_id: UUID, position: int, today: date) -> ma.OfferColumns:
    def compute() -> ma.OfferColumns:
        rows = mq.offer_pool(readmodels.reader, project_id, position)
        return ma.OfferColumns([offer_profile(r) for r in rows], today)

    return _caches(readmodels).get(("offers", project_id, position, today), compute)


def household_columns(readmodels: Any, project_id: UUID, position: int, s: m.MatchSettings
                      ) -> tuple[ma.HouseholdColumns, list[str]]:
    """The project's households still to relocate, and their officer orgs (same order)."""
    def compute() -> tuple[ma.HouseholdColumns, list[str]]:
        rows = sorted(mq.household_pool(readmodels.reader, project_id, position), key=lambda r: r["reference"])
        return ma.HouseholdColumns([household_profile(r) for r in rows], s), [r["officer_org"] for r in rows]

    key = (s.today, tuple(sorted(s.weights.items())), s.max_effort_rate, s.rav_convention, s.rav_threshold)
    return _caches(readmodels).get(("households", project_id, position, *key), compute)


def _pages(total: int, page: int) -> tuple[int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(1, page), pages), pages


def offers_for(readmodels: Any, project: Any, household_id: UUID, position: int, today: date, page: int,
               provider: AidProvider | None = None) -> RankingPage | None:
    """Every available offer of the project for one household, best first (a page of
    explained rows); None if the household is not in the project."""
    s = m.MatchSettings.of_project(project.settings, today)
    rows = mq.household_pool(readmodels.reader, project.id, position, household_id=household_id)
    if not rows:
        return None
    h = household_profile(rows[0])
    p = m.Prepared(h, s)
    cols = offer_columns(readmodels, project.id, position, today)
    estimates = (provider or TypedAid()).estimate(h, cols.offers)
    one = uniform(estimates)
    aids = one.cents if one is not None else np.array([estimates[o.id].cents for o in cols.offers], dtype=np.int64)
    order, limits, _, _ = ma.rank_offers(p, cols, aids, s)
    aside = {r["offer_id"]: r for r in mq.set_aside(readmodels.reader, project.id, position, household_id=household_id)}
    kept = [int(i) for i in order if cols.offers[i].id not in aside]
    number, pages = _pages(len(kept), page)
    start = (number - 1) * PAGE_SIZE
    items = [
        Ranked(start + k + 1, m.explain(p, cols.offers[i], estimates[cols.offers[i].id], s))
        for k, i in enumerate(kept[start:start + PAGE_SIZE])
    ]
    eligible = sum(1 for i in kept if limits[i] == 0)
    by_id = {o.id: o for o in cols.offers}
    set_aside = [(by_id[oid], row) for oid, row in aside.items() if oid in by_id]
    source = one.source if one is not None else "estimation par logement"
    return RankingPage(items, number, pages, len(kept), eligible, set_aside, s, source)


def households_for(readmodels: Any, project: Any, offer_row: dict, position: int, today: date, page: int,
                   may_see: Callable[[str, str], bool]) -> RankingPage:
    """The project's households still to relocate for one offer, best first, among those
    ``may_see(bailleur hex, officer hex)`` allows (their exact situation is used)."""
    s = m.MatchSettings.of_project(project.settings, today)
    cols, officers = household_columns(readmodels, project.id, position, s)
    o = offer_profile(offer_row)
    order, limits, _, _ = ma.rank_households(cols, o, cols.apl, s)
    aside = {r["household_id"]: r for r in mq.set_aside(readmodels.reader, project.id, position, offer_id=o.id)}
    seen: dict[tuple[str, str], bool] = {}
    kept = []
    for i in order:
        i = int(i)
        h = cols.prepared[i].h
        key = (h.bailleur, officers[i])
        if key not in seen:
            seen[key] = may_see(*key)
        if seen[key] and h.id not in aside:
            kept.append(i)
    number, pages = _pages(len(kept), page)
    start = (number - 1) * PAGE_SIZE
    provider = TypedAid()
    items = []
    for k, i in enumerate(kept[start:start + PAGE_SIZE]):
        p = cols.prepared[i]
        aid = provider.estimate(p.h, [o])[o.id]
        items.append(Ranked(start + k + 1, m.explain(p, o, aid, s), officers[i]))
    eligible = sum(1 for i in kept if limits[i] == 0)
    by_id = {p.h.id: (p.h, officers[i]) for i, p in enumerate(cols.prepared)}
    set_aside = [(by_id[hid][0], row) for hid, row in aside.items()
                 if hid in by_id and seen.get((by_id[hid][0].bailleur, by_id[hid][1]), False)]
    return RankingPage(items, number, pages, len(kept), eligible, set_aside, s,
                       "aide actuelle de chaque ménage, reportée (estimation)")


def offer_row(readmodels: Any, offer: Any) -> dict:
    """An offer page's view as the row ``offer_profile`` reads."""
    return {**offer.dwelling, "offer_id": offer.id.hex, "reference": offer.reference,
            "bailleur_org": offer.bailleur_id.hex, "available_until": offer.available_until}
