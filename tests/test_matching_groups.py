"""The pool rankings judge « équilibre de la résidence » once per group (residence or
household figures, and over-occupation), not once per pair: on random pools, with
surfaces on both sides of the occupancy thresholds, every offer's (limits, score, reste à
charge) and the order equal the rule applied one pair at a time (``matching.assess``),
both ways; and equal the per-pair path of ``matching_arrays`` (criterion without groups).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from relogement.platform import matching as m
from relogement.platform import matching_arrays as ma
from relogement.platform import peuplement as pp
from relogement.platform import residence_balance as rb
from relogement.platform.aid_estimate import AidEstimate

TODAY = date(2026, 3, 2)
AGES = ([40], [40, 38], [40, 38, 10], [40, 16], [70, 68, 40], [40, 38, 16, 10, 3], [40, 38, 16, 14, 10, 8, 5, 3, 1])


def _profile(rng: random.Random) -> pp.Profile:
    return pp.Profile(*(rng.random() < .4 for _ in range(6)), rng.choice([None, True, False]), rng.random() < .3,
                      income_quartile=rng.choice([None, 1, 2]))


def _state(rng: random.Random, i: int) -> pp.ResidenceState:
    objectives = rng.sample([
        {"kind": "max_first_quartile", "limit": rng.randint(0, 2)},
        {"kind": "employment_priority"},
        {"kind": "max_share", "figure": "over_occupation", "percent": str(rng.randint(3, 12))},
        {"kind": "max_share", "figure": rng.choice(pp.FIGURES), "percent": str(rng.randint(10, 60))},
    ], rng.randint(0, 3))
    return pp.ResidenceState(
        f"Résidence {i}", rng.choice([0, 20, 40, 120]),
        {f: Decimal(rng.randint(0, 600)) / 10 for f in pp.FIGURES},
        tuple(_profile(rng) for _ in range(rng.randint(0, 3))), tuple(_profile(rng) for _ in range(rng.randint(0, 2))),
        tuple(objectives), rng.choice([None, pp.FRAGILE, pp.WATCH, pp.BALANCED, pp.ATTRACTIVE]))


def _pool(seed: int) -> tuple[list[m.OfferProfile], list[m.HouseholdProfile]]:
    rng = random.Random(seed)
    states = [_state(rng, i) for i in range(8)]
    # Over-occupation tips this one: 5 % of 20 households, at most 8 % (2 of 21 is 9.5 %).
    states[0] = replace(states[0], households=20, shares={**states[0].shares, "over_occupation": Decimal(5)},
                        moved_in=(), moved_out=(),
                        objectives=({"kind": "max_share", "figure": "over_occupation", "percent": "8"},))
    # Surfaces at, just under and over the occupancy thresholds (9, 16, 25 … 70 m²).
    surfaces = [Decimal(t) + d for t in (9, 16, 25, 34, 43, 52, 61, 70) for d in (Decimal("-0.01"), 0, Decimal("0.5"))]
    offers = [m.OfferProfile(
        f"o{i}", f"R{i:04d}", rng.choice("abc"), rng.choice(["Lille", "Lomme"]), rng.choice(["Q1", "Q2"]),
        rng.random() < .5, rng.choice(["T1", "T2", "T3", "T4", "T5"]), rng.choice(surfaces),
        rng.randint(20_000, 70_000), rng.choice([0, 3_000]), rng.randint(3_000, 12_000), rng.randint(1960, 2027),
        rng.random() < .3, rng.randint(0, 8), rng.random() < .5, rng.random() < .3, None,
        extra=rng.choice([{}, {rb.RESIDENCE_STATE: rng.choice(states)}, {rb.RESIDENCE_STATE: rng.choice(states)}]),
    ) for i in range(400)]
    households = [m.HouseholdProfile(
        f"h{i}", f"M{i:04d}", rng.choice(["Q1", "Q2"]), rng.choice("abc"), tuple(rng.choice(AGES)),
        rng.choice([0, rng.randint(50_000, 300_000)]), rng.choice([0, 15_000, 25_000]), 40_000, 0, 8_000, "T3",
        Decimal("60"), rng.random() < .8, "Lille",
        {"communes": rng.choice([[], ["Lille"]]), "typologies": rng.choice([[], ["T3"]]),
         "right_to_return": rng.random() < .3},
        income_quartile=rng.choice([None, 1, 2, 3, 4]), adults_in_work=rng.choice([None, 0, 1, 2]),
        plus_ceiling_cents_year=rng.choice([None, 2_500_000, 4_000_000])) for i in range(150)]
    return offers, households


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_balance_equals_the_rule_pair_by_pair(seed):
    offers, households = _pool(seed)
    s = m.MatchSettings.of_project({"max_effort_rate": "35", "matching_weights": {rb.CODE: 37}}, TODAY)
    cols = ma.OfferColumns(offers, TODAY)
    judged = set()
    for h in households[:50]:
        p = m.Prepared(h, s)
        order, limits, score, rac = ma.rank_offers(p, cols, h.apl_cents, s)
        rule = [m.assess(p, o, h.apl_cents, s) for o in offers]
        assert [(int(a), int(b), int(c)) for a, b, c in zip(limits, score, rac, strict=True)] == rule
        assert [offers[i].id for i in order] == [o.id for _, o in m.rank_offers(
            p, offers, {o.id: AidEstimate(h.apl_cents, "") for o in offers}, s)]
        judged |= {rb.judge(h, o)[0] for o in offers}
    assert len(judged) >= 3  # the criterion does tell the offers apart
    assert any(rb.judge(h, o) != rb.judge(h, replace(o, surface_m2=Decimal(70))) for h in households for o in offers
               if getattr(o.extra.get(rb.RESIDENCE_STATE), "name", "") == "Résidence 0")  # over-occupation counts
    hcols = ma.HouseholdColumns(households, s)
    for o in offers[:80]:
        order, limits, score, rac = ma.rank_households(hcols, o, hcols.apl, s)
        rule = [m.assess(p, o, p.h.apl_cents, s) for p in hcols.prepared]
        assert [(int(a), int(b), int(c)) for a, b, c in zip(limits, score, rac, strict=True)] == rule
        assert [hcols.prepared[i].h.id for i in order] == [
            p.h.id for _, p in m.rank_households(hcols.prepared, o, lambda p: p.h.apl_cents, s)]


def test_grouped_balance_equals_the_per_pair_path(monkeypatch):
    offers, households = _pool(4)
    s = m.MatchSettings.of_project({"matching_weights": {rb.CODE: 20}}, TODAY)
    grouped_cols, grouped_hcols = ma.OfferColumns(offers, TODAY), ma.HouseholdColumns(households, s)
    grouped = ([ma.rank_offers(m.Prepared(h, s), grouped_cols, h.apl_cents, s) for h in households[:30]],
               [ma.rank_households(grouped_hcols, o, grouped_hcols.apl, s) for o in offers[:30]])
    plain = replace(m.EXTRA_CRITERIA[rb.CODE], offer_group=None, household_group=None)
    monkeypatch.setitem(m.EXTRA_CRITERIA, rb.CODE, plain)
    cols, hcols = ma.OfferColumns(offers, TODAY), ma.HouseholdColumns(households, s)
    per_pair = ([ma.rank_offers(m.Prepared(h, s), cols, h.apl_cents, s) for h in households[:30]],
                [ma.rank_households(hcols, o, hcols.apl, s) for o in offers[:30]])
    for a, b in zip(grouped[0] + grouped[1], per_pair[0] + per_pair[1], strict=True):
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_an_empty_pool_ranks_nothing():
    s = m.MatchSettings.of_project({"matching_weights": {rb.CODE: 20}}, TODAY)
    _, households = _pool(5)
    order, limits, score, rac = ma.rank_offers(m.Prepared(households[0], s), ma.OfferColumns([], TODAY), 0, s)
    assert len(order) == len(limits) == len(score) == len(rac) == 0


def test_the_remembered_judgement_equals_the_rule():
    # judge() remembers by (residence, the household's profile in the dwelling): every pair
    # of a random pool gets what the rule gives when worked out afresh.
    offers, households = _pool(6)
    for h in households:
        for o in offers[::7]:
            state = o.extra.get(rb.RESIDENCE_STATE)
            fresh = (rb.NEUTRAL_TEXT if state is None or (state.klass is None and not state.objectives)
                     else rb._judge(state, rb.candidate(h, o)))
            assert rb.judge(h, o) == (fresh if isinstance(fresh, tuple) else (Fraction(1, 2), fresh))


def test_the_judgement_reads_no_quartile_nor_persons_beyond_the_figures():
    # household_group() keys households by their profile as the judgement reads it
    # (rb.as_judged): the income quartile beyond « premier quartile » and the number of
    # persons are not read, so households differing only there share their judgements.
    rng = random.Random(8)
    states = [_state(rng, i) for i in range(40)]
    for _ in range(3_000):
        who = replace(_profile(rng), persons=rng.randint(1, 9))
        who = replace(who, income_quartile=1 if who.first_quartile else rng.choice([None, 2, 3, 4]))
        state = rng.choice(states)
        assert rb._judge(state, who) == rb._judge(state, rb.as_judged(who))
    _, households = _pool(9)
    groups = {rb.household_group(h) for h in households}
    assert len(groups) < len(households) / 2  # households do share groups
