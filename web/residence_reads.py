"""What the residence pages read: the read side's residence figures and sheets, through
the request's reader (no SQL here)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from relogement.projections import residence_figures as rf
from relogement.projections import residence_sheets as rs
from relogement.web.context import readmodels


def _db() -> Any:
    return readmodels().reader


def balances(project_id: UUID, settings: dict, position: int | None,
             residence_id: str | None = None) -> list[rf.ResidenceBalance]:
    return rf.residence_balances(_db(), project_id.hex, position, settings, residence_id=residence_id)


def sheets(project_id: UUID, settings: dict, position: int | None,
           period: tuple[date, date] | None = None) -> list[rs.Sheet]:
    return [rs.sheet(b, period) for b in balances(project_id, settings, position)]


def residence(residence_id: str, position: int | None) -> dict | None:
    return rf.get_residence(_db(), residence_id, position)


def surveys(residence_id: str, position: int | None) -> list[dict]:
    return rf.residence_surveys_of(_db(), residence_id, position)


def link(ident: UUID | str, position: int | None = None) -> dict | None:
    return rf.link_of(_db(), ident.hex if isinstance(ident, UUID) else ident, position)


def codes(project_id: UUID, bailleur_org: UUID) -> set[str]:
    return rf.residence_codes(_db(), project_id.hex, bailleur_org.hex)


def offer_balance(offer_id: UUID, project_id: UUID, settings: dict, position: int | None = None
                  ) -> rf.ResidenceBalance | None:
    """The residence of an offer, with its relocations (None: the offer names none)."""
    found = link(offer_id, position)
    if not found or not found["residence_id"]:
        return None
    rows = balances(project_id, settings, position, residence_id=found["residence_id"])
    return rows[0] if rows else None


def _candidate(household: Any, offer_id: UUID, apl_cents: int, settings: dict) -> tuple[Any, Any] | None:
    """The offer's residence (with its relocations) and the household's profile in that
    dwelling; None when the offer names no residence or the situation is not readable."""
    from relogement.platform import peuplement as pp

    situation = getattr(household, "situation", None)
    balance = offer_balance(offer_id, household.project_id, settings) if situation else None
    if balance is None:
        return None
    home = link(household.id) or {}
    offer = link(offer_id) or {}
    ages = list(situation["ages"])
    adults = sum(1 for a in ages if a >= 18)
    candidate = pp.profile(
        ages=ages, resources_cents=situation["resources_cents"], apl_cents=apl_cents,
        income_quartile=situation.get("income_quartile"), adults_in_work=home.get("adults_in_work"),
        surface_m2=offer.get("surface_m2") or "0",
        plus_ceiling_cents_year=rf.plus_ceiling_cents(adults, len(ages) - adults, None),
    )
    return balance, candidate


def proposal_warnings(household: Any, offer_id: UUID, apl_cents: int, settings: dict) -> list[str]:
    """``residence_warnings`` for proposing ``offer_id`` to ``household`` (its exact situation
    must be readable by the caller)."""
    from relogement.platform import peuplement as pp

    found = _candidate(household, offer_id, apl_cents, settings)
    return [] if found is None else pp.residence_warnings(found[0].state(), found[1])


def balance_score(household: Any, offer_id: UUID, apl_cents: int, settings: dict) -> Any:
    """« Équilibre de la résidence » (a Fraction from 0 to 1) of one offer for one household.
    The ranking of offers does not call this (one query per offer): it judges the whole
    pool with ``platform.residence_balance`` from states built once per read position
    (``web.matching_reader.residences``); its weight is the project's
    ``matching_weights["equilibre_residence"]``. Neutral 1/2 without a residence."""
    from fractions import Fraction

    from relogement.platform import peuplement as pp

    found = _candidate(household, offer_id, apl_cents, settings)
    return Fraction(1, 2) if found is None else pp.balance_score(found[0].state(), found[1])


def offer_warnings(household: Any, offers: list, form: Any) -> list[str]:
    """The proposal form's warnings: those of the chosen offer's residence, if any."""
    from relogement.web.parsing import parse_cents

    chosen = next((o for o in offers if str(o.id) == form.get("offre")), None)
    if chosen is None:
        return []
    try:
        apl = parse_cents(form.get("apl_estimee", "") or "0")
    except ValueError:
        apl = 0
    project = readmodels().project(household.project_id)
    return proposal_warnings(household, UUID(str(chosen.id)), apl, project.settings if project else {})


def situation_form(household_id: UUID) -> dict[str, str]:
    """The situation form's residence fields, as recorded (the read model of situations
    does not carry them)."""
    found = link(household_id) or {}
    in_work = found.get("adults_in_work")
    return {"residence": found.get("residence_code", ""), "adultes_en_emploi": "" if in_work is None else str(in_work)}


def offer_sheet(offer_id: UUID, project: Any, position: int | None) -> rs.Sheet | None:
    """The sheet of the offer's residence (class, objectives) for the offer page."""
    if project is None:
        return None
    balance = offer_balance(offer_id, project.id, project.settings, position)
    return None if balance is None else rs.sheet(balance)
