"""Households registered twice: the same name and phone, or the same name and address,
under two references (issue 23).

Reads identities (``rm_household_identity``), so only within what the asking
organisation may identify: its own tenants, the households it follows, and every
household of the projects it is the MOUS of (the scope of ``households.search_names``).
Returns references and ids, never a name: the caller shows the references and writes
the households it names to the access log.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import or_, select

from relogement.projections.queries.base import Db, connect
from relogement.projections.read_models import household_identity


@dataclass(frozen=True)
class Person:
    """An identity being registered: what is compared."""

    name: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class Twin:
    """A household already registered with the same name and ``same`` (phone or address)."""

    household_id: UUID
    reference: str
    same: str  # "téléphone" or "adresse"


def plain(text: str) -> str:
    """Lower case, no accents, words separated by one space: "Famille  Martin-Élise" and
    "famille martin elise" are one name."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", letters))


def phone_digits(phone: str) -> str:
    """The digits of a phone number, "+33 6 …" written as "06 …"."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def keys(person: Person) -> list[tuple[str, str, str]]:
    """(name, "téléphone" | "adresse", value) keys a twin would share."""
    name = plain(person.name)
    if not name:
        return []
    found = []
    if phone := phone_digits(person.phone):
        found.append((name, "téléphone", phone))
    if address := plain(person.address):
        found.append((name, "adresse", address))
    return found


def same_identity(
    db: Db, project_id: UUID, org: UUID, project_mous: Iterable[UUID], people: Sequence[Person]
) -> list[list[Twin]]:
    """For each of ``people``, the households of the project ``org`` may identify that
    share its name and its phone or address."""
    wanted: dict[tuple[str, str, str], list[int]] = {}
    for index, person in enumerate(people):
        for key in keys(person):
            wanted.setdefault(key, []).append(index)
    twins: list[list[Twin]] = [[] for _ in people]
    if not wanted:
        return twins
    t = household_identity
    mine = or_(t.c.bailleur_org == org.hex, t.c.officer_org == org.hex)
    scope = mine if project_id not in set(project_mous) else t.c.project_id == project_id.hex
    query = select(t.c.household_id, t.c.reference, t.c.name, t.c.phone, t.c.address).where(
        t.c.project_id == project_id.hex, scope
    )
    with connect(db) as conn:
        for row in conn.execute(query):
            person = Person(row.name, row.phone, row.address)
            for key in keys(person):
                for index in wanted.get(key, ()):
                    twin = Twin(UUID(hex=row.household_id), row.reference, key[1])
                    if all(t.household_id != twin.household_id for t in twins[index]):
                        twins[index].append(twin)
    return twins
