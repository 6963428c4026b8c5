"""A page whose large body is kept, sent without copying that body on every request.

The semestrial report's body (its tables: about 900 kB of HTML on the 6,000-household
programme) is rendered once per report and kept. Put back into its page by Jinja, each
request still joined the whole page into one string (a 900 kB copy), then encoded it
(another). Here the page is rendered around a marker, and sent as three byte strings:
what comes before the body, the body encoded once when it was kept, and what comes after.
The bytes sent are the same.

A body that carries forms (the ranking pages) is kept with a mark where each form's token
goes (:func:`kept_body`); every request puts its own session's token there.
"""

from __future__ import annotations

from collections.abc import Hashable, MutableMapping
from typing import Any

from flask import current_app, g, render_template
from markupsafe import Markup

from relogement.web.form_tokens import FIELD

MARKER = "<!--corps-de-page-conservé-->"
# What a kept body carries where its forms' token goes: each request puts its own there.
TOKEN_MARK = "jeton-de-formulaire-de-la-page"
_TOKEN_MARK_BYTES = TOKEN_MARK.encode()


def encoded(body: str) -> bytes:
    """A body to keep, as it will be sent."""
    return str(body).encode("utf-8")


def page_around(template: str, body: bytes, status: int = 200, **context: Any) -> Any:
    """``template`` rendered with ``body`` (kept bytes) as its ``body`` variable."""
    html = render_template(template, body=Markup(MARKER), **context)
    before, found, after = html.partition(MARKER)
    if not found:  # the template did not show the body (an error message instead)
        return current_app.response_class(html, status=status, mimetype="text/html")
    parts = [before.encode("utf-8"), body, after.encode("utf-8")]
    response = current_app.response_class(parts, status=status, mimetype="text/html")
    response.headers["Content-Length"] = str(sum(len(p) for p in parts))
    return response


def kept_body(store: MutableMapping[Hashable, bytes], key: Hashable, template: str, **context: Any) -> bytes:
    """``template`` rendered with ``context``, kept in ``store`` under ``key`` (the caller's
    key holds everything the body shows), with this request's form token in its forms."""
    body = store.get(key)
    if body is None:
        body = store.setdefault(key, marked_body(template, **context))
    return with_token(body)


def marked_body(template: str, **context: Any) -> bytes:
    """``template`` rendered to keep: its forms carry :data:`TOKEN_MARK` instead of a token."""
    # The templates' csrf_token() returns g's token when there is one (form_tokens).
    had = g.get(FIELD)
    setattr(g, FIELD, TOKEN_MARK)
    try:
        return encoded(render_template(template, **context))
    finally:
        if had is None:
            g.pop(FIELD, None)
        else:
            setattr(g, FIELD, had)


def with_token(body: bytes) -> bytes:
    """A kept body with this request's session's form token where its forms' mark is."""
    if _TOKEN_MARK_BYTES not in body:
        return body
    token = current_app.jinja_env.globals["csrf_token"]()
    return body.replace(_TOKEN_MARK_BYTES, token.encode())
