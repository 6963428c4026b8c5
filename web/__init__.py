"""Web application: blueprints, templates, static files.

``create_app(config, services)`` builds one Flask app on services built once by the
composition root (``relogement.runtime.create_app``, the WSGI target, calls
``relogement.runtime.bootstrap.bootstrap``): the RelocationApp (the only door to the
event store) in ``app.extensions["relogement"]``, the projections' runner
(``"relogement.runner"``) whose SQL read models every page reads
(``"relogement.readmodels"``), the accounts (``"relogement.accounts"``), the reports
(``"relogement.reports"``).

Read models kept current: right after each command, in the same process (the runner's
catch-up is a listener of the application, wired by bootstrap); for events written by
other processes (the scheduler, another worker, the CLI), by the runner's polling
thread, started with the first request (not in tests, not in CLI commands), every
``RELOGEMENT_POLL_SECONDS`` (default 0.5 s; 0 disables it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from relogement.platform.energy import energy_estimate
from relogement.web import errors, matching_html, security_headers
from relogement.web.active_requests import ActiveRequestLimit, active_requests
from relogement.web.aid_views import aid_label, register_simulator
from relogement.web.context import events_behind
from relogement.web.field_labels import field_error, field_label
from relogement.web.filters import register_filters
from relogement.web.form_tokens import register_form_tokens
from relogement.web.identity_views import write_identity_views
from relogement.web.layout_urls import id_url, layout_urls
from relogement.web.login import register_limiter, register_login
from relogement.web.page_reads import register_reads
from relogement.web.place_names import register_place_names
from relogement.web.report_rows import register_report_rows
from relogement.web.report_sheets import register_report_sheets
from relogement.web.report_warmup import register_reports
from relogement.web.settings import configure, poll_seconds, setting
from relogement.web.shared_pages import SharedPages, code_version


def create_app(config: Mapping[str, Any] | None, services: Any) -> Flask:
    """The Flask app on ``services`` (``relogement.runtime.bootstrap.Services``)."""
    from relogement.web.blueprints import (
        admin,
        auth,
        health,
        households,
        imports,
        main,
        matching,
        notifications,
        offers,
        projects,
        proposals,
        residences,
        worklist,
    )

    config = dict(config or {})
    # relogement.* is mapped from folders (pyproject package-dir): tell Flask where we are.
    app = Flask(
        __name__,
        root_path=str(Path(__file__).resolve().parent),
        instance_path=str(services.data_dir / "instance"),
    )
    configure(app, config, services.secret_key, str(services.data_dir))
    relocation, runner = services.relocation, services.runner
    app.config["DATABASE_URL"] = relocation.database_url
    app.extensions["relogement"] = relocation
    app.extensions["relogement.runner"] = runner
    app.extensions["relogement.accounts"] = services.accounts
    # Page bodies kept for every worker of the server (gunicorn_conf.on_starting names the folder).
    app.extensions["relogement.shared_pages"] = SharedPages(
        setting(config, "RELOGEMENT_SHARED_PAGES", "") or None, version=code_version())
    register_simulator(app, config)  # the housing-aid simulation service (HTTP only)
    # The store's records table: every page reads its last id with the read position.
    events_table = relocation.recorder.events_record_cls.__table__
    readmodels = register_reads(app, services.read_engine, events_table)

    Htmx(app)
    CSRFProtect(app)
    register_form_tokens(app)  # after CSRFProtect: the templates' csrf_token(), signed once a second
    limiter = register_limiter(app, services.limiter_storage_uri, services.limiter_storage_options)
    register_login(app, services.accounts)
    register_filters(app)
    register_place_names(app)  # quartiers and operations by name, code in a tooltip
    register_report_sheets(app)  # the report's residence sheets, each rendered once
    register_report_rows(app)  # its open cases and fragile households, each row rendered once
    # The form error summary names each field (_macros.form_errors); the read models'
    # lag, next to every "état au … événement n°" line (macros included).
    app.jinja_env.globals.update(
        field_error=field_error, field_label=field_label, events_behind=events_behind,
        aid_label=aid_label, energy_estimate=energy_estimate, row_body_html=matching_html.row_body,
        row_head_html=matching_html.row_head, layout_urls=layout_urls, id_url=id_url,
    )
    errors.register(app)
    security_headers.register(app)
    write_identity_views(app)
    warm = register_reports(app, relocation, services.read_engine, config)

    app.register_blueprint(auth.bp)
    # Brute force: failed logins per client address and per login (auth.limit_failed_logins).
    app.view_functions["auth.login"] = auth.limit_failed_logins(
        limiter, app.view_functions["auth.login"]
    )
    for blueprint in (main, offers, households, matching, proposals, projects, imports, admin, notifications, worklist, residences):
        app.register_blueprint(blueprint.bp)
    app.register_blueprint(health.bp)  # /sante: no login, no rate limit
    poll = poll_seconds(config)
    limit = active_requests(config)
    if limit:  # outermost: the GIL's turns are taken once every header is read
        app.wsgi_app = ActiveRequestLimit(  # type: ignore[method-assign]
            app.wsgi_app, limit, int(app.config.get("MAX_CONTENT_LENGTH") or 0))

    @app.before_request
    def _start_polling() -> None:
        # Events written by other processes (scheduler, other workers): started with the
        # first request, so CLI commands that build the app never start a thread.
        if poll > 0:
            runner.start_polling(interval=poll)
        if request.endpoint not in ("static", "sante.health"):
            # Events from another process: warm again (a no-op at the same position).
            warm(readmodels.last_position())

    return app
