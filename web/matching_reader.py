"""What the ranking pages read: the pools as the ranking's profiles and columns, built
once per read position and shared by the process's requests, and the ranked pages.

No SQL here: the rows come from :mod:`relogement.projections.queries.matching`; the rule
from :mod:`relogement.platform.matching` (explanations) and
:mod:`relogement.platform.matching_arrays` (the whole pool at once).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import numpy as np

from relogement.platform import matching as m
from relogement.platform import matching_arrays as ma
from relogement.platform import peuplement as pp
from relogement.platform import residence_balance as rb
from relogement.platform.aid_estimate import AidProvider, TypedAid, uniform
from relogement.projections import residence_figures as rf
from relogement.projections.queries import matching as mq
from relogement.web.cache import Cache

PAGE_SIZE = 10


def offer_profile(row: dict, residence_state: pp.ResidenceState | None = None) -> m.OfferProfile:
    return m.OfferProfile(
        id=row["offer_id"], reference=row["reference"], bailleur=row["bailleur_org"], commune=row["commune"],
        quartier=row["quartier"], qpv=bool(row["qpv"]), typology=row["typology"],
        surface_m2=Decimal(str(row["surface_m2"])), rent_cents=int(row["rent_cents"]),
        annex_rent_cents=int(row["annex_rent_cents"] or 0), charges_cents=int(row["charges_cents"]),
        construction_year=int(row["construction_year"]), individual=bool(row["individual"]),
        floor=int(row["floor"]), lift=bool(row["lift"]), accessible=bool(row["accessible"]),
        available_until=row["available_until"],
        extra={} if residence_state is None else {rb.RESIDENCE_STATE: residence_state},
    )


def household_profile(row: dict, adults_in_work: int | None = None) -> m.HouseholdProfile:
    ages = tuple(int(a) for a in row["ages"])
    adults = sum(1 for a in ages if a >= 18)
    return m.HouseholdProfile(
        id=row["household_id"], reference=row["reference"], quartier=row["quartier"], bailleur=row["bailleur_org"],
        ages=tuple(int(a) for a in row["ages"]), resources_cents=int(row["resources_cents"]),
        apl_cents=int(row["apl_cents"]), rent_cents=int(row["rent_cents"]),
        annex_rent_cents=int(row["annex_rent_cents"] or 0), charges_cents=int(row["charges_cents"]),
        typology=row["typology"], surface_m2=Decimal(str(row["surface_m2"])), qpv=bool(row["qpv"]),
        commune=row["commune"], wishes=row["wishes"] or {}, income_quartile=row.get("income_quartile"),
        adults_in_work=adults_in_work,
        plus_ceiling_cents_year=rf.plus_ceiling_cents(adults, len(ages) - adults, None),
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
    simulated: Any = None  # the simulated aids beside the figures used (issue 21), if any
    # The page's fragments that depend only on the ranked rows, rendered once (``kept``):
    # shared by the copies ``replace`` makes, as the page itself is kept by its inputs.
    html: dict = field(default_factory=dict, compare=False, repr=False)


def kept(ranking: RankingPage, key: Hashable, render: Callable[..., str], *args: Any) -> str:
    """``render(*args)`` (a template macro), rendered once per ranked page and ``key``: the
    caller passes only what the ranked page determines (its rows, settings, labels)."""
    found = ranking.html.get(key)
    if found is None:
        found = ranking.html.setdefault(key, render(*args))
    return found


def _caches(readmodels: Any) -> Cache:
    # One cache per ReadModels (one per application): tests open several in a process.
    cache = readmodels.__dict__.get("_matching_cache")
    if cache is None:
        cache = readmodels.__dict__.setdefault("_matching_cache", Cache(16))
    return cache


# Explained pages kept per process: both lists of the largest project (1,085 households,
# 2,352 offers) fit, so a page is ranked and explained once per worker and position. A
# kept page with its rendered rows is ≈ 60 kB (tracemalloc), ≈ 90 kB with its page body kept
# (web/page_parts.kept_body): ≈ 370 MB per worker when full.
RANKED_PAGES = 4096


def _ranked(readmodels: Any) -> Cache:
    """The pages already ranked and explained, by the exact inputs the ranking reads: the read position (every event is a new one: the pools,
    the household's or offer's row, the project's settings, the offers set aside are all
    read at it), the day, the settings, the aids used and who may see what."""
    cache = readmodels.__dict__.get("_ranked_pages")
    if cache is None:
        cache = readmodels.__dict__.setdefault("_ranked_pages", Cache(RANKED_PAGES))
    return cache


def _profiles(readmodels: Any) -> Cache:
    """The households' profiles read for « Logements adaptés », by read position."""
    cache = readmodels.__dict__.get("_ranked_profiles")
    if cache is None:
        cache = readmodels.__dict__.setdefault("_ranked_profiles", Cache(4 * RANKED_PAGES))
    return cache


