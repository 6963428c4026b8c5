"""From what people type (French formats) to domain values, with per-field French errors.

The web layer's "interface adapter": forms and imported rows go through the same
functions, so a rent typed as "1 234,56" is read the same in a form and in a CSV.
Nothing here raises anything but ``FormErrors`` (collected, shown next to the field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

from relogement.platform.errors import DomainError, InvalidValue, problems_of
from relogement.platform.values import (
    FIRST_DAY,
    check_text,
    day_fr,
)
from relogement.web.field_labels import DOMAIN_FIELDS, field_label

T = TypeVar("T")

# The separator of a list typed in one field or one CSV cell (ages, wished communes,
# typologies): "|" never clashes with the CSV's own separators ("," or ";"). Forms and
# imports also accept ";" and "," (and spaces between ages), in a form or a quoted cell.
LIST_SEPARATOR = "|"

TRUE_WORDS = {"1", "true", "vrai", "oui", "o", "on", "x", "yes"}
FALSE_WORDS = {"", "0", "false", "faux", "non", "n", "no", "off"}


class FormErrors(Exception):
    """Every problem of one form (or one imported row): {field: French message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k} : {v}" for k, v in errors.items()))
        self.errors = errors


# A choice error lists the expected values only for short lists (not ids).
MAX_LISTED_CHOICES = 8


class Reader:
    """Reads fields of one form or row, collecting errors instead of stopping at the first."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        return "" if value is None else str(value).strip()

    def _read(self, name: str, parse: Callable[[str], T], required: bool, default: T) -> T:
        text = self.raw(name)
        if not text:
            if required:
                self.errors[name] = "Ce champ est obligatoire."
            return default
        try:
            return parse(text)
        except ValueError as error:
            self.errors[name] = str(error)
            return default

    def text(
        self, name: str, required: bool = False, max_length: int = 500, *, multiline: bool = False
    ) -> str:
        """Typed text: at most ``max_length`` characters, no control character (tab and
        line breaks only if ``multiline``: a text area)."""

        def parse(text: str) -> str:
            if len(text) > max_length:
                raise ValueError(f"Texte trop long ({max_length} caractères au maximum).")
            try:
                return check_text(name, text, label=field_label(name), multiline=multiline)
            except InvalidValue as error:
                raise ValueError(error.message) from None

        return self._read(name, parse, required, "")

    def cents(self, name: str, required: bool = False) -> int:
        return self._read(name, parse_cents, required, 0)

    def integer(self, name: str, required: bool = False, default: int = 0, low: int | None = None, high: int | None = None) -> int:
        def parse(text: str) -> int:
            value = parse_int(text)
            if low is not None and value < low or high is not None and value > high:
                raise ValueError(f"Valeur attendue entre {low} et {high}.")
            return value

        return self._read(name, parse, required, default)

    def optional_int(self, name: str, low: int, high: int) -> int | None:
        def parse(text: str) -> int | None:
            value = parse_int(text)
            if not low <= value <= high:
                raise ValueError(f"Valeur attendue entre {low} et {high}.")
            return value

        return self._read(name, parse, False, None)

    def decimal(self, name: str, required: bool = False) -> Decimal:
        return self._read(name, parse_decimal, required, Decimal(0))

    def boolean(self, name: str) -> bool:
        return self._read(name, parse_bool, False, False)

    def day(self, name: str, required: bool = False) -> date | None:
        return self._read(name, parse_date, required, None)

    def choice(
        self,
        name: str,
        choices: Mapping[str, str] | tuple[str, ...],
        required: bool = True,
        default: str = "",
        invalid: str | None = None,
    ) -> str:
        """One of ``choices`` (case-insensitive); ``invalid``: the message for anything else."""

        def parse(text: str) -> str:
            for key in choices:
                if key.lower() == text.lower():
                    return key
            if invalid:
                raise ValueError(invalid)
            if len(choices) > MAX_LISTED_CHOICES:  # ids, long lists: listing them helps no one
                raise ValueError("Choix invalide : cette valeur ne figure pas dans la liste proposée.")
            raise ValueError("Choix invalide (attendu : " + ", ".join(choices) + ").")

        return self._read(name, parse, required, default)

    def ages(self, name: str, required: bool = True) -> tuple[int, ...]:
        return self._read(name, parse_ages, required, ())

    def words(self, name: str) -> tuple[str, ...]:
        """A list typed in one field (LIST_SEPARATOR, or ";" or "," as people type them)."""
        return tuple(w.strip() for w in re.split(r"[|;,]", self.raw(name)) if w.strip())

    def uuid(self, name: str, required: bool = True) -> UUID | None:
        return self._read(name, parse_uuid, required, None)

    def check(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)

    def domain(self, build: Callable[[], T]) -> T | None:
        """Run a value constructor or a rule; each of its problems becomes a field error.

        Called even when some fields already failed to parse (they hold a default), so
        that plausibility and domain rules show with the format errors, all at once; a
        field already in error keeps its first message (the default's complaint would
        only repeat it less clearly).
        """
        try:
            return build()
        except InvalidValue as error:
            for problem in problems_of(error):
                self.errors.setdefault(DOMAIN_FIELDS.get(problem.field, problem.field), problem.message)
        except DomainError as error:
            self.errors.setdefault("__all__", error.message)
        return None


def parse_cents(text: str) -> int:
    """"1 234,56 €" / "1234.56" / "450" → cents. Two decimals at most, not negative."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")  # 1.234,56
    cleaned = cleaned.replace(",", ".")
    if re.fullmatch(r"-\d+(\.\d{1,2})?", cleaned):
        raise ValueError(f"Montant invalide « {text} » : le montant doit être positif ou nul (exemple : 450,00).")
    if re.fullmatch(r"\d+\.\d{3,}", cleaned):
        raise ValueError(f"Montant invalide « {text} » : deux décimales au plus (exemple : 1 234,56).")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError(f"Montant invalide « {text} » : un montant en euros est attendu (exemple : 1 234,56).")
    value = int((Decimal(cleaned) * 100).to_integral_value())
    if value > 10_000_000_00:
        raise ValueError(f"Montant invraisemblable « {text} » : au plus 10 000 000 €.")
    return value


