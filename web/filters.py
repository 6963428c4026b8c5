"""French formatting for templates: money, dates, times in Europe/Paris, percentages.

Stored values are UTC datetimes and integer cents; people read "1 234,56 €" and
"04/03/2026 à 10:00" (Paris time). Separators are non-breaking spaces so that an
amount never wraps in the middle.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
NNBSP = "\u202f"


def _group(integer: int) -> str:
    return f"{integer:,}".replace(",", NBSP)


def euros(cents: Any, decimals: bool = True) -> str:
    """12345678 → "123 456,78 €"; None → "—"."""
    if cents is None or cents == "":
        return "—"
    value = Decimal(int(cents)) / 100
    sign = "−" if value < 0 else ""
    value = abs(value)
    if not decimals:
        whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return f"{sign}{_group(whole)}{NBSP}€"
    q = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{q:.2f}".partition(".")
    return f"{sign}{_group(int(whole))},{frac}{NBSP}€"


def number(value: Any, places: int = 2) -> str:
    """Decimal("12.3456") → "12,35" (French decimal comma)."""
    if value is None or value == "":
        return "—"
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "−" if d < 0 else ""
    d = abs(d)
    whole, _, frac = f"{d:.{places}f}".partition(".")
    return f"{sign}{_group(int(whole))}" + (f",{frac}" if places else "")


def signed(value: Any, places: int = 2) -> str:
    """Evolutions: "+1,25" / "−0,40" / "0,00"."""
    if value is None or value == "":
        return "—"
    text = number(value, places)
    return text if text.startswith("−") or Decimal(str(value)) == 0 else f"+{text}"


def signed_euros(cents: Any) -> str:
    """Changes of an amount: "+108,13 €" / "−0,90 €" / "0,00 €"."""
    text = euros(cents)
    return text if text == "—" or text.startswith("−") or int(cents) == 0 else f"+{text}"


def percent(value: Any, places: int = 2) -> str:
    # Two places, as computed (``dashboard.rate``): one would round a rounded figure
    # again (3/17 = 17.647 → 17.65 → "17,7 %" instead of 17,6 %).
    return "—" if value is None or value == "" else f"{number(value, places)}{NBSP}%"


def euros_per_day(value: Any) -> str:
    return "—" if value is None or value == "" else f"{number(value, 2)}{NBSP}€/jour"


def date_fr(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        value = paris(value).date()
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


def paris(value: datetime) -> datetime:
    return value.astimezone(PARIS)


def datetime_fr(value: Any) -> str:
    if value is None or value == "":
        return "—"
    local = paris(value)
    return local.strftime("%d/%m/%Y à %H:%M")


def datetime_court(value: Any) -> str:
    """"30/06/2026 23:59" (Paris): the "état au …" lines."""
    if value is None or value == "":
        return "—"
    return paris(value).strftime("%d/%m/%Y %H:%M")


def entier(value: Any) -> str:
    """41237 → "41 237" (no-break space)."""
    if value is None or value == "":
        return "—"
    return _group(int(value))


def duration_fr(delta: timedelta) -> str:
    """timedelta → "1 j 23 h 05 min" (never negative: "0 min")."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days}{NBSP}j")
    if days or hours:
        parts.append(f"{hours}{NBSP}h")
    parts.append(f"{minutes:02d}{NBSP}min" if (days or hours) else f"{minutes}{NBSP}min")
    return " ".join(parts)


def yes_no(value: Any) -> str:
    return "oui" if value else "non"


def ages_fr(ages: Any) -> str:
    return ", ".join(f"{a} ans" for a in ages) if ages else "—"


def motive_label(item: tuple[str, int]) -> tuple[str, int]:
    """(refusal motive code, count) → (French label, count)."""
    from relogement.platform.values import REFUSAL_MOTIVES

    code, count = item
    label = REFUSAL_MOTIVES.get(code, code or "non renseigné").replace(" (préciser)", "")
    return label, count


def pluriel(count: Any, singular: str, plural: str | None = None) -> str:
    """3|pluriel("ménage") → "3 ménages"; 1|pluriel("bail", "baux") → "1 bail" (0 and 1:
    singular, as French writes them)."""
    n = int(count or 0)
    word = singular if n <= 1 else (plural or singular + "s")
    return f"{_group(n)}{NBSP}{word}"


def composition(household: Any) -> str:
    """"2 adultes, 1 enfant" (with the right plurals)."""
    adults, children = household.adults, household.children
    text = f"{adults} adulte{'s' if adults > 1 else ''}"
    if children:
        text += f", {children} enfant{'s' if children > 1 else ''}"
    return text


def proposals_label(item: tuple[str, int]) -> tuple[str, int]:
    """("2", count) → ("2 propositions", count)."""
    key, count = item
    words = {"0": "Aucune proposition", "1": "1 proposition", "4+": "4 propositions ou plus"}
    return words.get(key, f"{key} propositions"), count


def secret_count(count: int) -> str:
    """A count of households under statistical secrecy (« < 5 »)."""
    from relogement.platform.peuplement import secret_count as secret

    return secret(count)


def secret_share(share: str, households: int) -> str:
    """A stored survey share (%) of ``households``, « < 5 » when it counts under 5 of them."""
    from decimal import Decimal

    from relogement.platform.peuplement import secret_share as secret

    value = Decimal(str(share))
    return secret(value, value * households / 100 if households >= 5 else 0)


def source_text(source: str) -> str:
    from relogement.projections.report_workbook import source_text as plain

    return plain(source)


def considered_label(item: tuple[str, int]) -> tuple[str, int]:
    """("2", count) → ("2 offres examinées", count)."""
    key, count = item
    words = {"0": "Aucune offre examinée", "1": "1 offre examinée", "5+": "5 offres examinées ou plus"}
    return words.get(key, f"{key} offres examinées"), count


def matching_criteria() -> list[tuple[str, str, int]]:
    """(code, French label, default weight) of every criterion of the ranking of offers."""
    from relogement.platform import matching

    labels, defaults = matching.criteria_labels(), matching.default_weights()
    return [(code, labels[code], defaults[code]) for code in labels]


def register_filters(app: Flask) -> None:
    app.jinja_env.globals["matching_criteria"] = matching_criteria
    for name, fn in {
        "secret_count": secret_count,
        "secret_share": secret_share,
        "euros": euros,
        "number": number,
        "signed": signed,
        "signed_euros": signed_euros,
        "percent": percent,
        "euros_per_day": euros_per_day,
        "date_fr": date_fr,
        "datetime_fr": datetime_fr,
        "datetime_court": datetime_court,
        "entier": entier,
        "motive_label": motive_label,
        "composition": composition,
        "pluriel": pluriel,
        "proposals_label": proposals_label,
        "considered_label": considered_label,
        "duration_fr": duration_fr,
        "yes_no": yes_no,
        "ages_fr": ages_fr,
        "source_text": source_text,  # a reference value's source, inside the page's parentheses
    }.items():
        app.jinja_env.filters[name] = fn