def _settings_key(s: m.MatchSettings, settings: Any) -> tuple:
    rules = tuple(sorted(pp.thresholds(settings).items())) if _balance_on(settings) else None
    return (s.today, tuple(sorted(s.weights.items())), s.max_effort_rate, s.rav_convention, s.rav_threshold, rules)


def _aid_key(estimates: Any) -> tuple | None:
    """What the aids used are, as a key (None: the provider does not say; not cached)."""
    one = uniform(estimates)
    if one is not None:
        return ("uniform", one.cents, one.source)
    return getattr(estimates, "key", None)


def _balance_on(settings: Any) -> bool:
    return bool(settings is not None and settings.get("matching_weights", {}).get(rb.CODE))


@dataclass(frozen=True)
class Residences:
    """The residences as the criterion « équilibre de la résidence » reads them: each
    offer's residence state and each household's adults in work (once per position)."""

    by_offer: dict[str, pp.ResidenceState]
    adults_in_work: dict[str, int | None]


def residences(readmodels: Any, project_id: UUID, position: int, settings: Any) -> Residences:
    """Built only when the project weighs the criterion (else empty: it is not scored)."""
    if not _balance_on(settings):
        return Residences({}, {})

    def compute() -> Residences:
        states = {b.row["residence_id"]: b.state()
                  for b in rf.residence_balances(readmodels.reader, project_id.hex, position, settings)}
        links = rf.project_links(readmodels.reader, project_id.hex, position)
        return Residences(
            {k: states[r["residence_id"]] for k, r in links.items() if r["kind"] == "offre"
             and r["residence_id"] in states},
            {k: r["adults_in_work"] for k, r in links.items() if r["kind"] != "offre"},
        )

    rules = tuple(sorted(pp.thresholds(settings).items()))
    return _caches(readmodels).get(("residences", project_id, position, rules), compute)


def offer_columns(readmodels: Any, project_id: UUID, position: int, today: date,
                  settings: Any = None) -> ma.OfferColumns:
    """The pool's offers as columns; with ``settings`` weighing « équilibre de la
    résidence », each offer carries its residence's state."""
    res = residences(readmodels, project_id, position, settings)

    def compute() -> ma.OfferColumns:
        rows = mq.offer_pool(readmodels.reader, project_id, position)
        return ma.OfferColumns([offer_profile(r, res.by_offer.get(r["offer_id"])) for r in rows], today)

    rules = tuple(sorted(pp.thresholds(settings).items())) if _balance_on(settings) else None
    return _caches(readmodels).get(("offers", project_id, position, today, rules), compute)


@dataclass(frozen=True)
class HouseholdPool:
    """The households' columns, their officer orgs, and who follows them as codes: the
    distinct (bailleur, officer) pairs, and each household's pair."""

    cols: ma.HouseholdColumns
    officers: list[str]
    pairs: list[tuple[str, str]]
    pair_code: np.ndarray
    index: dict[str, int]


def household_columns(readmodels: Any, project_id: UUID, position: int, s: m.MatchSettings,
                      settings: Any = None) -> HouseholdPool:
    """The project's households still to relocate, as columns (once per position)."""
    in_work = residences(readmodels, project_id, position, settings).adults_in_work

    def compute() -> HouseholdPool:
        rows = sorted(mq.household_pool(readmodels.reader, project_id, position), key=lambda r: r["reference"])
        cols = ma.HouseholdColumns([household_profile(r, in_work.get(r["household_id"])) for r in rows], s)
        codes: dict[tuple[str, str], int] = {}
        pair_code = np.array([codes.setdefault((r["bailleur_org"], r["officer_org"]), len(codes)) for r in rows],
                             dtype=np.int64)
        return HouseholdPool(cols, [r["officer_org"] for r in rows], list(codes), pair_code,
                             {r["household_id"]: i for i, r in enumerate(rows)})

    key = (s.today, tuple(sorted(s.weights.items())), s.max_effort_rate, s.rav_convention, s.rav_threshold)
    return _caches(readmodels).get(("households", project_id, position, *key), compute)


