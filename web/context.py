"""Per-request access to the app's services, the user as the policy sees them, and time.

Routes use these helpers instead of reaching into ``current_app.extensions``:
one place knows where things are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from flask import abort, current_app, g, session
from flask_login import current_user

from relogement.platform.application import Actor, RelocationApp
from relogement.web import policy
from relogement.web.accounts import Accounts
from relogement.web.filters import PARIS
from relogement.web.readmodels import ReadModels


def relocation() -> RelocationApp:
    return current_app.extensions["relogement"]


def readmodels() -> ReadModels:
    return current_app.extensions["relogement.readmodels"]


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


@dataclass(frozen=True)
class Viewpoint:
    """The instant pages are read at: now, or an auditor's past date (end of that day)."""

    position: int | None
    at: datetime
    as_of: str | None  # ISO date chosen by an auditor, None when live

    @property
    def live(self) -> bool:
        return self.position is None


def viewpoint() -> Viewpoint:
    if "viewpoint" in g:
        return g.viewpoint
    chosen = session.get("as_of")
    if chosen and can("history.asof"):
        from datetime import date

        day = date.fromisoformat(chosen)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=PARIS) - timedelta(
            microseconds=1
        )
        at = end.astimezone(UTC)
        g.viewpoint = Viewpoint(readmodels().position_at(at), at, chosen)
    else:
        g.viewpoint = Viewpoint(None, now(), None)
    return g.viewpoint


def forbid_in_past() -> None:
    """Commands are refused while an auditor looks at the past (and auditors change nothing)."""
    if not viewpoint().live:
        abort(403, description="Vous consultez une date passée : aucune modification possible.")


def parse_id(text: str) -> UUID:
    from relogement.web.parsing import uuid_or_404

    return uuid_or_404(text)
