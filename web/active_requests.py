"""At most ``RELOGEMENT_ACTIVE_REQUESTS`` requests run the app at once in a worker.

gunicorn's gthread workers keep 16 threads each, so that slow or idle clients (headers
that never end, see web/gunicorn_conf.py) cannot take every thread. But when 16 requests
run Python at once in one process they share one GIL: each waits for the others in 5 ms
slices, and the hand-overs themselves cost CPU. Measured with 20 clients on the
6,000-household programme (bench/RESULTS.md, session 12), the work list cost 4.7 ms of CPU
a request with 16 threads running and 3.4 ms with 4, and its p95 went from 102 to 61 ms.

So the threads stay (they read requests and write responses, which is where slow clients
wait), and a semaphore lets only a few of them run the app: the others sleep on it in
arrival order, without taking the GIL. A request's body is read before the semaphore is
taken (up to ``MAX_CONTENT_LENGTH``), so a client sending its form slowly holds a thread,
never a turn; the response is written after it is released.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

DEFAULT_ACTIVE_REQUESTS = 4

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def active_requests(config: dict[str, Any]) -> int:
    """The limit: the app's config, else ``RELOGEMENT_ACTIVE_REQUESTS``, else 4; 0 lifts it."""
    value = config.get("RELOGEMENT_ACTIVE_REQUESTS", os.environ.get("RELOGEMENT_ACTIVE_REQUESTS"))
    if value in (None, ""):
        return DEFAULT_ACTIVE_REQUESTS
    return max(0, int(value))


class ActiveRequestLimit:
    """WSGI middleware: the body read first, then the app run under a semaphore."""

    def __init__(self, app: WSGIApp, limit: int, max_body: int) -> None:
        self.app = app
        self.limit = limit
        self.max_body = max_body
        self._turns = threading.BoundedSemaphore(limit)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self._read_body(environ)
        with self._turns:
            return self.app(environ, start_response)

    def _read_body(self, environ: dict[str, Any]) -> None:
        # Only a body whose announced length the app would accept: a larger one is refused
        # by the app without being read (the import page says so), and a chunked one is
        # left to the app as before.
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        if length <= 0 or length > self.max_body:
            return
        stream = environ.get("wsgi.input")
        if stream is None:
            return
        # A client that stops early gives fewer bytes: the app then sees a short body and
        # refuses it (400), as it would have reading the socket itself.
        environ["wsgi.input"] = io.BytesIO(stream.read(length))
