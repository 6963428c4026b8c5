"""Base classes shared by every fact of the relocation lifecycle.

Every fact records who did it (``by_user``, the login, and ``by_org``, the
organisation the user acted for) and when (``timestamp``, UTC, set by the
library from the clock below).

Schema versions: a class whose fields change gets ``class_version = N`` and a
static ``upcast_vK_vK+1(state)`` per step; the library applies them when it
reads an older stored event (see ``events/README.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


# The application sets the clock for the duration of a command, so that tests
# (and the scheduler's catch-up) can run at any instant without sleeping.
_clock: ContextVar[Clock] = ContextVar("relogement_clock", default=utc_now)


@contextmanager
def using_clock(clock: Clock) -> Iterator[None]:
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def now() -> datetime:
    value = _clock.get()()
    if value.tzinfo is None:
        raise ValueError("the clock must return timezone-aware datetimes")
    return value.astimezone(UTC)


class _Timestamped:
    @staticmethod
    def create_timestamp() -> datetime:
        return now()


class Fact(_Timestamped, Aggregate.Event):
    """A fact about an existing aggregate."""

    by_user: str
    by_org: UUID


class Creation(_Timestamped, Aggregate.Created):
    """The fact that creates an aggregate."""

    by_user: str
    by_org: UUID


# -- identity stays in the sealed part ---------------------------------------------

# The one field sealed per household (platform/sealing.py: SealingMapper). Erasure
# destroys its key: what is anywhere else in an event stays in clear for good.
SEALED_FIELD = "personal"

# Keys that name identity (of relogement.platform.values.PersonalData, and their usual
# French or alternative spellings): none may appear, at any depth, in a clear field of
# an event about a household.
IDENTITY_KEYS = frozenset({
    "name", "nom", "first_name", "last_name", "surname", "prenom", "prénom", "full_name",
    "phone", "telephone", "téléphone", "mobile", "email", "mail", "courriel",
    "address", "adresse", "adresse_actuelle", "street", "rue",
    "birth_date", "birth_dates", "date_naissance", "dates_naissance", "birthday",
    "notes", "note", "constraints", "contraintes",
})


class IdentityInClearField(ValueError):
    """A new event would carry an identity field outside its sealed ``personal`` part."""


def identity_paths(value: object, path: str) -> list[str]:
    """The paths (``situation.dwelling.address``) of identity keys inside ``value``."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}"
            if str(key).strip().lower() in IDENTITY_KEYS:
                found.append(where)
            found.extend(identity_paths(inner, where))
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            found.extend(identity_paths(inner, f"{path}[{index}]"))
    return found


class ClearOfIdentity:
    """Mixin for the facts about a household: identity only in ``personal``.

    Checked when a NEW event is constructed (the command's ``@event`` call), so a
    programming slip raises before anything is stored. Stored events are read without
    calling ``__init__`` (the library's mapper), so an old event is never refused on
    read: its upcaster removes what it must instead (see ``events/README.md``).
    """

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[misc]
        found: list[str] = []
        for name, value in vars(self).items():
            if name == SEALED_FIELD:
                continue
            if name.strip().lower() in IDENTITY_KEYS:
                found.append(name)
            found.extend(identity_paths(value, name))
        if found:
            msg = (
                f"{type(self).__name__}: identity field(s) {', '.join(found)} outside the "
                f"sealed '{SEALED_FIELD}' part; erasure could not remove them"
            )
            raise IdentityInClearField(msg)
