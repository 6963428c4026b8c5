"""The background warm-up after each event (web/reports.py, issue 19).

After each event the live dashboard is prepared at the new position (it costs what the event
changed); the reste-à-vivre and the default report are prepared once per process only:
preparing them at every event cost each worker seconds of CPU per command.
"""

from __future__ import annotations


def _app(database_url, clock, tmp_path):
    from relogement.runtime import create_app

    return create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "RELOGEMENT_DATA_DIR": str(tmp_path),
        "CLOCK": clock, "RELOGEMENT_WARM_REPORTS": True,
    })


def test_warm_up_follows_each_event_with_the_dashboard_only(database_url, clock, tmp_path):
    from relogement.simulation import sample

    app = _app(database_url, clock, tmp_path)
    try:
        relocation = app.extensions["relogement"]
        reports = app.extensions["relogement.reports"]
        calls: list[str] = []
        original_suivi, original_view = reports.suivi, reports.dashboard_view
        reports.suivi = lambda *a, **k: calls.append("suivi") or original_suivi(*a, **k)
        reports.dashboard_view = lambda *a, **k: calls.append("tableau") or original_view(*a, **k)

        def settle() -> None:
            reports._pool.submit(lambda: None).result(timeout=60)  # the warm-up job is done
            reports._pool.submit(lambda: None).result(timeout=60)  # and any follow-up it queued

        world = sample.build_world(relocation)  # several saves: warmed as they come
        settle()
        assert calls.count("suivi") == 1 and calls.count("tableau") >= 1
        first = len(calls)
        sample.register(world, bailleur="VCL", name="Famille Martin")
        settle()
        assert calls[first:] and set(calls[first:]) == {"tableau"}  # the new position, dashboard only
        key, figures, _ = original_view(world.project_id, None, clock())
        assert figures["position"] == relocation.recorder.max_notification_id()
        assert reports.cache.peek(key) is not None  # the page finds it ready
    finally:
        app.extensions["relogement"].close()


def test_warm_up_holds_the_running_semesters_report_and_follows_each_event(database_url, clock, tmp_path,
                                                                         monkeypatch):
    """A worker prepares the running semester's report once (its rows read and held: the
    first page after a start found it ready instead of reading every row, seconds for
    6,000 households); after each event its rows follow, so the next page only sums what
    changed. At most RUNNING_REPORTS_WARMED projects are prepared (83 MB each)."""
    from relogement.simulation import sample
    from relogement.web import reports as module

    app = _app(database_url, clock, tmp_path)
    try:
        relocation = app.extensions["relogement"]
        reports = app.extensions["relogement.reports"]

        def settle() -> None:
            reports._pool.submit(lambda: None).result(timeout=60)
            reports._pool.submit(lambda: None).result(timeout=60)

        world = sample.build_world(relocation)
        settle()
        project = module.q.get_project(reports.db, world.project_id)
        running = [c for c in module.semesters(project["created_at"], clock()) if not c.ended][0]
        convention = module.residual_income.project_convention(project)
        held = reports.report_states.state(world.project_id)
        assert held.position == relocation.recorder.max_notification_id()  # read once, then moved
        sample.register(world, bailleur="VCL", name="Famille Martin")
        settle()
        assert held.position == relocation.recorder.max_notification_id()  # moved by the event
        full_reads = []
        read = module.report_state.ReportRows._read

        def counting(self, conn, name, position, keys):
            if keys is None and name != "residences":  # residences: a few rows, always read whole
                full_reads.append(name)
            return read(self, conn, name, position, keys)

        monkeypatch.setattr(module.report_state.ReportRows, "_read", counting)
        key = reports.report_key(world.project_id, running.year, running.half, None, convention)
        assert reports.report(key)["position"] == held.position
        assert full_reads == []  # the page sums the held rows: none read again in full

        monkeypatch.setattr(module, "RUNNING_REPORTS_WARMED", 0)
        other = module.Reports(reports.db)
        try:
            other._warm_project(world.project_id, relocation.recorder.max_notification_id(), clock())
            assert other.report_states.state(world.project_id).position is None
            assert other.cache.peek(("rapport",) + key) is None
        finally:
            other.close()
    finally:
        app.extensions["relogement"].close()
