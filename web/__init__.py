"""Web application: blueprints, templates, static files, CLI.

``create_app(config)`` builds one Flask app with one RelocationApp (the only door to
the event store) in ``app.extensions["relogement"]``, and the projections' runner
(``app.extensions["relogement.runner"]``) whose SQL read models every page reads.

Read models kept current:
- right after each command, in the same process: the app's RelocationApp is a
  :class:`WebRelocationApp`, which catches the runner up as soon as a save is
  recorded, so a user sees the effect of their own action on the next page (and
  tests, which call the use cases directly, read synchronously up-to-date models);
- for events written by other processes (the scheduler, another worker, the CLI): the
  runner's polling thread (``ProjectionRunner.start_polling``), started with the first
  request (not in tests, not in CLI commands), every ``RELOGEMENT_POLL_SECONDS``
  (default 0.5 s; 0 disables it).

Configuration comes from the environment (DATABASE_URL, SECRET_KEY, RELOGEMENT_DATA_DIR,
RELOGEMENT_SECURE_COOKIES, RELOGEMENT_CLOCK_OFFSET_HOURS, RELOGEMENT_POLL_SECONDS,
RELOGEMENT_TRUSTED_PROXIES) and
from the ``config`` mapping (tests).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import Connection

from relogement.platform.application import RelocationApp

TRUE = ("1", "true", "yes", "oui", "on")
log = logging.getLogger(__name__)


class WebRelocationApp(RelocationApp):
    """The RelocationApp of the web process: after each recorded save, the read
    models catch up in the same process (``after_save``, set by ``create_app``)."""

    # The same application name as RelocationApp: eventsourcing names a subclass after
    # itself otherwise, and the name picks the events table ("relogement_events").
    name = RelocationApp.name
    after_save: Any = None
    on_close: Any = None

    def _notify(self, recordings: list) -> None:
        super()._notify(recordings)
        if self.after_save is not None:
            try:
                self.after_save()
            except Exception:  # noqa: BLE001 - the events are stored; the poller retries
                log.exception("read models not caught up after a command")

    def close(self) -> None:
        if self.on_close is not None:
            self.on_close()
        super().close()


def _read_engine(url: str, runner_engine: Any) -> Any:
    """An engine for the pages' reads.

    The runner's SQLite engine opens every transaction with BEGIN IMMEDIATE (the write
    lock) so that catching up never deadlocks; pages must not take that lock, so on
    SQLite they read through a plain engine (deferred transactions; the store runs in
    WAL mode, so readers never wait for the writer). PostgreSQL: the same engine.
    """
    if not url.startswith("sqlite"):
        return runner_engine
    from sqlalchemy import create_engine

    return create_engine(url, connect_args={"timeout": 30})


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _clock(config: Mapping[str, Any]):
    if config.get("CLOCK") is not None:
        return config["CLOCK"]
    offset = os.environ.get("RELOGEMENT_CLOCK_OFFSET_HOURS")
    if offset:
        # Demonstrations only: run the app "N hours later" (e.g. to show a cleared window).
        delta = timedelta(hours=float(offset))
        return lambda: datetime.now(tz=UTC) + delta
    return lambda: datetime.now(tz=UTC)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from flask import g
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from flask_login import LoginManager
    from flask_wtf.csrf import CSRFProtect
    from htmx_flask import Htmx

    from relogement.projections import build_runner
    from relogement.web import errors
    from relogement.web.accounts import Accounts, parse_session_id
    from relogement.web.filters import register_filters
    from relogement.web.identity_views import write_identity_views
    from relogement.web.readmodels import ReadModels

    config = dict(config or {})
    data_dir = Path(
        config.get("RELOGEMENT_DATA_DIR") or os.environ.get("RELOGEMENT_DATA_DIR", "data")
    ).resolve()
    # relogement.* is mapped from folders (pyproject package-dir): tell Flask where we are.
    app = Flask(
        __name__,
        root_path=str(Path(__file__).resolve().parent),
        instance_path=str(data_dir / "instance"),
    )
    testing = bool(config.get("TESTING"))
    secure = os.environ.get("RELOGEMENT_SECURE_COOKIES", "0" if testing else "1").lower() in TRUE
    app.config.update(
        SECRET_KEY=config.get("SECRET_KEY") or _secret_key(data_dir),
        DATABASE_URL=config.get("DATABASE_URL") or os.environ.get("DATABASE_URL"),
        RELOGEMENT_DATA_DIR=str(data_dir),
        SESSION_COOKIE_NAME="relogement_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,  # imports: 5 MB is thousands of rows
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session (8 h)
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",  # failed logins per client address
        LOGIN_RATE_LIMIT_PER_LOGIN="10 per 15 minutes",  # failed logins per login, any address
        # Counters shared by every worker, in the database (web/ratelimit_storage.py).
        RATELIMIT_STORAGE_URI="relogement-db://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    for key, value in config.items():
        if key != "CLOCK":
            app.config[key] = value
    proxies = int(
        config.get("RELOGEMENT_TRUSTED_PROXIES", os.environ.get("RELOGEMENT_TRUSTED_PROXIES", "0"))
    )
    if proxies > 0:
        # Behind nginx (docker-compose.yml): the client's address, for the login limits,
        # is the one the proxy puts in X-Forwarded-For, not the proxy's own.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    relocation = WebRelocationApp(app.config["DATABASE_URL"], clock=_clock(config))
    app.config["DATABASE_URL"] = relocation.database_url
    app.extensions["relogement"] = relocation
    runner = build_runner(relocation)
    app.extensions["relogement.runner"] = runner
    read_engine = _read_engine(relocation.database_url, runner.engine)
    # A projection failure is logged and retried with a back-off (never raised here: the
    # events are stored; the pages and /sante show the lag).
    relocation.after_save = runner.try_catch_up
    runner.try_catch_up()  # start from read models as current as the store

    def _close() -> None:
        runner.close()
        if read_engine is not runner.engine:
            read_engine.dispose()

    relocation.on_close = _close

    def _memo() -> dict | None:
        from flask import has_app_context

        if not has_app_context():
            return None
        if "readmodels_memo" not in g:
            g.readmodels_memo = {}
        return g.readmodels_memo

    def _request_connection() -> Any:
        # One connection per page view (GET), closed at teardown. Commands (POST) read
        # through the engine: what they render after saving must see their own events.
        from flask import has_request_context, request

        if not has_request_context() or request.method not in ("GET", "HEAD"):
            return None
        if "read_connection" not in g:
            # Autocommit: no BEGIN before the first read nor ROLLBACK at the end (two round
            # trips on PostgreSQL); each statement still reads committed data, as before.
            g.read_connection = read_engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return g.read_connection

    @app.teardown_appcontext
    def _close_read_connection(exc: BaseException | None) -> None:
        conn = g.pop("read_connection", None)
        if conn is not None:
            conn.close()

    app.extensions["relogement.readmodels"] = ReadModels(read_engine, _memo, _request_connection)
    poll = float(
        config.get("RELOGEMENT_POLL_SECONDS", os.environ.get("RELOGEMENT_POLL_SECONDS", "0.5"))
    )
    if testing:
        poll = float(config.get("RELOGEMENT_POLL_SECONDS", 0))
    accounts = Accounts(relocation.recorder.datastore.engine)
    accounts.create_tables()
    app.extensions["relogement.accounts"] = accounts

    Htmx(app)
    CSRFProtect(app)
    from relogement.web import ratelimit_storage

    storage_uri = app.config["RATELIMIT_STORAGE_URI"]
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_uri,
        storage_options=(
            {"engine": accounts.engine}
            if storage_uri.startswith(ratelimit_storage.SCHEME + "://")
            else {}
        ),
    )
    app.extensions["relogement.limiter"] = limiter

    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        # "id:generation" (User.get_id): a cookie saved before a logout, a password
        # change or a disabling names an older generation and is refused.
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        reader = app.extensions["relogement.readmodels"].reader
        user = accounts.get(parsed[0], via=reader if isinstance(reader, Connection) else None)
        if user is None or not user.active or user.session_version != parsed[1]:
            return None
        return user

    register_filters(app)
    # The form error summary names each field (_macros.form_errors).
    from relogement.web.parsing import field_error, field_label

    app.jinja_env.globals.update(field_error=field_error, field_label=field_label)
    # The read models' lag, next to every "état au … événement n°" line (macros included).
    from relogement.web.context import events_behind

    app.jinja_env.globals.update(events_behind=events_behind)
    errors.register(app)
    from relogement.web import security_headers

    security_headers.register(app)
    write_identity_views(app)

    from relogement.web.blueprints import (
        admin,
        auth,
        health,
        households,
        imports,
        main,
        notifications,
        offers,
        projects,
        proposals,
    )
    from relogement.web.reports import Reports

    reports = Reports(
        read_engine,
        wait_seconds=float(app.config.get("RELOGEMENT_REPORT_WAIT_SECONDS", 0.8)),
        reader=lambda: app.extensions["relogement.readmodels"].reader,
        last_position=lambda: app.extensions["relogement.readmodels"].last_position(),
        # Live dashboards are recomputed at most this often (labelled with their position
        # meanwhile); tests see every event at once.
        refresh_seconds=float(
            config.get(
                "RELOGEMENT_DASHBOARD_REFRESH_SECONDS",
                os.environ.get("RELOGEMENT_DASHBOARD_REFRESH_SECONDS", "0" if testing else "30"),
            )
        ),
    )
    app.extensions["relogement.reports"] = reports
    previous_close = relocation.on_close

    def _close_all() -> None:
        reports.close()
        previous_close()

    relocation.on_close = _close_all
    warm = not testing or bool(app.config.get("RELOGEMENT_WARM_REPORTS"))

    def _warm(position: int | None = None) -> None:
        # Prepare the live dashboard, reste-à-vivre and default report in the background
        # (once per position) so that the next reader does not pay for them.
        if warm:
            readmodels = app.extensions["relogement.readmodels"]
            reports.warm(lambda: [p.id for p in readmodels.projects()], relocation.clock(), position)

    if warm:
        def _after_save() -> None:
            runner.try_catch_up()
            _warm()

        relocation.after_save = _after_save

    app.register_blueprint(auth.bp)
    # Brute force: failed logins per client address and per login (auth.limit_failed_logins).
    app.view_functions["auth.login"] = auth.limit_failed_logins(
        limiter, app.view_functions["auth.login"]
    )
    app.register_blueprint(main.bp)
    app.register_blueprint(offers.bp)
    app.register_blueprint(households.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(health.bp)  # /sante: no login, no rate limit

    @app.before_request
    def _start_polling() -> None:
        # Events written by other processes (scheduler, other workers): started with the
        # first request, so CLI commands that build the app never start a thread.
        from flask import request

        if poll > 0:
            runner.start_polling(interval=poll)
        if request.endpoint not in ("static", "sante.health"):
            # Events from another process: warm again (a no-op at the same position).
            _warm(app.extensions["relogement.readmodels"].last_position())

    @app.teardown_appcontext
    def _noop(exc: BaseException | None) -> None:  # the RelocationApp lives as long as the app
        return None

    return app
