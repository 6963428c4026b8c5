"""The Flask settings: defaults, then the ``config`` mapping (tests), then the proxy fix.

Environment: RELOGEMENT_SECURE_COOKIES, RELOGEMENT_POLL_SECONDS, RELOGEMENT_TRUSTED_PROXIES
(the services' own settings are read by ``relogement.runtime.bootstrap``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

TRUE = ("1", "true", "yes", "oui", "on")


def setting(config: Mapping[str, Any], name: str, default: str) -> str:
    return str(config.get(name, os.environ.get(name, default)))


def configure(app: Flask, config: Mapping[str, Any], secret_key: str, data_dir: str) -> None:
    testing = bool(config.get("TESTING"))
    secure = os.environ.get("RELOGEMENT_SECURE_COOKIES", "0" if testing else "1").lower() in TRUE
    app.config.update(
        SECRET_KEY=secret_key,
        DATABASE_URL=config.get("DATABASE_URL") or os.environ.get("DATABASE_URL"),
        RELOGEMENT_DATA_DIR=data_dir,
        SESSION_COOKIE_NAME="relogement_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        # A working day from the login, however active: the cookie is signed again only
        # when the session changes (login, a message shown), not on every response, which
        # cost 12 % of a light page's time under load (bench/RESULTS.md, session 12).
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,  # imports: 5 MB is thousands of rows
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session (8 h)
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",  # failed logins per client address
        LOGIN_RATE_LIMIT_PER_LOGIN="10 per 15 minutes",  # failed logins per login, any address
        # Counters shared by every worker, in the database (runtime/ratelimit_storage.py).
        RATELIMIT_STORAGE_URI="relogement-db://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    for key, value in config.items():
        if key != "CLOCK":
            app.config[key] = value
    proxies = int(setting(config, "RELOGEMENT_TRUSTED_PROXIES", "0"))
    if proxies > 0:
        # Behind nginx (docker-compose.yml): the client's address, for the login limits,
        # is the one the proxy puts in X-Forwarded-For, not the proxy's own.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def poll_seconds(config: Mapping[str, Any]) -> float:
    """How often the runner polls for other processes' events (0: never; tests: 0)."""
    if config.get("TESTING"):
        return float(config.get("RELOGEMENT_POLL_SECONDS", 0))
    return float(setting(config, "RELOGEMENT_POLL_SECONDS", "0.5"))
