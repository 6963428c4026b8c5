"""A page whose large body is kept, sent without copying that body on every request.

The semestrial report's body (its tables: about 900 kB of HTML on the 6,000-household
programme) is rendered once per report and kept. Put back into its page by Jinja, each
request still joined the whole page into one string (a 900 kB copy), then encoded it
(another). Here the page is rendered around a marker, and sent as three byte strings:
what comes before the body, the body encoded once when it was kept, and what comes after.
The bytes sent are the same.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from markupsafe import Markup

MARKER = "<!--corps-de-page-conservé-->"


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
