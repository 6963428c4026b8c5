"""A small thread-safe LRU for immutable results (shared by a process's requests)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class _Pending:
    """A computation under way: later readers of the same key wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


class Cache:
    """A small thread-safe LRU of immutable results, each computed once at a time.

    When a result is missing, the first reader computes it and the others asking for
    the same key meanwhile wait for that result instead of computing it again: after a
    new event, the background warm-up and every reader of the dashboard would otherwise
    each spend seconds of CPU on the same figures.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._pending: dict[tuple, _Pending] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
        if not owner:
            pending.done.wait()
            if not pending.failed:
                return pending.value
            return self.get(key, compute)  # that computation failed: one of us tries again
        try:
            value = compute()
        except BaseException:
            pending.failed = True
            raise
        else:
            pending.value = value
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def peek(self, key: tuple) -> Any:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
