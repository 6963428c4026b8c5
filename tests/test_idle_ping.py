"""PostgreSQL: the pages' pooled connections are checked before use only after they have
been idle, and one whose server process ended meanwhile is replaced before the page reads
(runtime/engines.py ``_ping_when_idle``, instead of ``pool_pre_ping`` at every checkout)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine

from relogement.platform.config import normalise_url
from relogement.runtime import engines

# PostgreSQL only (the SQLite pages' engine has no check): the shared fixture, one param.
on_postgres = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def _backend(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()


@on_postgres
def test_a_connection_used_a_moment_ago_is_not_checked_and_an_idle_one_is(database_url, monkeypatch):
    engine = engines.read_engine(database_url, None)
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    try:
        first = _backend(engine)
        assert _backend(engine) == first and pings == []  # LIFO: the same, unchecked
        monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.05)
        time.sleep(0.1)
        assert _backend(engine) == first and pings == [1]  # idle: checked, still good
    finally:
        engine.dispose()


@on_postgres
def test_a_connection_whose_server_process_ended_while_idle_is_replaced(database_url, monkeypatch):
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.05)
    engine = engines.read_engine(database_url, None)
    admin = create_engine(normalise_url(database_url), isolation_level="AUTOCOMMIT")
    try:
        gone = _backend(engine)
        with admin.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({gone})").scalar() is True
        time.sleep(0.1)
        # The page's first read works, on a new server process: no error reached the page.
        assert _backend(engine) != gone
    finally:
        engine.dispose()
        admin.dispose()
