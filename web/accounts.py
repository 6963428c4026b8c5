"""User accounts of the web application: who may sign in, with which role.

Accounts are not events (logins are not relocation facts); they live in SQL tables of
their own (``web_users``), kept by the store in ``runtime/accounts.py``. Here: the roles,
the account rules shown to users, the signed-in :class:`User` as flask-login sees it,
and the :class:`Accounts` protocol the blueprints use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

ROLES = {
    "charge_relogement": "Chargé(e) de relogement",
    "partenaire": "Partenaire (ville, EPCI, Département, réservataire)",
    "auditeur": "Auditeur / évaluateur",
    "admin": "Administrateur",
}

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """Bad account data; the message is French and shown to the admin."""


@dataclass(frozen=True)
class User:
    """The logged-in user as flask-login sees it (immutable, no ORM session)."""

    id: int
    login: str
    display_name: str
    org_id: UUID
    role: str
    active: bool = True
    session_version: int = 0
    # The user's read marks' version (notices), read with the account on each request:
    # the header's unread badge is kept by it (web/inbox.py). None: not read with it.
    read_version: int | None = field(default=None, compare=False)

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # What flask-login keeps in the session (and a remember cookie): the account and
        # its session generation, so that ending the sessions invalidates every copy.
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


def parse_session_id(value: str) -> tuple[int, int] | None:
    """``"12:3"`` (``User.get_id``) → (12, 3); anything else, older cookies included: None."""
    user_id, sep, version = value.partition(":")
    if not sep or not user_id.isdigit() or not version.isdigit():
        return None
    return int(user_id), int(version)


class Accounts(Protocol):
    """The accounts store (runtime/accounts.py): create, authenticate, list, end sessions."""

    def get(self, user_id: int, via: object | None = None, read_marks: bool = False) -> User | None: ...

    def get_with(self, user_id: int, via: object | None = None, columns: Sequence[Any] = (),
                 read_marks: bool = True) -> tuple[User | None, tuple]: ...

    def by_login(self, login: str) -> User | None: ...

    def all(self) -> list[User]: ...

    def create(
        self, login: str, password: str, org_id: UUID, role: str, display_name: str = ""
    ) -> User: ...

    def set_password(self, login: str, password: str) -> None: ...

    def set_active(self, user_id: int, active: bool) -> User: ...

    def end_sessions(self, user_id: int) -> None: ...

    def authenticate(self, login: str, password: str) -> User | None: ...
