"""The background warm-up after each event (web/reports.py, issue 19).

After each event the live dashboard is prepared at the new position (it costs what the event
changed); the reste-à-vivre and the default report are prepared once per process only:
preparing them at every event cost each worker seconds of CPU per command.
"""

from __future__ import annotations


def test_warm_up_follows_each_event_with_the_dashboard_only(database_url, clock, tmp_path):
    from relogement.runtime import create_app
    from relogement.simulation import sample

    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "RELOGEMENT_DATA_DIR": str(tmp_path),
        "CLOCK": clock, "RELOGEMENT_WARM_REPORTS": True,
    })
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
