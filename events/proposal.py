"""Facts about a proposal (proposition) of one offer to one household.

They name the household by id and reference only: every class is
:class:`ClearOfIdentity` (no identity key outside a sealed ``personal`` part).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from relogement.events.base import ClearOfIdentity, Creation, Fact

# The platform's days are Paris days (the events' instants are UTC).
_PARIS = ZoneInfo("Europe/Paris")


class ProposalMade(ClearOfIdentity, Creation):
    """Indicators are computed once, at the command, and kept with their inputs.

    The objection deadline is fixed here: replaying history reproduces it.

    Version 2 added ``window_hours`` (v1 events were all 48-hour windows).
    """

    class_version = 2

    project_id: UUID
    household_id: UUID
    offer_id: UUID
    household_reference: str
    household_bailleur: UUID
    offer_bailleur: UUID
    officer_org: UUID
    rank: int
    max_proposals: int
    indicators: dict
    window_hours: int
    objection_deadline: datetime

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state["window_hours"] = 48


class ObjectionRaised(ClearOfIdentity, Fact):
    objection_id: UUID
    motive: str


class ObjectionLifted(ClearOfIdentity, Fact):
    objection_id: UUID
    comment: str


class ObjectionArbitrated(ClearOfIdentity, Fact):
    """decision: "levee" (the proposal may go on) or "maintenue" (it stops)."""

    objection_id: UUID
    decision: str
    comment: str


class ObjectionWindowClosed(ClearOfIdentity, Fact):
    """Recorded once the deadline has passed; cleared if no objection is open."""

    cleared: bool
    open_objections: int


class ProposalAccepted(ClearOfIdentity, Fact):
    accepted_on: date


class ProposalRefused(ClearOfIdentity, Fact):
    """The household's refusal, with its coded motive.

    Version 2 added ``refused_on``, the day the household refused (a Paris day, typed by
    the officer; by default the day it was recorded). v1 events are read with the Paris
    day of their own timestamp: the officers recorded refusals as they came.
    """

    class_version = 2

    motive_code: str
    motive_text: str
    refused_on: date

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        timestamp = state["timestamp"]
        if isinstance(timestamp, str):
            timestamp = datetime.fromisoformat(timestamp)
        state["refused_on"] = timestamp.astimezone(_PARIS).date()


class ProposalWithdrawn(ClearOfIdentity, Fact):
    reason: str


class CaleolDecided(ClearOfIdentity, Fact):
    """decision: "attribution", "refus" or "ajournement"."""

    decision: str
    decided_on: date
    comment: str


class LeaseSigned(ClearOfIdentity, Fact):
    """Final amounts in cents; indicators recomputed with them at signature."""

    rent_cents: int
    annex_rent_cents: int
    charges_cents: int
    apl_cents: int
    signed_on: date
    move_in_date: date
    indicators: dict
