"""Per-request access to the app's services, the user as the policy sees them, and time.

Routes use these helpers instead of reaching into ``current_app.extensions``:
one place knows where things are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from flask import abort, current_app, g, session
from flask_login import current_user

from relogement.platform.application import Actor, RelocationApp
from relogement.web import policy
from relogement.web.accounts import Accounts
from relogement.web.filters import PARIS
from relogement.web.reader import ReadModels


def relocation() -> RelocationApp:
    return current_app.extensions["relogement"]


def readmodels() -> ReadModels:
    return current_app.extensions["relogement.readmodels"]


def runner():  # noqa: ANN201 - relogement.projections.runner.ProjectionRunner
    return current_app.extensions["relogement.runner"]


def accounts() -> Accounts:
    return current_app.extensions["relogement.accounts"]


def now() -> datetime:
    """The app's clock (injectable in tests: the objection window can elapse)."""
    return relocation().clock()


def principal() -> policy.Principal | None:
    if not current_user.is_authenticated:
        return None
    if "principal" not in g:
        org = readmodels().organisation(current_user.org_id)
        g.principal = policy.Principal(
            role=current_user.role, org=current_user.org_id, org_kind=org.kind if org else ""
        )
    return g.principal


def actor() -> Actor:
    """Who acts in the domain: the user, for their own organisation (never another)."""
    return Actor(current_user.login, current_user.org_id)


def can(action: str, resource: policy.Resource | None = None) -> bool:
    return policy.can(principal(), action, resource)


def require(action: str, resource: policy.Resource | None = None) -> None:
    try:
        policy.require(principal(), action, resource)
    except policy.Denied as denied:
        abort(403, description=denied.message)


def identity_for(resource: policy.Resource) -> bool:
    return can("household.identity", resource)


def situation_for(resource: policy.Resource) -> bool:
    return can("household.situation", resource)


def audit_identity(household_ids: list[UUID], purpose: str) -> None:
    """Record in the privacy layer's access log that the current user saw these
    households' personal data (``privacy.access_log``: who, when, which household, why).

    Written when the response is sent, and only if it is not an error page
    (``web/identity_views``): a request refused after the identity was read logs nothing.
    Written by ``RelocationApp.record_personal_data_access``, the log's one writer.
    """
    from relogement.web.identity_views import note_identity_views

    note_identity_views(household_ids, purpose)


def household(
    household_id: UUID, position: int | None = None, purpose: str | None = "fiche ménage"
):
    """One household as the current user may see it: identity only if the policy allows
    it and the page shows it (``purpose`` set), and then logged; else pseudonymised."""
    identity = identity_for if purpose else (lambda resource: False)
    return readmodels().household(
        household_id, identity, situation_for, audit_identity, position, purpose or ""
    )


@dataclass(frozen=True)
class Viewpoint:
    """The instant pages are read at: now, or an auditor's past instant (the end of the
    chosen day, or of the chosen minute); ``position`` = the last event recorded then."""

    position: int | None
    at: datetime
    as_of: str | None  # ISO date chosen by an auditor, None when live
    as_of_time: str | None = None  # "HH:MM" (Paris) if the auditor gave one

    @property
    def live(self) -> bool:
        return self.position is None

    @property
    def day(self) -> date:
        """The Paris day of ``at`` (offers' reservations end on a day)."""
        return self.at.astimezone(PARIS).date()


def viewpoint() -> Viewpoint:
    if "viewpoint" in g:
        return g.viewpoint
    chosen = session.get("as_of")
    if chosen and can("history.asof"):
        day = date.fromisoformat(chosen)
        hour = session.get("as_of_time")
        if hour:
            # The chosen minute, to its last microsecond (Paris time).
            hh, mm = (int(x) for x in hour.split(":"))
            end = datetime.combine(day, time(hh, mm), tzinfo=PARIS) + timedelta(
                minutes=1, microseconds=-1
            )
        else:
            end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=PARIS) - timedelta(
                microseconds=1
            )
        at = min(end.astimezone(UTC), now())  # the future is not history yet
        g.viewpoint = Viewpoint(readmodels().position_at(at), at, chosen, hour)
    else:
        g.viewpoint = Viewpoint(None, now(), None)
    return g.viewpoint


def events_behind() -> int:
    """How many recorded events the read models have not applied yet (once per request):
    the pages say so next to their "état au … événement n°" line (0 when reading the past)."""
    if not viewpoint().live:
        return 0
    if "events_behind" not in g:
        # Read with the position, in one statement (the app gives the reader the store's table).
        recorded = readmodels().recorded_head() or 0
        g.events_behind = max(0, recorded - readmodels().last_position())
    return g.events_behind


def forbid_in_past() -> None:
    """Commands are refused while an auditor looks at the past (and auditors change nothing)."""
    if not viewpoint().live:
        abort(403, description="Vous consultez une date passée : aucune modification possible.")


def parse_id(text: str) -> UUID:
    from relogement.web.parsing import uuid_or_404

    return uuid_or_404(text)
