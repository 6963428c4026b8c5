"""The residences' pure rules: class, statistical secrecy, survey checks, profiles."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from relogement.platform import peuplement as pp
from relogement.platform.errors import InvalidValue

BASE = {f: Decimal(0) for f in pp.FIGURES}
RULES = pp.thresholds(None)


def shares(**values: str) -> dict[str, Decimal]:
    return {**BASE, **{k: Decimal(v) for k, v in values.items()}}


@pytest.mark.parametrize(("values", "expected"), [
    ({"under_60": "70"}, pp.FRAGILE),  # at the fragile threshold
    ({"under_60": "69.9", "first_quartile": "45"}, pp.FRAGILE),
    ({"under_60": "55"}, pp.WATCH),
    ({"under_60": "54.9", "first_quartile": "30"}, pp.WATCH),
    ({"under_60": "39.9", "first_quartile": "14.9"}, pp.ATTRACTIVE),
    ({"under_60": "40", "first_quartile": "14.9"}, pp.BALANCED),
    # one signal: an attractive residence is only balanced
    ({"under_60": "30", "first_quartile": "10", "housing_aid": "65"}, pp.BALANCED),
    # two signals: one step towards fragile
    ({"under_60": "45", "single_parent": "25", "over_occupation": "10"}, pp.WATCH),
    ({"under_60": "75", "single_parent": "25", "no_adult_in_work": "40"}, pp.FRAGILE),
])
def test_class_rules(values, expected):
    assert pp.classify(shares(**values), RULES)[0] == expected


def test_thresholds_are_project_settings():
    rules = pp.thresholds({"peuplement": {"watch_under_60": 60}})
    assert pp.classify(shares(under_60="58"), rules)[0] == pp.BALANCED
    with pytest.raises(InvalidValue):
        pp.check_thresholds({"watch_under_60": "101"})
    with pytest.raises(InvalidValue):
        pp.check_thresholds({"inconnu": "3"})


def test_statistical_secrecy():
    assert [pp.secret_count(n) for n in (0, 1, 4, 5, 12)] == ["< 5", "< 5", "< 5", "5", "12"]
    # 10 % of 40 households = 4: the share is under secrecy too; 12.5 % of 40 = 5 is shown.
    assert pp.secret_share(Decimal("10"), Decimal("10") * 40 / 100) == "< 5"
    assert pp.secret_share(Decimal("12.5"), Decimal("12.5") * 40 / 100) == "12,5 %"
    assert pp.secret_share(Fraction(100, 3), 5) == "33,3 %"


def test_survey_checks():
    with pytest.raises(InvalidValue, match="incohérentes"):
        pp.check_survey(40, shares(under_20="50", under_40="35", under_60="58"))
    with pytest.raises(InvalidValue):
        pp.check_survey(0, shares())
    assert pp.parse_share("x", "27,5 %") == Decimal("27.5")
    for bad in ("abc", "101", "-1"):
        with pytest.raises(InvalidValue):
            pp.parse_share("x", bad)


def test_profile_and_estimate():
    # Single parent, 1 100 €/month = 13 200 €/year, category 3 ceiling 39 051 €: 33.8 %.
    p = pp.profile(ages=(35, 8), resources_cents=110_000, apl_cents=15_000, income_quartile=1,
                   adults_in_work=0, surface_m2=Decimal("15"), plus_ceiling_cents_year=3_905_100)
    assert (p.under_20, p.under_40, p.under_60) == (False, True, True)
    assert p.first_quartile and p.housing_aid and p.single_parent and p.no_adult_in_work
    assert p.over_occupation  # 2 persons need 16 m²
    # 10 households, 30 % first quartile (3); one in, one (not first quartile) out: 4 / 10.
    other = pp.profile(ages=(40,), resources_cents=300_000, apl_cents=0, income_quartile=4,
                       adults_in_work=1, surface_m2=Decimal("30"), plus_ceiling_cents_year=2_431_600)
    households, counts, after = pp.estimate_after(10, shares(first_quartile="30"), [p], [other])
    assert households == 10 and counts["first_quartile"] == 4 and after["first_quartile"] == 40
    assert pp.plus_category(1, 0) == 1 and pp.plus_category(2, 0) == 2 and pp.plus_category(1, 1) == 3
    assert pp.plus_category(2, 5) == 7


def test_objectives_are_checked():
    assert pp.check_objectives([{"kind": "max_share", "figure": "first_quartile", "percent": "30"}]) == [
        {"kind": "max_share", "figure": "first_quartile", "percent": "30.0"}]
    for bad in ({"kind": "max_first_quartile", "limit": "x"}, {"kind": "autre"},
                {"kind": "max_share", "figure": "age", "percent": "3"}):
        with pytest.raises(InvalidValue):
            pp.check_objectives([bad])
