"""Production settings of gunicorn: ``gunicorn -c python:relogement.web.gunicorn_conf``.

Slow clients must not take the site down. With gunicorn's default sync workers, two
idle connections whose headers never end held both workers (a normal request then
waited 32 s and workers were killed). Here:

- ``gthread`` workers: a connection that has sent nothing waits in the worker's
  poller, not in a thread; each worker serves ``threads`` requests at once;
- every read from or write to a client waits at most ``CLIENT_READ_TIMEOUT`` /
  ``CLIENT_SEND_TIMEOUT`` seconds (socket options set on the listening sockets, which
  accepted connections inherit): a client that started its headers and stopped loses
  its thread after 10 s (gunicorn logs it as "Socket error processing request");
- bounded request line and headers.

Load spread over the workers: with keep-alive a connection stays in the worker that
accepted it, and on one shared listening socket the worker that wakes first may accept
them all (seen: 20 of 20 benchmark clients in one worker, one core idle and 20 threads
queueing on one GIL). ``reuse_port``: each worker listens on a socket of its own and the
kernel spreads new connections over them; a worker holding more than its share asks a
client to reconnect (web/worker_balance.py). The workers keep the ranking pages' bodies in
one file (web/shared_pages.py, folder made by ``on_starting``). Within a worker, only a few threads run the
app at once (web/active_requests.py), and full garbage-collector passes run on a timer
(web/worker_collector.py).

docker-compose.yml also puts nginx in front (deploy/nginx.conf), which reads whole
requests before passing them on; these settings keep gunicorn safe without it
(``scripts/run.sh``, a server run by hand). Every value can be overridden on the
command line or with ``GUNICORN_CMD_ARGS``; ``WEB_CONCURRENCY`` sets the workers.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import tempfile
from typing import Any

from relogement.web.worker_balance import ConnectionShares, hand_over_if_ahead

CLIENT_READ_TIMEOUT = 10  # seconds without a byte while reading a request
CLIENT_SEND_TIMEOUT = 30  # seconds without progress while sending a response

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = 60  # a worker whose main loop is stuck this long is restarted
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
reuse_port = True  # one listening socket per worker (see above)

# Each worker's open connections, in memory made here in the arbiter and shared by the
# workers it forks (web/worker_balance.py).
CONNECTION_SHARES = ConnectionShares()


def _timeval(seconds: int) -> bytes:
    return struct.pack("ll", seconds, 0)


SHARED_PAGES = "RELOGEMENT_SHARED_PAGES"


def on_starting(server: Any) -> None:
    """In the arbiter, before any worker: the folder where the workers keep the page
    bodies they share (web/shared_pages.py), unless one is set. Removed at exit."""
    if not os.environ.get(SHARED_PAGES):
        os.environ[SHARED_PAGES] = server.relogement_shared_pages = tempfile.mkdtemp(prefix="relogement-pages-")


def on_exit(server: Any) -> None:
    folder = getattr(server, "relogement_shared_pages", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def post_fork(server: Any, worker: Any) -> None:
    """With ``reuse_port`` the worker's own sockets are made here, after the fork: bound.
    The worker takes its slot among the connection shares."""
    _bound(getattr(worker, "sockets", None) or [])
    CONNECTION_SHARES.claim(os.getpid())


def pre_request(worker: Any, req: Any) -> None:
    """A worker holding more than its share of connections closes this one after answering."""
    hand_over_if_ahead(CONNECTION_SHARES, worker, req)


def child_exit(server: Any, worker: Any) -> None:
    """In the arbiter: an exited worker's slot is free again."""
    CONNECTION_SHARES.release(worker.pid)


def post_worker_init(worker: Any) -> None:
    """Prepare the worker before it accepts a request (web/report_warmup.py,
    ``prepare_worker``): the first page after a start then costs what the next ones cost.
    ``worker.notify`` tells the arbiter the worker is alive while it prepares (a worker
    silent for ``timeout`` seconds is killed, and would be again at each restart). Then the
    full garbage-collector passes go on a timer (web/worker_collector.py)."""
    extensions = getattr(worker.wsgi, "extensions", None) or {}
    prepare = extensions.get("relogement.prepare_worker")
    if prepare is None:
        return
    prepare(heartbeat=worker.notify)
    from relogement.web.worker_collector import time_full_collections

    worker.full_collections = time_full_collections()


def when_ready(server: Any) -> None:
    """Bound every read and write of a client socket (inherited from the listener): the
    arbiter's listeners when they are shared (``--no-reuse-port``)."""
    _bound(server.LISTENERS)


def _bound(listeners: list[Any]) -> None:
    for listener in listeners:
        sock = getattr(listener, "sock", listener)
        if sock.family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(CLIENT_READ_TIMEOUT))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(CLIENT_SEND_TIMEOUT))
