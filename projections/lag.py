"""When the read models fall behind the events: where they stopped, why, by how much.

A projector that fails on an event must neither freeze the platform silently nor flood
the log. The runner (``runner.ProjectionRunner``) applies every event before the
failing one, then raises :class:`ProjectionFailed`, which names the position, the
event's topic and the exception's class, and never the event's state (it may hold a
household's identity: the database error's text quotes the values it refused, so the
original exception is neither chained nor logged). Background callers retry after a
:class:`Backoff`; every process records its last failure in ``projection_errors``, so
``relogement projections status``, the pages and ``/sante`` can show the lag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.exc import DBAPIError

# The last failure of each runner (by name): one row, replaced at each failure. Created
# with the runner's tables, never dropped by a rebuild.
metadata = MetaData()
errors = Table(
    "projection_errors",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("topic", String(200), nullable=False),
    Column("error_class", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
)


def error_class(error: BaseException) -> str:
    """The exception's class (and the driver's, for a database error), never its text."""
    kind = type(error)
    name = f"{kind.__module__}.{kind.__qualname__}"
    orig = getattr(error, "orig", None) if isinstance(error, DBAPIError) else None
    if orig is not None:
        name += f" ({type(orig).__module__}.{type(orig).__qualname__})"
    return name[:200]


class ProjectionFailed(RuntimeError):
    """The read models stopped before the event at ``position``: where and how, not what."""

    def __init__(self, position: int, topic: str, error_class: str) -> None:
        self.position = position
        self.topic = topic
        self.error_class = error_class
        super().__init__(
            f"projections arrêtées avant l'événement n° {position} ({topic}) : {error_class}"
        )


@dataclass
class Backoff:
    """Exponential delays between retries after failures: ``initial``, twice that, …,
    at most ``cap`` seconds; back to nothing after a success."""

    initial: float = 1.0
    cap: float = 60.0
    failures: int = 0

    def failed(self) -> float:
        """One more failure: the seconds to wait before the next attempt."""
        self.failures += 1
        return min(self.cap, self.initial * 2 ** (self.failures - 1))

    def reset(self) -> None:
        self.failures = 0


def record_failure(engine: Engine, name: str, failure: ProjectionFailed) -> None:
    """Keep ``failure`` as the runner's last one (attempts counted at one position)."""
    with engine.begin() as conn:
        row = conn.execute(select(errors.c.position, errors.c.attempts).where(errors.c.name == name)).first()
        attempts = row.attempts + 1 if row is not None and row.position == failure.position else 1
        conn.execute(errors.delete().where(errors.c.name == name))
        conn.execute(
            errors.insert().values(
                name=name,
                position=failure.position,
                topic=failure.topic[:200],
                error_class=failure.error_class,
                at=datetime.now(tz=UTC),
                attempts=attempts,
            )
        )


def last_failure(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(errors).where(errors.c.name == name)).mappings().first()
    if row is None:
        return None
    failure = dict(row)
    if failure["at"] is not None and failure["at"].tzinfo is None:  # SQLite drops the zone
        failure["at"] = failure["at"].replace(tzinfo=UTC)
    return failure


@dataclass(frozen=True)
class Lag:
    """How far the read models are behind the event store."""

    position: int  # last event applied to the read models
    head: int  # last event recorded
    last_error: dict[str, Any] | None  # the runner's last failure (any process)

    @property
    def events(self) -> int:
        return max(0, self.head - self.position)

    @property
    def blocked(self) -> bool:
        """The last failure is on the next event to apply: the read models are stuck."""
        return self.last_error is not None and self.last_error["position"] == self.position + 1


def head(app: Any) -> int:
    """The last position recorded in the event store: one ``max(id)`` on its index (the
    library's ``max_notification_id`` loads the whole last record, state included, and
    every page asks this once)."""
    recorder = app.recorder
    ids = recorder.events_record_cls.__table__.c.id
    with recorder.datastore.engine.connect() as connection:
        return int(connection.execute(select(func.max(ids))).scalar() or 0)


def lag(runner: Any) -> Lag:
    return Lag(runner.position(), head(runner.app), last_failure(runner.engine, runner.name))
