"""Facts about the organisations taking part in relocations."""

from __future__ import annotations

from relogement.events.base import Creation


class OrganisationRegistered(Creation):
    """A bailleur, city, EPCI, Département, réservataire, MOUS or audit body joins."""

    name: str
    kind: str  # see relogement.platform.values.ORGANISATION_KINDS
    code: str
