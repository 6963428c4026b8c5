"""Shared fixtures: every domain test runs on SQLite and on the real PostgreSQL.

PostgreSQL: ``TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test).
Each test gets a fresh database created from that server and dropped after.
With ``CI=true`` an unreachable PostgreSQL fails the run; elsewhere those
tests are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from relogement.projections import build_runner, indemnities
from relogement.runtime.application import RelocationApp

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _admin_connect(autocommit: bool = True):
    import psycopg

    return psycopg.connect(PG_URL, autocommit=autocommit, connect_timeout=3)


def postgres_available() -> str | None:
    """None if PostgreSQL answers, else the reason."""
    try:
        with _admin_connect() as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL unreachable at {PG_URL}: {error}"


@pytest.fixture(scope="session")
def _pg_reason() -> str | None:
    return postgres_available()


def _fresh_pg_database() -> tuple[str, Callable[[], None]]:
    name = f"relo_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")

    def drop() -> None:
        with _admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, _pg_reason) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite'}"
        return
    if _pg_reason:
        if IN_CI:
            pytest.fail(f"CI=true and {_pg_reason}")
        pytest.skip(_pg_reason)
    url, drop = _fresh_pg_database()
    try:
        yield url
    finally:
        drop()


class FakeClock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> Iterator[RelocationApp]:
    application = RelocationApp(database_url, clock=clock)
    try:
        yield application
    finally:
        application.close()


# -- hand-computed scenarios (the domain audits) --------------------------------------

# Indemnity scale of the hand-computed scenarios (a copy: the shipped 2021 amounts are
# demonstration values).
SCALE_CSV = """bareme,date_debut,date_fin,zone_1995,typologies,montant_euros,source,statut
ANRU-2016,2016-01-01,2021-09-30,*,T1 T2,1500.00,RGA,officiel
ANRU-2016,2016-01-01,2021-09-30,*,T3 T4,4000.00,RGA,officiel
ANRU-2016,2016-01-01,2021-09-30,*,T5 T6,5000.00,RGA,officiel
ANRU-2021,2021-10-01,,2,T1 T2,2000.00,test,demo
ANRU-2021,2021-10-01,,2,T3 T4,5000.00,test,demo
ANRU-2021,2021-10-01,,2,T5 T6,6500.00,test,demo
"""


@pytest.fixture
def reference(tmp_path):
    path = tmp_path / "bareme_audit.csv"
    path.write_text(SCALE_CSV, encoding="utf-8")
    return indemnities.load_reference(scale=path)


@pytest.fixture
def runners():
    opened = []

    def make(app):
        """A runner caught up with everything the scenario stored (closed at teardown)."""
        runner = build_runner(app, batch_size=11)
        opened.append(runner)
        runner.catch_up()
        return runner

    yield make
    for runner in opened:
        runner.close()


@pytest.fixture(scope="session")
def simulation_url() -> str:
    """The housing-aid simulation service (RELOGEMENT_SIMULATION_URL; .ci/run starts one on
    loopback). Unreachable: skipped with the reason, or a failure with CI=true."""
    from relogement.housing_aid.client import service_ready, url_from_env

    url = url_from_env()
    reason = service_ready(url)
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return url