def _set_aside(readmodels: Any, project_id: UUID, position: int) -> tuple[dict, dict]:
    """The project's offers set aside, by household and by offer (once per position)."""
    def compute() -> tuple[dict, dict]:
        by_household: dict[str, dict] = {}
        by_offer: dict[str, dict] = {}
        for r in mq.set_aside(readmodels.reader, project_id, position):
            by_household.setdefault(r["household_id"], {})[r["offer_id"]] = r
            by_offer.setdefault(r["offer_id"], {})[r["household_id"]] = r
        return by_household, by_offer

    return _caches(readmodels).get(("set_aside", project_id, position), compute)


def _pages(total: int, page: int) -> tuple[int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(1, page), pages), pages


def offers_for(readmodels: Any, project: Any, household_id: UUID, position: int, today: date, page: int,
               provider: AidProvider | None = None) -> RankingPage | None:
    """Every available offer of the project for one household, best first (a page of
    explained rows); None if the household is not in the project."""
    s = m.MatchSettings.of_project(project.settings, today)
    balance = _balance_on(project.settings)

    def read_household() -> m.HouseholdProfile | None:
        # A household still to relocate: its profile as the pool's columns hold it (read
        # once per position for every household, with the same rows and adults in work).
        pool = household_columns(readmodels, project.id, position, s, project.settings)
        found = pool.index.get(household_id.hex)
        if found is not None:
            return pool.cols.prepared[found].h
        rows = mq.household_pool(readmodels.reader, project.id, position, household_id=household_id)
        if not rows:
            return None
        in_work = None
        if balance:
            in_work = (rf.link_of(readmodels.reader, household_id.hex, position) or {}).get("adults_in_work")
        return household_profile(rows[0], in_work)

    h = _profiles(readmodels).get((project.id, household_id, position, balance), read_household)
    if h is None:
        return None
    cols = offer_columns(readmodels, project.id, position, today, project.settings)
    estimates = (provider or TypedAid()).estimate(h, cols.offers)
    aid_key = _aid_key(estimates)
    if aid_key is None:
        return _offers_page(readmodels, project, household_id, h, position, page, s, cols, estimates)
    key = ("offers_for", project.id, household_id, position, page, _settings_key(s, project.settings), aid_key)
    # Kept without the simulation's answer (the request's is put back below): its reasons
    # name every offer of the pool (≈ 50 kB a page).
    ranked = _ranked(readmodels).get(key, lambda: replace(_offers_page(
        readmodels, project, household_id, h, position, page, s, cols, estimates), simulated=None))
    # The simulation's figures shown beside each row are this request's (the service may
    # have answered since): the ranking itself depends only on the aids used (the key).
    return replace(ranked, simulated=getattr(estimates, "simulated", None))


def _offers_page(readmodels: Any, project: Any, household_id: UUID, h: m.HouseholdProfile, position: int,
                 page: int, s: m.MatchSettings, cols: ma.OfferColumns, estimates: Any) -> RankingPage:
    p = m.Prepared(h, s)
    one = uniform(estimates)
    column = getattr(estimates, "cents", None)  # a provider's column of aids, in the pool's order
    aids = one.cents if one is not None else column if column is not None else np.array(
        [estimates[o.id].cents for o in cols.offers], dtype=np.int64)
    order, limits, _, _ = ma.rank_offers(p, cols, aids, s)
    aside = _set_aside(readmodels, project.id, position)[0].get(household_id.hex, {})
    index = cols.index_of()
    hidden = [index[oid] for oid in aside if oid in index]
    if hidden:
        order = order[~np.isin(order, hidden)]
    number, pages = _pages(len(order), page)
    start = (number - 1) * PAGE_SIZE
    items = [
        Ranked(start + k + 1, m.explain(p, cols.offers[i], estimates[cols.offers[i].id], s))
        for k, i in enumerate(order[start:start + PAGE_SIZE].tolist())
    ]
    eligible = int(np.count_nonzero(limits[order] == 0))
    set_aside = [(cols.offers[index[oid]], row) for oid, row in aside.items() if oid in index]
    source = one.source if one is not None else getattr(estimates, "source", "estimation par logement")
    return RankingPage(items, number, pages, len(order), eligible, set_aside, s, source,
                       getattr(estimates, "simulated", None))


_SEEN = Cache(1024)  # the policy's answers per (bailleur, officer) pair, by ``who``, the question and the pairs


