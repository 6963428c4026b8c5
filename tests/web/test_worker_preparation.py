"""A gunicorn worker is prepared before its first request (web/report_warmup.py,
``prepare_worker``; web/gunicorn_conf.py, ``post_worker_init``): templates compiled, each
project's live dashboard computed, so the first reader after a start waits no longer than
the next ones (issue 19: < 300 ms on the first request after a start)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from relogement.web import gunicorn_conf


@pytest.fixture
def fresh_app(database_url, clock, tmp_path):
    from relogement.runtime import create_app
    from relogement.simulation import sample

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "RELOGEMENT_DATA_DIR": str(tmp_path), "CLOCK": clock})
    world = sample.build_world(app.extensions["relogement"])
    yield app, world, clock
    app.extensions["relogement"].close()


def test_prepared_worker_has_its_templates_compiled_and_its_dashboards_ready(fresh_app):
    app, world, clock = fresh_app
    reports = app.extensions["relogement.reports"]
    computed: list[object] = []
    compute = reports.states.dashboard
    reports.states.dashboard = lambda *a, **k: computed.append(a[0]) or compute(*a, **k)

    app.extensions["relogement.prepare_worker"]()

    compiled = {name for _loader, name in app.jinja_env.cache.keys()}
    templates = set(app.jinja_env.list_templates(extensions=["html"]))
    assert templates and templates <= compiled
    assert world.project_id in computed
    # The first page's dashboard is the one prepared: nothing is computed again.
    computed.clear()
    _key, figures, _at = reports.dashboard_view(world.project_id, None, clock())
    assert computed == [] and figures["position"] == app.extensions["relogement"].recorder.max_notification_id()


def test_a_failed_preparation_is_logged_and_the_worker_serves(fresh_app, caplog):
    app, _world, _clock = fresh_app
    readmodels = app.extensions["relogement.readmodels"]
    broken = SimpleNamespace(projects=lambda: 1 / 0, last_position=readmodels.last_position)
    app.extensions["relogement.readmodels"] = broken
    try:
        app.extensions["relogement.prepare_worker"]()  # no exception
    finally:
        app.extensions["relogement.readmodels"] = readmodels
    assert "préparation du processus web en échec" in caplog.text
    assert app.test_client().get("/sante").status_code == 200


def test_gunicorn_prepares_each_worker_after_loading_the_app(monkeypatch):
    monkeypatch.setenv("RELOGEMENT_FULL_COLLECTION_SECONDS", "0")  # not in the test process
    calls: list[str] = []

    def prepare(heartbeat) -> None:  # noqa: ANN001
        calls.append("prepared")
        heartbeat()

    app = SimpleNamespace(extensions={"relogement.prepare_worker": prepare})
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app, notify=lambda: calls.append("alive")))
    assert calls == ["prepared", "alive"]
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=object()))  # another WSGI app: nothing to do
    assert calls == ["prepared", "alive"]


def test_preparation_beats_between_projects_and_stops_at_its_budget(fresh_app):
    from relogement.web.report_warmup import prepare_worker

    app, world, clock = fresh_app
    relocation = app.extensions["relogement"]
    from relogement.simulation.sample import OPERATIONS, QUARTIERS

    relocation.create_project("NPNRU Second", "SEC", QUARTIERS, OPERATIONS, world.actor("MEL"))
    reports = app.extensions["relogement.reports"]
    projects = [p.id for p in app.extensions["relogement.readmodels"].projects()]
    computed: list[object] = []
    compute = reports.states.dashboard
    reports.states.dashboard = lambda *a, **k: computed.append(a[0]) or compute(*a, **k)
    beats: list[int] = []
    warmed: list[object] = []

    prepare_worker(app, reports, relocation, warmed.append, heartbeat=lambda: beats.append(len(computed)))
    # A beat after the templates, then one after each project's dashboard.
    assert len(projects) == 2
    assert beats == list(range(len(projects) + 1)) and set(computed) == set(projects)
    assert warmed  # the background warm-up is started

    computed.clear(), beats.clear(), warmed.clear()
    prepare_worker(app, reports, relocation, warmed.append, heartbeat=lambda: beats.append(len(computed)),
                   budget_seconds=-1)
    # Out of time: no dashboard in the foreground; the background warm-up takes them all.
    assert computed == [] and beats == [0] and warmed
