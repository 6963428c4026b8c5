"""The ranking of ``matching`` over a whole pool at once (numpy), for the pages' speed.

:func:`matching.assess` is the rule, one household in one offer; ranking 1,500 offers
(or 1,000 households) with it costs tens of milliseconds of Python per page. Here the
same rule is applied column-wise: the pool's columns are built once per read position
(:class:`OfferColumns`, :class:`HouseholdColumns`) and each ranking is a few array
operations. Every comparison stays exact: amounts are integer cents, and each bound
that :class:`matching.Prepared` holds as a fraction becomes the integer bound that
compares the same way with integer amounts (``rac > q`` ⇔ ``rac > ⌊q⌋``; ``x ≥ q`` ⇔
``x ≥ ⌈q⌉``; a surface ``s < m`` for an integer m ⇔ ``⌊s⌋ < m``). A property test checks
that both give the same keys (tests/test_matching.py).

Registered extra criteria (``matching.EXTRA_CRITERIA``) are judged by the criterion's own
rule: once per offer (or household), or, when the criterion declares what its judgement
reads (``offer_group`` / ``household_group``), once per group and over-occupation, the
result spread to the group's members (tests/test_matching_groups.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from fractions import Fraction

import numpy as np

from relogement.platform import indicators
from relogement.platform.matching import (
    EXTRA_CRITERIA,
    ExtraCriterion,
    HouseholdProfile,
    MatchSettings,
    OfferProfile,
    Prepared,
)

_NO_FLOOR = 1 << 30


def _codes(values: Sequence[Hashable], table: dict) -> np.ndarray:
    return np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int64)


def _earned(weight: int, share: Fraction) -> int:
    return int(weight * Fraction(share))


def _grouped(groups: np.ndarray, over: np.ndarray, earned_at: Callable[[int], int]) -> np.ndarray:
    """``earned_at(i)`` for the first member i of each (group, over-occupied) class, given
    to every member of the class."""
    _, first, inverse = np.unique(groups * 2 + over, return_index=True, return_inverse=True)
    return np.array([earned_at(i) for i in first.tolist()], dtype=np.int64)[inverse.reshape(-1)]


def _order(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Indices sorted by ``keys`` (first key most significant)."""
    return np.lexsort(tuple(reversed(keys)))


class OfferColumns:
    """The offers of a pool as columns (built once per read position)."""

    def __init__(self, offers: Sequence[OfferProfile], today: date) -> None:
        self.offers = tuple(offers)  # immutable: per-pool work may be keyed by its identity
        self.communes: dict[str, int] = {}
        self.quartiers: dict[str, int] = {}
        self.bailleurs: dict[str, int] = {}
        o = self.offers
        self.commune = _codes([x.commune.strip().lower() for x in o], self.communes)
        self.quartier = _codes([x.quartier for x in o], self.quartiers)
        self.bailleur = _codes([x.bailleur for x in o], self.bailleurs)
        self.rooms = np.array([x.rooms for x in o], dtype=np.int64)
        self.surface_floor = np.array([math.floor(x.surface_m2) for x in o], dtype=np.int64)
        self.cost = np.array([x.rent_cents + x.annex_rent_cents + x.charges_cents for x in o], dtype=np.int64)
        self.year = np.array([x.construction_year for x in o], dtype=np.int64)
        self.individual = np.array([x.individual for x in o], dtype=bool)
        self.floor = np.array([x.floor for x in o], dtype=np.int64)
        self.lift = np.array([x.lift for x in o], dtype=bool)
        self.accessible = np.array([x.accessible for x in o], dtype=bool)
        self.qpv = np.array([x.qpv for x in o], dtype=bool)
        self.expired = np.array([x.available_until is not None and x.available_until < today for x in o], dtype=bool)
        self.reference_rank = np.empty(len(o), dtype=np.int64)
        self.reference_rank[sorted(range(len(o)), key=lambda i: o[i].reference)] = np.arange(len(o))
        self.today = today
        self._index: dict[str, int] | None = None
        self._groups: dict[str, np.ndarray] = {}
        self.judged: dict[tuple, np.ndarray] = {}  # extra criteria's columns per household group

    def groups(self, criterion: ExtraCriterion) -> np.ndarray:
        """Each offer's ``criterion.offer_group``, as codes (built on first use)."""
        found = self._groups.get(criterion.code)
        if found is None:
            found = self._groups[criterion.code] = _codes([criterion.offer_group(o) for o in self.offers], {})
        return found

    def index_of(self) -> dict[str, int]:
        """offer id → its position in the pool (built on first use)."""
        if self._index is None:
            self._index = {o.id: i for i, o in enumerate(self.offers)}
        return self._index