def parse_decimal(text: str) -> Decimal:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"Nombre invalide « {text} » : un nombre est attendu (exemple : 62,5).") from None
    if not value.is_finite():
        raise ValueError(f"Nombre invalide « {text} » : un nombre est attendu (exemple : 62,5).")
    return value


def parse_int(text: str) -> int:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not re.fullmatch(r"-?\d{1,9}", cleaned):
        raise ValueError(f"Nombre entier invalide « {text} » : un nombre sans décimale est attendu (exemple : 3).")
    return int(cleaned)


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError(f"Valeur invalide « {text} » (attendu : oui ou non).")


def parse_date(text: str) -> date:
    """jj/mm/aaaa (French) or aaaa-mm-jj (HTML date inputs, spreadsheets), from 01/01/2000."""
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    day = None
    try:
        if m:
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]):
            day = date.fromisoformat(text[:10])
    except ValueError:
        pass
    if day is None:
        raise ValueError(f"Date invalide « {_as_typed(text)} » (format attendu : jj/mm/aaaa).")
    if day < FIRST_DAY:
        raise ValueError(
            f"Date invraisemblable « {day_fr(day)} » : aucune date antérieure au {day_fr(FIRST_DAY)}."
        )
    return day


def _as_typed(text: str) -> str:
    """A date echoed in a message: as typed, or jj/mm/aaaa when it came as aaaa-mm-jj
    (a date input sends that, though the user saw and typed jj/mm/aaaa)."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text[:10])
    return f"{int(m.group(3)):02d}/{int(m.group(2)):02d}/{m.group(1)}" if m else text


def parse_ages(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[|;,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("Indiquez l'âge de chaque personne (exemple : 38 | 36 | 9).")
    ages = []
    for part in parts:
        if not part.isdigit() or int(part) > 120:
            raise ValueError(f"Âge invalide « {part} » : un âge en années, de 0 à 120, par personne (exemple : 38 | 36 | 9).")
        ages.append(int(part))
    return tuple(ages)


def parse_uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ValueError("Identifiant invalide.") from None


def uuid_or_404(text: str) -> UUID:
    """Path parameters: a malformed id is a page that does not exist."""
    from flask import abort

    try:
        return UUID(text)
    except ValueError:
        abort(404)


