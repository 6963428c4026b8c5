"""The garbage collector of a web worker: full passes on a timer, not every few seconds.

A worker keeps a lot of objects alive on purpose: the ranked pages (up to 4,096, each
with its explained rows), the pools' columns, the report rows. CPython's collector
walks every such object in each full (generation 2) pass, and starts one whenever the
objects promoted since the last pass reach a quarter of the survivors, which a worker
ranking new pages does every few seconds. Measured on the 6,000-household programme
(bench/RESULTS.md, session 12): each pass took 130–340 ms with the GIL held, so every
request in flight in the worker waited that long, 3–4 times per 1,000 ranking pages.

Cyclic garbage that survives to generation 2 is rare here (about two objects a
request, measured): the young generations are still collected as usual, and the
full pass runs once every ``RELOGEMENT_FULL_COLLECTION_SECONDS`` (default 300 s) from a
thread of its own. 0 leaves Python's default.
"""

from __future__ import annotations

import gc
import os
import threading

DEFAULT_SECONDS = 300.0
# Generation 2 starts after this many generation-1 passes: never, in practice.
NEVER = 2**31 - 1


def full_collection_seconds() -> float:
    value = os.environ.get("RELOGEMENT_FULL_COLLECTION_SECONDS", "")
    return DEFAULT_SECONDS if value.strip() == "" else max(0.0, float(value))


class TimedFullCollections:
    """While started: no automatic full pass; one every ``every`` seconds instead."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thresholds = gc.get_threshold()
        self._thread = threading.Thread(target=self._run, name="ramasse-miettes", daemon=True)

    def start(self) -> TimedFullCollections:
        first, second, _ = self._thresholds
        gc.set_threshold(first, second, NEVER)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Python's thresholds back (tests)."""
        self._stop.set()
        self._thread.join()
        gc.set_threshold(*self._thresholds)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            gc.collect()


def time_full_collections(every: float | None = None) -> TimedFullCollections | None:
    """Start the timed full passes in this process (a web worker); None when disabled."""
    seconds = full_collection_seconds() if every is None else every
    if seconds <= 0:
        return None
    return TimedFullCollections(seconds).start()