def rank_offers(p: Prepared, cols: OfferColumns, aid_cents: np.ndarray | int, s: MatchSettings
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(order, limits, score, rac): the pool's indices best first, and per offer (in the
    pool's order) the number of hard limits, the score and the reste à charge after."""
    if cols.today != s.today:
        raise ValueError("columns built for another day")
    h, w = p.h, s.weights
    rac = cols.cost - aid_cents
    over = cols.surface_floor < p.min_surface
    limits = over.astype(np.int64)
    if p.cap_rac is not None:
        limits += rac > p.cap_floor
    if p.max_floor is not None:
        limits += (cols.floor > p.max_floor) & ~cols.lift
    if p.needs_lift:
        limits += (cols.floor > 0) & ~cols.lift
    if p.needs_accessible:
        limits += ~cols.accessible
    limits += cols.expired
    score = np.zeros(len(cols.offers), dtype=np.int64)
    if p.communes:
        wished = [cols.communes[c] for c in p.communes if c in cols.communes]
        score += w["commune"] * np.isin(cols.commune, wished)
    else:
        score += w["commune"]
    if p.typologies:
        score += w["typologie"] * np.isin(cols.rooms, [indicators.typology_rooms(t) for t in p.typologies])
    else:
        score += w["typologie"]
    if p.individual is None:
        score += w["individuel"]
    else:
        score += w["individuel"] * (cols.individual == bool(p.individual))
    if p.right_to_return and h.quartier in cols.quartiers:
        score += w["retour"] * (cols.quartier == cols.quartiers[h.quartier])
    score += w["sous_occupation"] * (cols.rooms <= p.persons + 1)
    if p.resources > 0:
        rise = rac - p.before_rac
        score += np.where(rise <= 0, w["taux_effort"],
                          np.where(rise <= p.tolerance_floor, w["taux_effort"] // 2, 0))
    score += w["reste_a_vivre"] * (p.resources - rac >= p.rav_ceil)
    if h.qpv:
        score += w["hors_qpv"] * ~cols.qpv
    score += w["neuf"] * (s.today.year - cols.year < indicators.NEW_HOUSING_MAX_AGE_YEARS)
    own = cols.bailleurs.get(h.bailleur, -1)
    score += w["inter_bailleur"] * (cols.bailleur != own)
    for code, criterion in EXTRA_CRITERIA.items():
        if w.get(code):
            score += _extra_for_offers(criterion, w[code], h, cols, over)
    order = _order([limits > 0, limits, -score, rac, cols.reference_rank])
    return order, limits, score, rac


def _extra_for_offers(criterion: ExtraCriterion, weight: int, h: HouseholdProfile, cols: OfferColumns,
                      over: np.ndarray) -> np.ndarray:
    """The points of an extra criterion for one household in every offer of the pool."""
    offers = cols.offers
    if criterion.offer_group is None:
        return np.array([_earned(weight, criterion.judge(h, o)[0]) for o in offers], dtype=np.int64)
    if criterion.household_group is None:
        return _grouped(cols.groups(criterion), over, lambda i: _earned(weight, criterion.judge(h, offers[i])[0]))
    # The judgement reads the household only through its group: households of one group
    # (and one over-occupation pattern in the pool) get the same column, worked out once.
    key = (criterion.code, weight, criterion.household_group(h), over.tobytes())
    return _remembered(cols.judged, key, lambda: _grouped(
        cols.groups(criterion), over, lambda i: _earned(weight, criterion.judge(h, offers[i])[0])))


_JUDGED_MAX = 256  # columns kept per pool


def _remembered(memo: dict, key: tuple, compute: Callable[[], np.ndarray]) -> np.ndarray:
    found = memo.get(key)
    if found is None:
        found = compute()
        found.setflags(write=False)  # shared by the requests: added to, never changed
        if len(memo) >= _JUDGED_MAX:
            memo.clear()
        memo[key] = found
    return found


class HouseholdColumns:
    """Households of a project as columns, with their :class:`Prepared` (once per position
    and settings)."""

    def __init__(self, households: Sequence[HouseholdProfile], s: MatchSettings) -> None:
        self.prepared = [Prepared(h, s) for h in households]
        self.settings = s
        ps = self.prepared
        n = len(ps)
        self.communes: dict[str, int] = {}
        for p in ps:
            for c in p.communes:
                self.communes.setdefault(c, len(self.communes))
        self.commune_wish = np.zeros((n, max(1, len(self.communes))), dtype=bool)
        self.typology_wish = np.zeros((n, 7), dtype=bool)
        for i, p in enumerate(ps):
            for c in p.communes:
                self.commune_wish[i, self.communes[c]] = True
            for t in p.typologies:
                self.typology_wish[i, indicators.typology_rooms(t)] = True
        self.any_commune = np.array([bool(p.communes) for p in ps], dtype=bool)
        self.any_typology = np.array([bool(p.typologies) for p in ps], dtype=bool)
        self.persons = np.array([p.persons for p in ps], dtype=np.int64)
        self.min_surface = np.array([p.min_surface for p in ps], dtype=np.int64)
        self.before_rac = np.array([p.before_rac for p in ps], dtype=np.int64)
        self.resources = np.array([p.resources for p in ps], dtype=np.int64)
        self.apl = np.array([p.h.apl_cents for p in ps], dtype=np.int64)
        big = np.iinfo(np.int64).max // 4
        self.cap_floor = np.array([big if p.cap_floor is None else p.cap_floor for p in ps], dtype=np.int64)
        self.tolerance_floor = np.array([p.tolerance_floor for p in ps], dtype=np.int64)
        self.rav_ceil = np.array([p.rav_ceil for p in ps], dtype=np.int64)
        self.individual = np.array([-1 if p.individual is None else int(bool(p.individual)) for p in ps],
                                   dtype=np.int64)
        self.max_floor = np.array([_NO_FLOOR if p.max_floor is None else p.max_floor for p in ps], dtype=np.int64)
        self.needs_lift = np.array([p.needs_lift for p in ps], dtype=bool)
        self.needs_accessible = np.array([p.needs_accessible for p in ps], dtype=bool)
        self.right_to_return = np.array([p.right_to_return for p in ps], dtype=bool)
        self.quartier = np.array([p.h.quartier for p in ps], dtype=object)
        self.qpv = np.array([p.h.qpv for p in ps], dtype=bool)
        self.bailleur = np.array([p.h.bailleur for p in ps], dtype=object)
        self.reference_rank = np.empty(n, dtype=np.int64)
        self.reference_rank[sorted(range(n), key=lambda i: ps[i].h.reference)] = np.arange(n)
        self._groups: dict[str, np.ndarray] = {}
        self.judged: dict[tuple, np.ndarray] = {}  # extra criteria's columns per offer group

    def groups(self, criterion: ExtraCriterion) -> np.ndarray:
        """Each household's ``criterion.household_group``, as codes (built on first use)."""
        found = self._groups.get(criterion.code)
        if found is None:
            found = self._groups[criterion.code] = _codes(
                [criterion.household_group(p.h) for p in self.prepared], {})
        return found


def rank_households(cols: HouseholdColumns, o: OfferProfile, aid_cents: np.ndarray, s: MatchSettings
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`rank_offers`, for one offer and every household of ``cols``."""
    if cols.settings != s:
        raise ValueError("columns built for other settings")
    w = s.weights
    rac = o.rent_cents + o.annex_rent_cents + o.charges_cents - aid_cents
    over = math.floor(o.surface_m2) < cols.min_surface
    limits = over.astype(np.int64)
    limits += rac > cols.cap_floor
    if not o.lift:
        limits += o.floor > cols.max_floor
        limits += cols.needs_lift & (o.floor > 0)
    if not o.accessible:
        limits += cols.needs_accessible
    if o.available_until is not None and o.available_until < s.today:
        limits += 1
    commune = cols.communes.get(o.commune.strip().lower())
    wished = cols.commune_wish[:, commune] if commune is not None else np.zeros(len(cols.prepared), dtype=bool)
    score = w["commune"] * (~cols.any_commune | wished)
    score = score + w["typologie"] * (~cols.any_typology | cols.typology_wish[:, o.rooms])
    score += w["individuel"] * ((cols.individual == -1) | (cols.individual == int(o.individual)))
    score += w["retour"] * (cols.right_to_return & (cols.quartier == o.quartier))
    score += w["sous_occupation"] * (o.rooms <= cols.persons + 1)
    rise = rac - cols.before_rac
    effort = np.where(rise <= 0, w["taux_effort"], np.where(rise <= cols.tolerance_floor, w["taux_effort"] // 2, 0))
    score += np.where(cols.resources > 0, effort, 0)
    score += w["reste_a_vivre"] * (cols.resources - rac >= cols.rav_ceil)
    if not o.qpv:
        score += w["hors_qpv"] * cols.qpv
    if s.today.year - o.construction_year < indicators.NEW_HOUSING_MAX_AGE_YEARS:
        score += w["neuf"]
    score += w["inter_bailleur"] * (cols.bailleur != o.bailleur)
    for code, criterion in EXTRA_CRITERIA.items():
        if w.get(code):
            score += _extra_for_households(criterion, w[code], cols, o, over)
    score = score.astype(np.int64)
    order = _order([limits > 0, limits, -score, rac, cols.reference_rank])
    return order, limits, score, rac


def _extra_for_households(criterion: ExtraCriterion, weight: int, cols: HouseholdColumns, o: OfferProfile,
                          over: np.ndarray) -> np.ndarray:
    """The points of an extra criterion for every household of ``cols`` in one offer."""
    ps = cols.prepared
    if criterion.household_group is None:
        return np.array([_earned(weight, criterion.judge(p.h, o)[0]) for p in ps], dtype=np.int64)
    if criterion.offer_group is None:
        return _grouped(cols.groups(criterion), over, lambda i: _earned(weight, criterion.judge(ps[i].h, o)[0]))
    # As for the offers: offers of one group (and one over-occupation pattern) share a column.
    key = (criterion.code, weight, criterion.offer_group(o), over.tobytes())
    return _remembered(cols.judged, key, lambda: _grouped(
        cols.groups(criterion), over, lambda i: _earned(weight, criterion.judge(ps[i].h, o)[0])))
