"""Plausibility rules of what people type, in the domain (web, import and CLI get them).

Dates follow the case's timeline: a step of a proposal (acceptance, CALEOL decision,
lease) is dated from the proposal's Paris day to today (the application's clock; a
tolerance of two months ahead, see FUTURE_TOLERANCE_DAYS), a visit from the household's
registration day; the move-in may be in the future, within a year of the signing; no
date before 01/01/2000. Offers: a rent, a floor from 0, a year from 1800 to this year + 5
(VEFA). Wishes: at most 20 communes of 80 characters. Phone numbers: 10 to 15 digits.
A refused command stores nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from relogement.platform import indicators
from relogement.platform.application import NewOffer
from relogement.platform.command_checks import FUTURE_TOLERANCE_DAYS
from relogement.platform.errors import InvalidValue
from relogement.platform.values import Dwelling, PersonalData, Wishes
from relogement.simulation import sample

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the FakeClock's start (a Monday)


@pytest.fixture
def world(app):
    return sample.build_world(app)


def refused(app, action, field: str, *fragments: str) -> InvalidValue:
    """The command is refused on ``field`` with a French message; no event is stored."""
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as caught:
        action()
    error = caught.value
    assert error.code == "invalid_value"
    assert error.field == field, error.message
    for fragment in fragments:
        assert fragment in error.message, error.message
    assert app.recorder.max_notification_id() == before
    return error


def proposed(world, clock):
    """A household, an offer and a proposal made at 12:00 UTC on 02/03/2026; window over."""
    app = world.app
    household = sample.register(world)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    clock.advance(hours=3)
    proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    clock.advance(hours=49)  # 04/03/2026 13:00 UTC: the objection window is over
    return household, offer, proposal


# -- 1. dates of the case's timeline -----------------------------------------
def test_acceptance_dated_before_the_proposal_or_far_ahead_is_refused(app, world, clock):
    _, _, proposal = proposed(world, clock)
    lmh = world.actor("LMH")
    refused(app, lambda: app.accept_proposal(proposal, date(2020, 1, 1), lmh),
            "accepted_on", "La date d'acceptation (01/01/2020) précède la proposition (02/03/2026)")
    refused(app, lambda: app.accept_proposal(proposal, date(2099, 1, 1), lmh),
            "accepted_on", "01/01/2099", "trop loin dans le futur", "04/03/2026")
    refused(app, lambda: app.accept_proposal(proposal, date(1, 1, 1), lmh),
            "accepted_on", "01/01/0001", "invraisemblable", "01/01/2000")
    app.accept_proposal(proposal, date(2026, 3, 2), lmh)  # the proposal's own day
    assert app.proposal(proposal).accepted


def test_the_proposal_day_is_the_paris_day(app, world, clock):
    """A proposal made at 23:30 UTC on 02/03 is made on 03/03 in Paris."""
    household = sample.register(world)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    clock.advance(hours=49)
    refused(app, lambda: app.accept_proposal(proposal, date(2026, 3, 2), world.actor("LMH")),
            "accepted_on", "précède la proposition (03/03/2026)")
    app.accept_proposal(proposal, date(2026, 3, 3), world.actor("LMH"))


def test_the_future_tolerance_is_two_months(app, world, clock):
    _, _, proposal = proposed(world, clock)
    today = date(2026, 3, 4)
    limit = today + timedelta(days=FUTURE_TOLERANCE_DAYS)
    refused(app, lambda: app.accept_proposal(proposal, limit + timedelta(days=1), world.actor("LMH")),
            "accepted_on", "trop loin dans le futur")
    app.accept_proposal(proposal, limit, world.actor("LMH"))


def test_caleol_decision_dated_before_the_proposal_is_refused(app, world, clock):
    _, _, proposal = proposed(world, clock)
    app.accept_proposal(proposal, date(2026, 3, 4), world.actor("LMH"))
    vcl = world.actor("VCL")
    refused(app, lambda: app.decide_caleol(proposal, "attribution", date(2019, 5, 5), "", vcl),
            "decided_on", "La date de la commission CALEOL (05/05/2019) précède la proposition")
    refused(app, lambda: app.decide_caleol(proposal, "attribution", date(2099, 5, 5), "", vcl),
            "decided_on", "trop loin dans le futur")
    refused(app, lambda: app.decide_caleol(proposal, "attribution", date(1999, 12, 31), "", vcl),
            "decided_on", "31/12/1999", "invraisemblable")
    app.decide_caleol(proposal, "attribution", date(2026, 3, 4), "", vcl)
    assert app.proposal(proposal).caleol == "attribution"


def test_lease_and_move_in_dates(app, world, clock):
    household, _, proposal = proposed(world, clock)
    app.accept_proposal(proposal, date(2026, 3, 4), world.actor("LMH"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 4), "", world.actor("VCL"))
    vcl = world.actor("VCL")

    def sign(signed_on: date, move_in: date):
        return lambda: app.sign_lease(proposal, 48_000, 10_000, 20_000, signed_on, move_in, vcl)

    refused(app, sign(date(2026, 3, 1), date(2026, 3, 10)),
            "signed_on", "La date de signature du bail (01/03/2026) précède la proposition")
    refused(app, sign(date(2099, 3, 4), date(2099, 3, 10)), "signed_on", "trop loin dans le futur")
    refused(app, sign(date(2026, 3, 4), date(2026, 3, 3)),
            "move_in_date", "L'entrée dans les lieux ne peut précéder la signature du bail.")
    refused(app, sign(date(2026, 3, 4), date(2027, 3, 6)),
            "move_in_date", "La date d'entrée dans les lieux (06/03/2027) est à plus d'un an")
    refused(app, sign(date(1999, 3, 4), date(2026, 3, 6)), "signed_on", "invraisemblable")
    # A move-in months ahead of today, within a year of the signing, is fine.
    sign(date(2026, 3, 4), date(2026, 12, 1))()
    assert app.household(household).relocated_by == proposal


def test_visit_dates(app, world, clock):
    household = sample.register(world)  # registered on 02/03/2026
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    lmh = world.actor("LMH")
    for day, fragment in (
        (date(1900, 1, 1), "invraisemblable"),
        (date(1, 1, 1), "01/01/0001"),
        (date(2099, 1, 1), "trop loin dans le futur"),
        (date(2026, 3, 1), "précède l'inscription du ménage (02/03/2026)"),
    ):
        refused(app, lambda day=day: app.record_visit(household, offer, day, "", lmh),
                "visited_on", "La date de visite", fragment)
    app.record_visit(household, offer, date(2026, 3, 2), "Intéressé", lmh)
    assert [v["on"] for v in app.household(household).visits] == [date(2026, 3, 2)]


def test_follow_up_date_from_2000_and_not_before_registration(app, world, clock):
    household, _, proposal = proposed(world, clock)
    app.accept_proposal(proposal, date(2026, 3, 4), world.actor("LMH"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 4), "", world.actor("VCL"))
    app.sign_lease(proposal, 48_000, 10_000, 20_000, date(2026, 3, 4), date(2026, 3, 10), world.actor("VCL"))
    cost = indicators.HousingCost(48_000, 0, 10_000, 20_000)
    lmh = world.actor("LMH")
    refused(app, lambda: app.record_follow_up(household, date(1999, 1, 1), 180_000, cost, lmh),
            "measured_on", "La date du suivi (01/01/1999) est invraisemblable")
    refused(app, lambda: app.record_follow_up(household, date(2026, 2, 1), 180_000, cost, lmh),
            "measured_on", "précède l'inscription du ménage")
    refused(app, lambda: app.record_follow_up(household, date(2026, 3, 9), 180_000, cost, lmh),
            "measured_on", "précède l'entrée dans le logement (10/03/2026)")
    refused(app, lambda: app.record_follow_up(household, date(2026, 9, 1), 180_000, cost, lmh),
            "measured_on", "trop loin dans le futur")
    clock.advance(days=180)
    app.record_follow_up(household, date(2026, 9, 1), 180_000, cost, lmh)


def test_a_date_must_be_a_date(app, world, clock):
    _, _, proposal = proposed(world, clock)
    refused(app, lambda: app.accept_proposal(proposal, "2026-03-04", world.actor("LMH")),
            "accepted_on", "La date d'acceptation doit être une date.")


# -- 2. offers, wishes, phone numbers ------------------------------------------
def test_offer_rent_floor_and_year(app, world, clock):
    vcl = world.actor("VCL")

    def publish(**kwargs):
        return lambda: app.publish_offer(world.project_id, sample.dwelling(**kwargs), vcl)

    refused(app, publish(rent_cents=0), "rent_cents", "supérieur à 0 €")
    refused(app, publish(construction_year=2099), "construction_year",
            "« 2099 »", "entre 1800 et 2031", "VEFA")
    refused(app, lambda: app.publish_offer(
        world.project_id, Dwelling(**{**sample.dwelling().to_dict(), "floor": -3}), vcl),
        "floor", "Étage invalide « -3 »", "0 (rez-de-chaussée)")
    # Several offers at once (imports): all or none.
    rows = [NewOffer(sample.dwelling()), NewOffer(sample.dwelling(rent_cents=0))]
    refused(app, lambda: app.publish_offers(world.project_id, rows, vcl), "rent_cents")

    # VEFA: delivered up to 5 years after the clock's year; ground floor is 0.
    offer = publish(construction_year=2031)()
    ground = Dwelling(**{**sample.dwelling().to_dict(), "floor": 0})
    app.publish_offer(world.project_id, ground, vcl)
    # Editing an offer meets the same rules.
    refused(app, lambda: app.update_offer(offer, sample.dwelling(rent_cents=0), vcl), "rent_cents")
    app.update_offer(offer, sample.dwelling(construction_year=1850), vcl)
    assert app.offer(offer).dwelling["construction_year"] == 1850


def test_old_offers_stay_readable():
    """The value type still reads a stored dwelling the new rules would refuse."""
    stored = {**sample.dwelling().to_dict(), "floor": -1, "rent_cents": 0}
    assert Dwelling.from_dict(stored).floor == -1


def test_wished_communes_are_capped():
    with pytest.raises(InvalidValue) as caught:
        Wishes(communes=tuple(f"Commune {i}" for i in range(21)))
    assert caught.value.field == "communes"
    assert "Trop de communes souhaitées (21) : 20 au maximum." == caught.value.message
    with pytest.raises(InvalidValue) as caught:
        Wishes(communes=("Lille", "x" * 3000))
    assert "80 caractères au maximum" in caught.value.message
    assert len(caught.value.message) < 200  # the message does not repeat the 3,000 characters
    ok = Wishes(communes=tuple(f"{i:02d}" + "x" * 78 for i in range(20)))
    assert len(ok.communes) == 20


def test_wishes_over_the_cap_are_not_recorded(app, world):
    household = sample.register(world)
    before = app.household(household).wishes
    with pytest.raises(InvalidValue):
        app.record_wishes(household, Wishes(communes=("x" * 81,)), world.actor("LMH"))
    assert app.household(household).wishes == before


@pytest.mark.parametrize(
    "phone", ["06 12 34 56 78", "+33 6 12 34 56 78", "+33 (0)6.12.34.56.78", "03-20-00-00-00", "0612345678"]
)
def test_phone_numbers_accepted(phone):
    assert PersonalData(name="Famille Martin", phone=phone).phone == phone


@pytest.mark.parametrize(
    "phone", ["abc", "07", "06 12 34 56", "0612345678901234", "06 12 34 56 78 poste 2", "06+12345678", "++33612345678"]
)
def test_phone_numbers_refused(phone):
    with pytest.raises(InvalidValue) as caught:
        PersonalData(name="Famille Martin", phone=phone)
    assert caught.value.field == "phone"
    assert caught.value.message.startswith("Numéro de téléphone invalide")
    assert "de 10 à 15 chiffres" in caught.value.message


def test_empty_phone_is_allowed():
    assert PersonalData(name="Famille Martin", phone="  ").phone == ""


def test_housing_aid_beyond_any_real_amount_is_refused(app, world, clock):
    """5 000 € a month of APL is a typing error (for 50,00 €): refused everywhere it is typed.
    Aid above the housing cost itself stays possible: a negative reste à charge."""
    household = sample.register(world)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    officer = world.actor("LMH")  # the household's bailleur
    refused(app, lambda: app.make_proposal(household, offer, 500_000, officer),
            "apl_after_cents", "5\u00a0000,00 €", "vérifiez le montant")
    # 650 € of aid on 480 € + 100 €: accepted, the reste à charge is −70 €.
    proposal = app.make_proposal(household, offer, 65_000, officer)
    assert app.proposal(proposal).indicators["after"]["reste_a_charge_cents"] == -7_000
    situation = sample.situation(apl_cents=250_000)
    refused(app, lambda: app.update_situation(household, situation, officer), "apl_cents", "2\u00a0500,00 €")


def test_an_offer_in_a_project_quartier_carries_its_qpv_flag(app, world, clock):
    """The "hors QPV" figures read the offer's flag: in one of the project's quartiers
    (code or name, any case) it must be that quartier's; elsewhere it is the one given."""
    lmh = world.actor("LMH")
    refused(app, lambda: app.publish_offer(world.project_id, sample.dwelling(quartier="LS-FAU", qpv=False), lmh),
            "qpv", "Le quartier « Faubourg de Béthune » du projet est un quartier prioritaire (QPV)")
    refused(app, lambda: app.publish_offer(world.project_id, sample.dwelling(quartier="vauban", qpv=True), lmh),
            "qpv", "« Vauban » du projet n'est pas un quartier prioritaire")
    offer = app.publish_offer(world.project_id, sample.dwelling(quartier="ls-fau", qpv=True), lmh)
    assert app.offer(offer).dwelling["quartier"] == "LS-FAU"  # the project's quartier, by its code
    refused(app, lambda: app.update_offer(offer, sample.dwelling(quartier="Moulins", qpv=False), lmh),
            "qpv", "« Moulins » du projet est un quartier prioritaire")
    app.publish_offer(world.project_id, sample.dwelling(quartier="Bois-Blancs", qpv=True), lmh)  # not the project's
