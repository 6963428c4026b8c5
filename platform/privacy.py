"""Personal data: the domain's rules (pure: no SQL, no keys, no I/O).

Design (see docs/data-protection.md):

- **Sealing.** Identifying data only travels in the ``personal`` field of
  ``HouseholdRegistered`` / ``HouseholdPersonalDataUpdated``; the sealing mapper
  (``platform/sealing.py``) stores it encrypted under a key of its own per household.
- **Erasure (crypto-shredding).** Destroying the key makes the household's ciphertexts
  unreadable for good: its events stay and decode with ``personal == erased_personal()``.
  The key store, the erasure's steps, the access log and the retention listing are
  infrastructure: ``runtime/keystore.py``, ``runtime/erasure.py``, ``runtime/access_log.py``,
  ``runtime/retention.py``. The application reaches them through :class:`PrivacyPort`.
- **Retention.** ``RELOGEMENT_RETENTION_MONTHS`` (default 24) after relocation or
  departure (:func:`check_retention_elapsed`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from relogement.events import household as facts
from relogement.platform.errors import DomainError
from relogement.platform.values import ERASED_NAME

if TYPE_CHECKING:
    from relogement.platform.sealing import KeyStore

PERSONAL_FIELD = "personal"
DEFAULT_RETENTION_MONTHS = 24
ERASURE_REASONS = {
    "duree_conservation": "Durée de conservation échue",
    "demande": "Demande de la personne (RGPD art. 17)",
}
# Roles (web/accounts.py) allowed to read the access log.
ACCESS_LOG_READERS = ("admin", "auditeur")


def erased_personal() -> dict[str, Any]:
    """What ``personal`` decodes to once the household's key is gone."""
    return {"erased": True, "name": ERASED_NAME}


def is_erased(personal: dict | None) -> bool:
    return bool(personal and personal.get("erased"))


class PersonalDataErased(DomainError):
    def __init__(self, household_id: UUID) -> None:
        super().__init__(
            "household_erased",
            "Les données personnelles de ce ménage ont été effacées : elles ne peuvent plus "
            "être ni lues ni modifiées.",
        )
        self.household_id = household_id


@dataclass(frozen=True)
class AccessEntry:
    """One view of a household's personal data: who, for which organisation and role,
    when, which household, why. No personal value."""

    at: datetime
    user: str
    org: UUID
    role: str | None
    household_id: UUID
    purpose: str


@dataclass(frozen=True)
class DueHousehold:
    household_id: UUID
    reference: str
    ended_on: date  # move-in date, or the day the household left the programme
    how: str  # "relogé" | "sorti"
    due_on: date


class PrivacyPort(Protocol):
    """What the application needs from the privacy infrastructure (runtime/erasure.py)."""

    @property
    def keys(self) -> KeyStore: ...

    def complete_erasure(self, household_id: UUID, by: str) -> None:
        """After HouseholdErased is stored: destroy the key, purge read models, scrub."""

    def record_access(self, entries: Iterable[AccessEntry]) -> None:
        """Write views of personal data to the access log, in one transaction."""

    def close(self) -> None: ...


# -- retention --------------------------------------------------------------------


def retention_months(env: dict[str, str] | None = None) -> int:
    """``RELOGEMENT_RETENTION_MONTHS`` (default 24): how long after relocation/departure."""
    value = (env if env is not None else os.environ).get("RELOGEMENT_RETENTION_MONTHS", "")
    if not value.strip():
        return DEFAULT_RETENTION_MONTHS
    months = int(value)
    if months < 0:
        raise ValueError("RELOGEMENT_RETENTION_MONTHS must be >= 0")
    return months


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def retention_end(history: list) -> tuple[date, str] | None:
    """When the household's relocation ended (move-in or departure), from its facts."""
    end = None
    for fact in history:
        if isinstance(fact, facts.HouseholdRelocated):
            end = (fact.move_in_date, "relogé")
        elif isinstance(fact, facts.HouseholdDeparted):
            end = (fact.timestamp.astimezone(UTC).date(), "sorti")
    return end


def check_retention_elapsed(history: list, at: datetime, months: int | None = None) -> None:
    months = retention_months() if months is None else months
    end = retention_end(history)
    if end is None:
        raise DomainError(
            "retention_not_elapsed",
            "Ce ménage est toujours suivi : sa durée de conservation n'a pas commencé "
            "(effacement possible sur demande, avec un motif).",
        )
    due_on = add_months(end[0], months)
    if at.astimezone(UTC).date() < due_on:
        raise DomainError(
            "retention_not_elapsed",
            f"Durée de conservation non échue : effacement possible à partir du "
            f"{due_on:%d/%m/%Y} (ou sur demande, avec un motif).",
        )
