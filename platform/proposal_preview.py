"""A proposal before it is made: the indicators it would carry and the warnings to weigh.

Pure: the indicators are built by the same function ``make_proposal`` stores, so the
preview and the proposal cannot differ; the warnings read the project's settings and the
household's wishes. Nothing here records anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from relogement.platform import indicators
from relogement.platform.command_checks import _measure, _paris_day, _placement
from relogement.platform.household import Household
from relogement.platform.occupancy import ARTICLE, minimum_surface_m2
from relogement.platform.offer import Offer
from relogement.platform.values import Dwelling, Situation


@dataclass(frozen=True)
class ProposalWarning:
    """Something the officer should weigh before sending: a stable code, a French message."""

    code: str
    message: str


# The warnings' codes, in the order they are shown.
OVER_OCCUPATION = "sur_occupation"
UNDER_OCCUPATION = "sous_occupation"
EFFORT_ABOVE_CEILING = "taux_effort_plafond"
RAV_UNDER_THRESHOLD = "reste_a_vivre_seuil"
COMMUNE_NOT_WISHED = "commune_non_souhaitee"


def proposal_indicators(
    household: Household, offer: Offer, apl_after_cents: int, at: datetime
) -> dict:
    """The indicator record a proposal made at ``at`` stores (before / after / evolution,
    convention and destination flags): the officer's aid estimate in the offered dwelling."""
    situation = Situation.from_dict(household.situation)
    dwelling = Dwelling.from_dict(offer.dwelling)
    after = indicators.Measure(
        resources_cents=situation.resources_cents,
        ages=situation.ages,
        cost=indicators.HousingCost(
            rent_cents=dwelling.rent_cents,
            annex_rent_cents=dwelling.annex_rent_cents,
            charges_cents=dwelling.charges_cents,
            apl_cents=apl_after_cents,
        ),
    )
    # The dwelling's age at the proposal: the year of its (Paris) day.
    placement = _placement(household, situation, offer, dwelling, _paris_day(at).year)
    return indicators.compute(_measure(situation), after, placement)


def _fr(value: Decimal | int, places: int) -> str:
    text = f"{Decimal(value):,.{places}f}".replace(",", "\u00a0").replace(".", ",")
    return text


def proposal_warnings(
    record: dict, dwelling: dict, wishes: dict, settings: dict
) -> list[ProposalWarning]:
    """What stands against sending: over- or under-occupation, an effort rate above the
    project's ceiling, a reste-à-vivre under its threshold, a commune not wished (an aid
    above the housing cost is shown by the indicator table itself). ``record``: ``proposal_indicators``; ``settings``: the
    project's, with their defaults (``project.with_defaults``)."""
    found: list[ProposalWarning] = []
    after = record["after"]
    persons = int(after["inputs"]["persons"])
    surface = Decimal(str(dwelling["surface_m2"]))
    least = minimum_surface_m2(persons)
    if surface < least:
        found.append(ProposalWarning(
            OVER_OCCUPATION,
            f"Sur-occupation : {_fr(surface, 0 if surface == surface.to_integral() else 1)} m² "
            f"pour {persons} personne(s), sous le minimum de {least} m² de la règle des aides "
            f"au logement ({ARTICLE}).",
        ))
    rooms = indicators.typology_rooms(dwelling["typology"])
    if rooms > persons + 1:
        found.append(ProposalWarning(
            UNDER_OCCUPATION,
            f"Sous-occupation : {dwelling['typology']} ({rooms} pièces) pour {persons} "
            f"personne(s), soit plus de pièces que de personnes + 1.",
        ))
    ceiling = settings.get("max_effort_rate")
    effort = indicators.exact_figure(after, "taux_effort")
    if ceiling is not None and effort is not None and effort > Decimal(str(ceiling)):
        found.append(ProposalWarning(
            EFFORT_ABOVE_CEILING,
            f"Taux d'effort après relogement de {_fr(after['taux_effort'], 2)} %, au-dessus du "
            f"maximum fixé par le projet ({_fr(Decimal(str(ceiling)), 2)} %).",
        ))
    per_uc = settings.get("rav_convention") == "uc"
    key = "rav_uc_day" if per_uc else "rav_person_day"
    threshold = Decimal(str(settings.get("rav_threshold", "6.00")))
    if indicators.exact_figure(after, key) < threshold:
        found.append(ProposalWarning(
            RAV_UNDER_THRESHOLD,
            f"Reste-à-vivre après relogement de {_fr(after[key], 2)} € par jour et par "
            f"{'unité de consommation' if per_uc else 'personne'}, sous le seuil de fragilité "
            f"du projet ({_fr(threshold, 2)} €).",
        ))
    communes = [c for c in wishes.get("communes") or [] if c.strip()]
    commune = dwelling.get("commune", "")
    if communes and commune.strip().casefold() not in {c.strip().casefold() for c in communes}:
        found.append(ProposalWarning(
            COMMUNE_NOT_WISHED,
            f"Commune non souhaitée : {commune or 'commune non renseignée'} ne figure pas "
            f"parmi les communes souhaitées par le ménage ({', '.join(communes)}).",
        ))
    return found


def warnings_token(warnings: list[ProposalWarning]) -> str:
    """What the confirmation box carries: the codes of the warnings it confirms, so a
    confirmation given for other warnings (the offer or the aid changed) does not count."""
    return " ".join(w.code for w in warnings)
