"""Kept-alive connections spread evenly over gunicorn's workers.

A kept-alive connection stays in the worker that accepted it, and each worker listens on
a socket of its own (``reuse_port``, web/gunicorn_conf.py), where the kernel hashes each
new connection to one of them: 20 clients made splits such as 14 / 6, and the worker
holding 14 answered each of them more slowly while the other core had spare time.

So each worker publishes how many connections it holds, in memory the arbiter makes
before it forks the workers; a worker that holds two more than the least loaded one asks
the client of the request it is about to answer to reconnect (``Connection: close``,
gunicorn's ``pre_request`` hook). The client's next connection lands on a worker chosen
again by the kernel, and the spread evens out within a few requests. The request itself
is answered normally.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

SLOTS = 64  # workers a master may have at once, restarts included (slots are reused)
MARGIN = 1  # connections a worker may hold above the least loaded one
HAND_OVER_GAP = 0.05  # seconds between two hand-overs of one worker (see hand_over_if_ahead)


class ConnectionShares:
    """Each live worker's open connections, one slot per worker process."""

    def __init__(self, slots: int = SLOTS) -> None:
        self._pids = multiprocessing.RawArray("i", slots)
        self._connections = multiprocessing.RawArray("i", slots)
        self._lock = multiprocessing.Lock()
        self._slot: int | None = None  # this process's, once claimed

    def claim(self, pid: int) -> None:
        """Take a free slot for the worker ``pid`` (called in the worker, after the fork)."""
        with self._lock:
            for slot, owner in enumerate(self._pids):
                if owner == 0 or owner == pid:
                    self._pids[slot] = pid
                    self._connections[slot] = 0
                    self._slot = slot
                    return
        self._slot = None  # more workers than slots: this one does not take part

    def release(self, pid: int) -> None:
        """Free the slot of a worker that exited (called by the arbiter)."""
        with self._lock:
            for slot, owner in enumerate(self._pids):
                if owner == pid:
                    self._pids[slot] = 0
                    self._connections[slot] = 0

    def should_hand_over(self, held: int) -> bool:
        """Publish ``held`` (this worker's open connections); True when it holds more than
        ``MARGIN`` above the least loaded other worker."""
        if self._slot is None:
            return False
        self._connections[self._slot] = held
        others = [self._connections[s] for s, pid in enumerate(self._pids) if pid and s != self._slot]
        return bool(others) and held > min(others) + MARGIN


def hand_over_if_ahead(shares: ConnectionShares, worker: Any, req: Any) -> None:
    """gunicorn's ``pre_request``: close this connection after its answer when the worker
    holds more than its share (``nr_conns``: gthread's open connections), at most one
    connection every ``HAND_OVER_GAP`` seconds.

    Why the gap: a worker's count drops only once the connection handed over is closed,
    after its answer. Without it, the requests running meanwhile still saw the old count
    and handed theirs over too: the clients' new connections, spread again by the kernel,
    overshot, and a programme's ranking pages swung between 13 / 7 and 9 / 11 for a whole
    20-second run on PostgreSQL. With 50 ms, 20 clients settle at 10 / 10 within 1–2 s
    (bench/RESULTS.md, session 13)."""
    held = getattr(worker, "nr_conns", None)
    # Published at every request, the gap included: the other workers compare with it.
    if held is None or not shares.should_hand_over(held):
        return
    now = time.monotonic()
    if now >= getattr(worker, "handed_over_at", float("-inf")) + HAND_OVER_GAP:
        worker.handed_over_at = now
        req.must_close = True
