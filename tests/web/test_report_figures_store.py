"""A frozen semester's report figures, stored once computed (issue 19), on SQLite and PostgreSQL.

- a semester over: its figures computed once are stored and read back by another worker
  (a new ``Reports``, as after a restart) without computing them again, equal;
- a semester still running is never stored;
- stored figures are never served for another key, and only report values are read back.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import pytest

from relogement.projections import report_figures
from relogement.projections import semester_report as rs
from relogement.web.reports import Reports


def _lease(app, world, household, offer, clock) -> None:
    w = world.world
    proposal = app.make_proposal(household, offer, 25_000, w.actor("VCL"))
    app.accept_proposal(proposal, date(2026, 3, 3), w.actor("VCL"))
    clock.advance(hours=49)
    app.decide_caleol(proposal, "attribution", date(2026, 3, 5), "", w.actor("LMH"))
    app.sign_lease(proposal, 48_000, 10_000, 25_000, date(2026, 3, 6), date(2026, 3, 15), w.actor("LMH"))


def test_a_frozen_semesters_figures_are_computed_once(world, clock, web_app, monkeypatch):
    app = world.app.extensions["relogement"]
    reports = web_app.extensions["relogement.reports"]
    _lease(app, world, world.ids["household"], world.ids["offer"], clock)
    project_id = world.world.project_id
    engine = reports.db

    running = reports.report_key(project_id, 2026, 1, None, "personne")
    reports.report(running)
    assert reports._store_key(running, "figures") is None  # still running: not stored

    clock.now = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)  # the first semester is over
    key = reports.report_key(project_id, 2026, 1, None, "personne")
    expected = rs.build(engine, project_id, 2026, 1, convention="personne")
    assert reports.report(key) == expected

    def no_build(*_args, **_kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(rs, "build", no_build)
    fresh = Reports(engine, clock=clock)
    try:
        assert fresh.report(key) == expected  # read from the store
        for other in (  # another convention, quartier or position names other figures
            fresh.report_key(project_id, 2026, 1, None, "uc"),
            fresh.report_key(project_id, 2026, 1, "LS-FAU", "personne"),
            key[:-1] + (key[-1] - 1,),
        ):
            with pytest.raises(AssertionError, match="computed again"):
                fresh.report(other)
    finally:
        fresh.close()


def test_stored_figures_hold_only_report_values():
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    with pytest.raises(pickle.UnpicklingError):
        report_figures.from_bytes(pickle.dumps({"figures": Evil()}))
    figures = {"semestre": rs.Semester(2026, 1), "etat_au": date(2026, 6, 30), "taux": None}
    assert report_figures.from_bytes(report_figures.to_bytes(figures)) == figures


def test_the_running_semesters_report_takes_the_held_follow_up(world, clock, web_app):
    """The report of the semester running takes its reste-à-vivre from the live state held
    for the reste-à-vivre page (moved to the report's position): the same figures."""
    app = world.app.extensions["relogement"]
    reports = web_app.extensions["relogement.reports"]
    project_id = world.world.project_id
    reports.suivi(project_id, None, clock(), convention="personne", threshold=None, fall=1, quartier=None)
    _lease(app, world, world.ids["household"], world.ids["offer"], clock)
    held = reports.rav_states._held[project_id.hex][0]
    for convention in ("personne", "uc"):
        key = reports.report_key(project_id, 2026, 1, None, convention)
        assert reports.report(key) == rs.build(reports.db, project_id, 2026, 1, convention=convention)
    assert held.position == reports.position(None)  # moved by the report, not read again


def test_the_running_semesters_report_reads_its_rows_once_then_moves_them(world, clock, web_app):
    """The report of the semester running reads its rows once per process, then moves them
    by what each new event changed (report_state.ReportRows): after each event, the same
    figures as the report built from its own queries; a semester over leaves them where they are."""
    from oracles.report_today import build as build_today

    app = world.app.extensions["relogement"]
    reports = web_app.extensions["relogement.reports"]
    project_id = world.world.project_id
    key = reports.report_key(project_id, 2026, 1, None, "personne")
    assert reports.report(key) == build_today(reports.db, project_id, 2026, 1, convention="personne")
    held = reports.report_states.state(project_id)
    assert held.position == reports.position(None)
    _lease(app, world, world.ids["household"], world.ids["offer"], clock)
    reports.report_states.advance(project_id, reports.position(None))  # the warm-up's move
    assert held.position == reports.position(None)
    for convention in ("personne", "uc"):
        key = reports.report_key(project_id, 2026, 1, None, convention)
        assert reports.report(key) == build_today(reports.db, project_id, 2026, 1, convention=convention)
    assert reports.report_states.state(project_id) is held and held.position == reports.position(None)
    past = reports.report_key(project_id, 2025, 2, None, "personne")
    if past[-1] is not None and abs(past[-1] - held.position) > 500:
        reports.report(past)
        assert held.position == reports.position(None)