def per_pair(who: Hashable | None, question: str, pairs: tuple[tuple[str, str], ...],
             ask: Callable[[str, str], bool]) -> tuple[bool, ...]:
    """``ask(bailleur, officer)`` for each pair: kept by ``who`` (everything ``ask`` reads
    besides the pair, as the policy sees it) and ``question``, if the caller knows it."""
    if who is None:
        return tuple(bool(ask(*pair)) for pair in pairs)
    return _SEEN.get((who, question, pairs), lambda: tuple(bool(ask(*pair)) for pair in pairs))


@dataclass(frozen=True)
class HouseholdsRanking:
    """A « Ménages correspondants » page before it is ranked: its key (every input the
    ranking reads) and the pool's (bailleur, officer) pairs; ``page()`` ranks it (once per
    process and key)."""

    key: tuple
    pairs: tuple[tuple[str, str], ...]
    rank: Callable[[], RankingPage] = field(compare=False, repr=False)

    def page(self) -> RankingPage:
        return self.rank()


def households_ranking(readmodels: Any, project: Any, offer_row: dict, position: int, today: date, page: int,
                       may_see: Callable[[str, str], bool], who: Hashable | None = None) -> HouseholdsRanking:
    """What :func:`households_for` ranks, without ranking it."""
    s = m.MatchSettings.of_project(project.settings, today)
    pool = household_columns(readmodels, project.id, position, s, project.settings)
    # Who may see which households is asked to the policy once per (bailleur, officer) pair.
    pairs = tuple(pool.pairs)
    seen = per_pair(who, "situation", pairs, may_see)
    # The offer's row is read at ``position`` like everything else the ranking reads.
    key = ("households_for", project.id, offer_row["offer_id"], position, page,
           _settings_key(s, project.settings), seen)
    return HouseholdsRanking(key, pairs, lambda: _ranked(readmodels).get(key, lambda: _households_page(
        readmodels, project, offer_row, position, page, s, pool, seen)))


def households_for(readmodels: Any, project: Any, offer_row: dict, position: int, today: date, page: int,
                   may_see: Callable[[str, str], bool], who: Hashable | None = None) -> RankingPage:
    """The project's households still to relocate for one offer, best first, among those
    ``may_see(bailleur hex, officer hex)`` allows (their exact situation is used). ``who``:
    everything ``may_see`` reads besides the pair (the user and the project, as the policy
    sees them), if the caller knows it: its answers are then kept by it."""
    return households_ranking(readmodels, project, offer_row, position, today, page, may_see, who).page()


def _households_page(readmodels: Any, project: Any, offer_row: dict, position: int, page: int,
                     s: m.MatchSettings, pool: HouseholdPool, seen: tuple[bool, ...]) -> RankingPage:
    cols = pool.cols
    res = residences(readmodels, project.id, position, project.settings)
    o = offer_profile(offer_row, res.by_offer.get(offer_row["offer_id"]))
    order, limits, _, _ = ma.rank_households(cols, o, cols.apl, s)
    aside = _set_aside(readmodels, project.id, position)[1].get(o.id, {})
    visible = np.array(seen, dtype=bool)[pool.pair_code] if pool.pairs else np.zeros(0, dtype=bool)
    shown_aside = [(pool.index[hid], row) for hid, row in aside.items() if hid in pool.index]
    shown_aside = [(i, row) for i, row in shown_aside if visible[i]]
    visible[[i for i, _ in shown_aside]] = False
    order = order[visible[order]]
    number, pages = _pages(len(order), page)
    start = (number - 1) * PAGE_SIZE
    provider = TypedAid()
    items = []
    for k, i in enumerate(order[start:start + PAGE_SIZE].tolist()):
        p = cols.prepared[i]
        aid = provider.estimate(p.h, [o])[o.id]
        items.append(Ranked(start + k + 1, m.explain(p, o, aid, s), pool.officers[i]))
    eligible = int(np.count_nonzero(limits[order] == 0))
    set_aside = [(cols.prepared[i].h, row) for i, row in shown_aside]
    return RankingPage(items, number, pages, len(order), eligible, set_aside, s,
                       "aide actuelle de chaque ménage, reportée (estimation)")


def offer_row(readmodels: Any, offer: Any) -> dict:
    """An offer page's view as the row ``offer_profile`` reads."""
    return {**offer.dwelling, "offer_id": offer.id.hex, "reference": offer.reference,
            "bailleur_org": offer.bailleur_id.hex, "available_until": offer.available_until}
