"""The checks the use cases run on what people type: amounts, aid, dates, timelines.

Each raises ``InvalidValue`` with a French message naming the field; none reads the
event store. ``_placement`` and ``_measure`` build the indicators' inputs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from relogement.platform import indicators
from relogement.platform.deadline import PARIS
from relogement.platform.errors import InvalidValue
from relogement.platform.household import Household
from relogement.platform.offer import Offer
from relogement.platform.proposal import Proposal
from relogement.platform.values import Dwelling, Situation, check_plausible_day, day_fr


def _measure(situation: Situation) -> indicators.Measure:
    return indicators.Measure(situation.resources_cents, situation.ages, situation.housing_cost())


def _check_cost(cost: indicators.HousingCost, resources_cents: int) -> None:
    for name in ("rent_cents", "annex_rent_cents", "charges_cents", "apl_cents"):
        value = getattr(cost, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValue(name, "Les montants sont des entiers positifs (centimes).")
    if isinstance(resources_cents, bool) or not isinstance(resources_cents, int) or resources_cents < 0:
        raise InvalidValue("resources_cents", "Les ressources sont un entier positif (centimes).")
    _check_aid(cost.apl_cents, "apl_cents")


# No household receives this much housing aid a month (APL or AL): a typing error
# (5 000 € for 50,00 €) would otherwise skew every figure of the programme. Aid above
# the housing cost itself stays possible (a negative reste à charge, shown as such).
MAX_AID_CENTS = 2_000_00


def _check_aid(apl_cents: int, field: str) -> None:
    if apl_cents > MAX_AID_CENTS:
        amount = f"{apl_cents / 100:,.2f}".replace(",", "\u00a0").replace(".", ",")
        limit = f"{MAX_AID_CENTS // 100:,}".replace(",", "\u00a0")
        raise InvalidValue(
            field,
            f"Aide au logement de {amount} € par mois : au-delà de {limit} €, vérifiez le montant "
            "(montant mensuel en euros).",
        )


# The French names of the dates people type (error messages).
DATE_LABELS = {
    "accepted_on": "La date d'acceptation",
    "refused_on": "La date du refus",
    "decided_on": "La date de la commission CALEOL",
    "signed_on": "La date de signature du bail",
    "move_in_date": "La date d'entrée dans les lieux",
    "visited_on": "La date de visite",
    "measured_on": "La date du suivi",
    "available_until": "La date de fin de réservation",
}
# How long ahead an offer may be reserved for the relocations.
MAX_RESERVATION_DAYS = 3 * 366


def _check_available_until(day: date | None, today: date) -> None:
    """The last day an offer is reserved for the relocations: from today, within 3 years."""
    if day is None:
        return
    _check_dates(available_until=day)
    if day < today:
        raise InvalidValue(
            "available_until", f"{_label('available_until')} ({day_fr(day)}) est déjà passée."
        )
    if day > today + timedelta(days=MAX_RESERVATION_DAYS):
        raise InvalidValue(
            "available_until",
            f"{_label('available_until')} ({day_fr(day)}) est à plus de trois ans : vérifiez l'année.",
        )
# How far after today (the clock's Paris day) a step of a proposal may be dated. The
# rule meant is "not after today"; the existing scenarios (lifecycle, reports) enter
# steps dated a few days, and up to about 40 days, after their clock, so today + 2
# months: a year typed wrong (2099, 2062) is still refused.
FUTURE_TOLERANCE_DAYS = 62


def _label(name: str) -> str:
    return DATE_LABELS.get(name, f"« {name} »")


def _check_dates(**dates: object) -> None:
    """Dates stored in events must be dates (a string would be stored as a string),
    and plausible: none before 01/01/2000."""
    for name, value in dates.items():
        # datetime is a subclass of date: refuse it too (a day is meant, not an instant).
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidValue(name, f"{_label(name)} doit être une date.")
        check_plausible_day(name, _label(name), value)


def _paris_day(instant: datetime) -> date:
    return instant.astimezone(PARIS).date()


def _check_timeline(
    name: str, day: date, since: date, since_what: str, today: date | None = None
) -> None:
    """A step of the case dated on or after its start (``since``, a Paris day) and, if
    ``today`` is given, not beyond ``FUTURE_TOLERANCE_DAYS`` after it."""
    if day < since:
        raise InvalidValue(
            name, f"{_label(name)} ({day_fr(day)}) précède {since_what} ({day_fr(since)})."
        )
    if today is not None and day > today + timedelta(days=FUTURE_TOLERANCE_DAYS):
        raise InvalidValue(
            name,
            f"{_label(name)} ({day_fr(day)}) est trop loin dans le futur : au plus deux mois "
            f"après aujourd'hui ({day_fr(today)}).",
        )


def _check_proposal_step(name: str, day: date, proposal: Proposal, at: datetime) -> None:
    """Acceptance, CALEOL decision, lease: not before the proposal's day, not after today."""
    _check_timeline(name, day, _paris_day(proposal.created_on), "la proposition", _paris_day(at))


def _placement(
    household: Household, situation: Situation, offer: Offer, dwelling: Dwelling, reference_year: int
) -> indicators.Placement:
    current = situation.dwelling
    return indicators.Placement(
        from_quartier=household.quartier,
        from_qpv=current.qpv,
        from_commune=current.commune,
        from_bailleur=str(household.bailleur_org),
        from_typology=current.typology,
        from_surface_m2=current.surface_m2,
        to_quartier=dwelling.quartier,
        to_qpv=dwelling.qpv,
        to_commune=dwelling.commune,
        to_bailleur=str(offer.bailleur_org),
        to_typology=dwelling.typology,
        to_surface_m2=dwelling.surface_m2,
        to_construction_year=dwelling.construction_year,
        to_individual=dwelling.individual,
        reference_year=reference_year,
    )
