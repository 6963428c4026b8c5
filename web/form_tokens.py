"""The form token (CSRF) of a page, signed once per session and second in a worker.

Every page carries the token (htmx's headers, the logout form, the forms). flask-wtf signs
it again for every request: itsdangerous serialises the session's raw token, tries to
compress it (zlib sets up its state each time) and signs it with the second it is signed
in, 2–3 % of a light page's CPU under load (py-spy). Within one second the signature of
the same raw token with the same key is the same string, so it is kept for that second:
the token sent is byte for byte what flask-wtf would have made.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

FIELD = "csrf_token"  # flask-wtf's WTF_CSRF_FIELD_NAME (its default, ours)


class SignedTokens:
    """The tokens signed in the current second, by (secret key, raw token)."""

    def __init__(self) -> None:
        self._second = -1
        self._tokens: dict[tuple[Any, str], str] = {}
        self._lock = threading.Lock()

    def token(self) -> str:
        """The page's signed token (as ``flask_wtf.csrf.generate_csrf``)."""
        if FIELD in g:
            return g.get(FIELD)
        raw = session.get(FIELD)
        if not isinstance(raw, str):
            return generate_csrf()  # no token yet in this session: flask-wtf makes it
        second = int(time.time())
        key = (current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
        with self._lock:
            if second != self._second:
                self._second, self._tokens = second, {}
            found = self._tokens.get(key)
        if found is None:
            found = generate_csrf()  # signs, and keeps it in g for the request
            with self._lock:
                if second == self._second:
                    self._tokens[key] = found
            return found
        setattr(g, FIELD, found)
        return found


def register_form_tokens(app: Flask) -> None:
    """The templates' ``csrf_token()`` signs once per second. flask-wtf puts its own in the
    globals and in a context processor: both are replaced (a later processor wins)."""
    token = SignedTokens().token
    app.jinja_env.globals["csrf_token"] = token
    app.context_processor(lambda: {"csrf_token": token})
