"""A page view holds at most two pooled connections at a time, and the pool has room for
two per thread (both databases).

Why: gunicorn's gthread workers serve ``threads`` requests at once and each page view
keeps one read connection until teardown (web/page_reads.py); the figures shared by
every user (dashboard, reports) read through a second one. With SQLAlchemy's default
pool (15 connections) and 16 threads, every thread held one and waited for another until
the pool's 30 s timeout (seen with 20 concurrent clients). So the pool holds two per
thread (runtime/engines.pool_settings), and no page may take a third; the notices' tables
are created at start-up instead of through a third connection in the header's count.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import event

from relogement.runtime.engines import pool_settings


class CheckoutWatch:
    """Counts the connections each thread holds at once, across the given engines."""

    def __init__(self, engines) -> None:  # noqa: ANN001
        self.held: Counter = Counter()
        self.most: Counter = Counter()
        self.lock = threading.Lock()
        self.engines = list({id(e): e for e in engines}.values())
        for engine in self.engines:
            event.listen(engine, "checkout", self._out)
            event.listen(engine, "checkin", self._in)

    def _out(self, *_args) -> None:  # noqa: ANN002
        me = threading.get_ident()
        with self.lock:
            self.held[me] += 1
            self.most[me] = max(self.most[me], self.held[me])

    def _in(self, *_args) -> None:  # noqa: ANN002
        me = threading.get_ident()
        with self.lock:
            self.held[me] -= 1

    def close(self) -> None:
        for engine in self.engines:
            event.remove(engine, "checkout", self._out)
            event.remove(engine, "checkin", self._in)


def test_a_page_view_never_holds_two_connections(world, client_for):
    app = world.app
    relocation = app.extensions["relogement"]
    w, ids = world.world, world.ids
    proposal = relocation.make_proposal(ids["household"], ids["offer"], 20_000, w.actor("VCL"))
    officer, partner = client_for("vcl.charge"), client_for("mel.partenaire")
    pages = [
        (officer, "/a-traiter"), (officer, "/offres"), (officer, "/menages"),
        (officer, f"/menages/{ids['household']}"), (officer, f"/menages/{ids['household']}/logements-adaptes"),
        (officer, f"/offres/{ids['offer']}/menages-correspondants"), (officer, f"/propositions/{proposal.hex}"),
        (officer, "/notifications"), (partner, "/tableau-de-bord"), (partner, "/reste-a-vivre"),
        (partner, "/a-traiter"), (partner, "/rapport-semestriel"),
    ]
    engines = [app.extensions["relogement.readmodels"].db, app.extensions["relogement.runner"].engine]
    watch = CheckoutWatch(engines)
    try:
        for client, path in pages:
            watch.most.clear()
            response = client.get(path)
            assert response.status_code == 200, path
            me = threading.get_ident()  # Flask's test client serves in this thread
            assert watch.most[me] <= 2, f"{path}: {watch.most[me]} connections held at once"
    finally:
        watch.close()


@pytest.mark.parametrize("threads", [4, 16, 32])
def test_the_pool_has_room_for_every_thread(threads, monkeypatch):
    monkeypatch.setenv("GUNICORN_THREADS", str(threads))
    monkeypatch.delenv("RELOGEMENT_DB_POOL_SIZE", raising=False)
    size, overflow = pool_settings()
    # Two for every request thread and background one (polling, warm-up) at once: never
    # a wait for a connection that only a waiter can free.
    assert size >= threads + 2 and size + overflow >= 2 * (threads + 2)
    monkeypatch.setenv("RELOGEMENT_DB_POOL_SIZE", "40")
    assert pool_settings()[0] == 40


def test_the_pages_take_the_warmest_connection_again(database_url):
    """LIFO: the connection returned last is the next one taken, so under load a few
    connections stay warm (SQLite's page cache is per connection; psycopg prepares
    statements per connection) instead of cycling through twenty cold ones."""
    from relogement.runtime.engines import read_engine

    engine = read_engine(database_url, None)
    try:
        first, second = engine.connect(), engine.connect()
        a, b = first.connection.dbapi_connection, second.connection.dbapi_connection
        second.close()
        first.close()  # returned last
        again = engine.connect()
        assert again.connection.dbapi_connection is a and a is not b
        if database_url.startswith("sqlite"):
            # Reads map the file (shared system cache) instead of copying pages per connection.
            assert again.exec_driver_sql("PRAGMA mmap_size").scalar() > 0
        again.close()
    finally:
        engine.dispose()
