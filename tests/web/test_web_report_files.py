"""Semestrial report files stored once their semester is over, on SQLite and PostgreSQL.

- a semester over: the PDF / XLSX produced once is stored in the read-model database and
  served from there by another worker (a new ``Reports``, as after a restart) without
  rendering again;
- a semester still running is never stored (provisional);
- a stored file is never served for another key (quartier, convention, format, position).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from relogement.projections import report_files
from relogement.projections import report_output as ro
from relogement.projections import semester_report as rs
from relogement.web.reports import Reports


def _lease(app, world, household, offer, clock) -> None:
    w = world.world
    proposal = app.make_proposal(household, offer, 25_000, w.actor("VCL"))
    app.accept_proposal(proposal, date(2026, 3, 3), w.actor("VCL"))
    clock.advance(hours=49)
    app.decide_caleol(proposal, "attribution", date(2026, 3, 5), "", w.actor("LMH"))
    app.sign_lease(proposal, 48_000, 10_000, 25_000, date(2026, 3, 6), date(2026, 3, 15), w.actor("LMH"))


def _stored_count(engine) -> int:
    report_files._ensure(engine)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(report_files.report_files)).scalar_one()


def test_a_frozen_semester_is_produced_once_and_served_from_the_store(world, client_for, clock, web_app, monkeypatch):
    app = world.app.extensions["relogement"]
    reports = web_app.extensions["relogement.reports"]
    _lease(app, world, world.ids["household"], world.ids["offer"], clock)
    city = client_for("vls.partenaire")
    engine = reports.db

    # Still running: served, never stored.
    running = city.get("/rapport-semestriel.xlsx?semestre=2026-S1")
    assert running.status_code == 200 and running.data[:2] == b"PK"
    assert _stored_count(engine) == 0

    clock.now = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)  # the first semester is over
    pdf = city.get("/rapport-semestriel.pdf?semestre=2026-S1")
    xlsx = city.get("/rapport-semestriel.xlsx?semestre=2026-S1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert _stored_count(engine) == 2
    # The running semester (S2) is still not stored.
    assert city.get("/rapport-semestriel.xlsx?semestre=2026-S2").status_code == 200
    assert _stored_count(engine) == 2

    # Another worker, or the same after a restart: served from the store, nothing rendered.
    def no_render(*_args, **_kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(ro, "render_pdf", no_render)
    monkeypatch.setattr(ro, "render_xlsx", no_render)
    project_id = world.world.project_id
    fresh = Reports(engine, clock=clock, wait_seconds=60)
    try:
        key = fresh.report_key(project_id, 2026, 1, None, "personne")
        assert key == reports.report_key(project_id, 2026, 1, None, "personne")
        assert fresh.file(key, "pdf") == pdf.data
        assert fresh.file(key, "xlsx") == xlsx.data
        # Another quartier, convention or position names another file: rendered, not served.
        for other in (
            fresh.report_key(project_id, 2026, 1, "LS-FAU", "personne"),
            fresh.report_key(project_id, 2026, 1, None, "uc"),
            key[:-1] + (key[-1] - 1,),
        ):
            assert fresh._stored(other, "pdf") is None
            with pytest.raises(AssertionError, match="rendered again"):
                fresh.file(other, "pdf")
    finally:
        fresh.close()
    # Through the pages too, in the first worker (its memory emptied: from the store,
    # without computing the report's figures).
    reports.files = type(reports.files)(16)
    reports.cache = type(reports.cache)(64)
    monkeypatch.setattr(rs, "build", no_render)
    again = city.get("/rapport-semestriel.pdf?semestre=2026-S1")
    assert again.status_code == 200 and again.data == pdf.data
    assert again.headers["Content-Disposition"] == 'attachment; filename="rapport-semestriel-projet-2026-S1.pdf"'
