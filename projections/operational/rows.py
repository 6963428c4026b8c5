"""Event values turned into read-model rows: JSON values, a household's composition and situation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from relogement.platform import indicators as formulas
from relogement.projections.read_models import (
    resources_band,
)

_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Event values → JSON (Decimal as text, UUID as hex, dates ISO)."""
    # Plain values (most leaves) are returned without a call: a rebuild converts
    # every proposal's indicators, about a million values.
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else jsonable(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def hex_or_none(value: UUID | None) -> str | None:
    return None if value is None else value.hex


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def before_measure(situation: dict) -> dict:
    dwelling = situation["dwelling"]
    measure = formulas.Measure(
        resources_cents=situation["resources_cents"],
        ages=tuple(situation["ages"]),
        cost=formulas.HousingCost(
            rent_cents=dwelling["rent_cents"],
            annex_rent_cents=dwelling.get("annex_rent_cents", 0),
            charges_cents=dwelling["charges_cents"],
            apl_cents=situation["apl_cents"],
        ),
    )
    return jsonable(measure.to_dict())


def composition(situation: dict) -> dict:
    ages = list(situation["ages"])
    adults = sum(1 for a in ages if a >= 18)
    dwelling = situation["dwelling"]
    units = formulas.consumption_units(ages)
    return {
        "adults": adults,
        "children": len(ages) - adults,
        "persons": len(ages),
        "consumption_units": str((Decimal(units.numerator) / Decimal(units.denominator)).quantize(Decimal("0.01"))),
        "resources_band": resources_band(situation["resources_cents"]),
        "income_quartile": situation.get("income_quartile"),
        "typology": dwelling["typology"],
        "surface_m2": str(dwelling["surface_m2"]),
        "qpv": bool(dwelling.get("qpv", False)),
        "commune": dwelling.get("commune", ""),
    }


def situation_row(situation: dict, at: datetime) -> dict:
    dwelling = situation["dwelling"]
    return {
        "ages": list(situation["ages"]),
        "resources_cents": situation["resources_cents"],
        "apl_cents": situation["apl_cents"],
        "rent_cents": dwelling["rent_cents"],
        "annex_rent_cents": dwelling.get("annex_rent_cents", 0),
        "charges_cents": dwelling["charges_cents"],
        "income_quartile": situation.get("income_quartile"),
        "before": before_measure(situation),
        "updated_at": at,
    }
