"""Sign-in plumbing: flask-login's loader and the failed-login limits (flask-limiter)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager

from relogement.web.accounts import Accounts, User, parse_session_id


def register_login(app: Flask, accounts: Accounts) -> LoginManager:
    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "id:generation" (User.get_id): a cookie saved before a logout, a password
        # change or a disabling names an older generation and is refused.
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        read = g.pop("page_user", None)  # read with the page's positions (below)
        if read is not None and read[0] == parsed[0]:
            user = read[1]
        else:
            # Read through the page's open connection, if it has one (one per GET).
            # With the user's read marks' version (the header's badge), in the same statement.
            user = accounts.get(parsed[0], via=app.extensions["relogement.readmodels"].reader, read_marks=True)
        if user is None or not user.active or user.session_version != parsed[1]:
            return None
        return user

    @app.before_request
    def _read_user_with_positions() -> None:
        # A signed-in page's first statement reads its user (with the read marks' version)
        # and its read positions together: one round trip instead of two on every page view.
        # Registered before the hook that reads the positions; the loader above takes the user.
        if request.endpoint in ("static", "sante.health"):
            return
        parsed = parse_session_id(str(session.get("_user_id") or ""))
        if parsed is None:
            return
        readmodels = app.extensions["relogement.readmodels"]
        user, values = accounts.get_with(parsed[0], via=readmodels.reader, columns=readmodels.position_columns())
        readmodels.positions_read(values)
        g.page_user = (parsed[0], user)

    return login_manager


def register_limiter(app: Flask, database_scheme: str, database_options: dict[str, Any]) -> Limiter:
    """Brute force: failed logins per client address and per login (auth.limit_failed_logins).

    The counters live in the database when ``RATELIMIT_STORAGE_URI`` is the database
    scheme (the default: shared by every worker), in memory otherwise (tests may say so).
    """
    storage_uri = app.config["RATELIMIT_STORAGE_URI"]
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_uri,
        storage_options=database_options if storage_uri.startswith(database_scheme) else {},
    )
    app.extensions["relogement.limiter"] = limiter

    @limiter.request_filter
    def _only_posts() -> bool:
        # The only limits are on sent login forms (POST): every other request skipped
        # resolving the endpoint's limits, 5 % of a kept page's CPU (bench/RESULTS.md,
        # session 15). A limit on another method would have to lift this filter.
        return request.method != "POST"

    return limiter
