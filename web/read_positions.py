"""The position a page reads at: the read models' last applied position and the event
store's last id, read once per request (:class:`relogement.web.reader.ReadModels`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from relogement.projections import queries as q


class ReadPositions:
    """Positions of :class:`relogement.web.reader.ReadModels` (its ``reader``, request memo
    and the store's records table)."""

    _events: Any
    _memo_store: Callable[[], dict | None]
    reader: Any

    def _memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        raise NotImplementedError

    def position_at(self, instant: datetime) -> int:
        return q.position_at(self.reader, instant)

    def last_position(self) -> int:
        """The last position applied to the read models (read once per request: a page
        reads everything at one position, and a command's page redirects)."""
        return self._positions()[0]

    def recorded_head(self) -> int | None:
        """The event store's last id, read with it (None: not given the store's table)."""
        return self._positions()[1]

    def _positions(self) -> tuple[int, int | None]:
        return self._memo(("positions",), lambda: q.positions(self.reader, self._events))

    def position_columns(self) -> list[Any]:
        """The columns giving this request's positions, for a statement read before them
        (the page's user: one round trip for both); :meth:`positions_read` takes them."""
        # Built once: a statement made of the same objects is compiled once (SQLAlchemy's cache).
        columns = self.__dict__.get("_position_columns")
        if columns is None:
            columns = self.__dict__.setdefault("_position_columns", q.position_columns(self._events))
        return columns

    def positions_read(self, values: Any) -> None:
        store = self._memo_store()
        if store is not None:
            store[("positions",)] = q.positions_of(values, self._events)

    def position(self, position: int | None) -> int:
        """The position a page reads at: the given one, or the last applied."""
        return self.last_position() if position is None else position

    def instant_of(self, position: int) -> datetime | None:
        return q.instant_of(self.reader, position)
