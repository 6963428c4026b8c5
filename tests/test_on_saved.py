"""RelocationApp.on_saved: listeners run after each recorded save, and never break it.

The web process (read models caught up after each command) and the composition root
hang their post-save work on this; runs on SQLite and PostgreSQL (``app`` fixture).
"""

from __future__ import annotations

import logging

import pytest

from relogement.platform.application import Actor
from relogement.platform.errors import DomainError
from relogement.runtime.application import RelocationApp


def test_a_listener_runs_once_after_each_save_with_the_events_recorded(app: RelocationApp):
    seen: list[int] = []
    app.on_saved(lambda: seen.append(app.recorder.max_notification_id() or 0))

    first = app.register_organisation("Bailleur A", "bailleur", "BA", by_user="admin")
    assert seen == [1]  # once, and the event was already in the store when it ran
    app.register_organisation("Bailleur B", "bailleur", "BB", by_user="admin")
    assert seen == [1, 2]
    assert app.organisation(first).name == "Bailleur A"


def test_listeners_run_in_registration_order_and_a_refused_command_runs_none(app: RelocationApp):
    calls: list[str] = []
    assert app.on_saved(lambda: calls.append("first")) is not None  # usable as a decorator
    app.on_saved(lambda: calls.append("second"))
    org = app.register_organisation("Bailleur A", "bailleur", "BA", by_user="admin")
    assert calls == ["first", "second"]

    with pytest.raises(DomainError):  # a refused command stores nothing: nothing to tell
        app.create_project("Projet", "P1", [], [], Actor("someone", org))
    assert calls == ["first", "second"]


def test_a_failing_listener_is_logged_and_swallowed(app: RelocationApp, caplog):
    def broken() -> None:
        raise RuntimeError("read models unavailable")

    later: list[int] = []
    app.on_saved(broken)
    app.on_saved(lambda: later.append(1))
    with caplog.at_level(logging.ERROR, logger="relogement.platform.application"):
        org = app.register_organisation("Bailleur secret", "bailleur", "BS", by_user="admin")

    assert app.organisation(org).name == "Bailleur secret"  # the save stands
    assert app.recorder.max_notification_id() == 1
    assert later == [1]  # the next listener still ran
    [record] = [r for r in caplog.records if r.name == "relogement.platform.application"]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "Bailleur secret" not in record.getMessage()  # no event state in the log line


def test_listeners_belong_to_one_application(database_url: str, clock):
    one = RelocationApp(database_url, clock=clock)
    other = RelocationApp(database_url, clock=clock)
    try:
        calls: list[str] = []
        one.on_saved(lambda: calls.append("one"))
        other.register_organisation("Ville", "ville", "V", by_user="admin")
        assert calls == []
    finally:
        one.close()
        other.close()

