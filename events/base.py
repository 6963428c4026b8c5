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
