"""Issue 23, points 3 and 6: which project quartier a typed one means, and messages that
say what is expected (pure functions, no database)."""

from __future__ import annotations

import pytest

from relogement.platform.errors import InvalidValue, InvalidValues
from relogement.platform.quartier_match import match_quartier, normalise
from relogement.platform.values import Dwelling
from relogement.web.parsing import parse_cents, parse_date

QUARTIERS = [
    {"code": "LS-FAU", "name": "Faubourg de Béthune", "commune": "Lille", "qpv": True},
    {"code": "LS-MOU", "name": "Moulins – Belfort", "commune": "Lille", "qpv": True},
    {"code": "LS-VAU", "name": "Vauban", "commune": "Lille", "qpv": False},
]


def test_normalise_drops_case_accents_dashes_and_leading_words():
    assert normalise("Quartier des  MOULINS – Belfort") == "moulins belfort"
    assert normalise("Faubourg-de-Béthune") == normalise("faubourg de bethune")


@pytest.mark.parametrize(
    ("typed", "exact"),
    [("moulins-belfort", "LS-MOU"), ("MOULINS – BELFORT", "LS-MOU"), ("ls-mou", "LS-MOU"),
     ("Faubourg de Bethune", "LS-FAU"), ("vauban", "LS-VAU")],
)
def test_exact_whatever_the_spelling(typed, exact):
    match = match_quartier(QUARTIERS, typed)
    assert match.exact["code"] == exact and match.near == ()


@pytest.mark.parametrize(
    ("typed", "near"),
    [("Moulins", "LS-MOU"), ("Quartier des Moulins", "LS-MOU"), ("Vaubans", "LS-VAU"),
     ("Faubourg", "LS-FAU"), ("lsmou", "LS-MOU")],
)
def test_near_asks_vouliez_vous_dire(typed, near):
    match = match_quartier(QUARTIERS, typed)
    assert match.exact is None and [q["code"] for q in match.near] == [near]


@pytest.mark.parametrize("typed", ["Bourg", "Bois-Blancs", "Lomme-Centre", "Wazemmes"])
def test_another_quartier_is_neither(typed):
    assert match_quartier(QUARTIERS, typed) == match_quartier([], typed)


def test_a_dwelling_reports_all_its_bad_fields_at_once():
    with pytest.raises(InvalidValues) as caught:
        Dwelling("T9", 0, -1, 0, financing="X", construction_year=1700, floor=99)
    fields = [p.field for p in caught.value.problems]
    assert fields == ["typology", "surface_m2", "rent_cents", "financing", "construction_year", "floor"]
    assert isinstance(caught.value, InvalidValue) and caught.value.field == "typology"  # the first, as before
    offered = Dwelling("T3", 60, 0, 0, construction_year=2099, floor=-1)
    assert [p.field for p in offered.offered_problems(2026)] == ["rent_cents", "floor", "construction_year"]


def test_messages_say_what_is_expected():
    with pytest.raises(ValueError, match="le montant doit être positif"):
        parse_cents("-450")
    with pytest.raises(ValueError, match="deux décimales au plus"):
        parse_cents("12,345")
    # A date input sends aaaa-mm-jj: echoed as the user saw it, jj/mm/aaaa.
    with pytest.raises(ValueError) as caught:
        parse_date("1999-05-01")
    assert "« 01/05/1999 »" in str(caught.value) and "1999-05-01" not in str(caught.value)
    with pytest.raises(ValueError) as caught:
        parse_date("2026-02-30")
    assert "« 30/02/2026 »" in str(caught.value) and "jj/mm/aaaa" in str(caught.value)
