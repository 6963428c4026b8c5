"""The addresses the page layout (``base.html``) links to, built once per mount point.

Every page's header and menu link to the same twenty addresses: building each with
``url_for`` cost a twentieth of a light page's CPU under load. They depend only on the
application's routes and on where it is mounted (``request.script_root``), so they are
built once for each mount point; a page reads them as ``layout_urls()['main.home']``.
"""

from __future__ import annotations

import re
import threading

from flask import request, url_for

STATIC_FILES = ("app.css", "app.js", "htmx.min.js")
ENDPOINTS = (
    "main.home", "main.dashboard", "main.reste_a_vivre", "main.semestrial_report", "main.set_as_of",
    "worklist.index", "notifications.index", "auth.change_password", "auth.logout",
    "offers.board", "households.index", "proposals.index", "residences.index", "projects.index",
    "imports.index", "admin.users", "admin.access_log",
)

_built: dict[str, dict[str, str]] = {}
_PLAIN_ID = re.compile(r"[0-9a-fA-F-]{32,36}")
_lock = threading.Lock()


def layout_urls() -> dict[str, str]:
    """Endpoint (or ``static/<file>``) → its address, for this request's mount point."""
    root = request.script_root
    found = _built.get(root)
    if found is None:
        urls = {endpoint: url_for(endpoint) for endpoint in ENDPOINTS}
        urls.update({f"static/{name}": url_for("static", filename=name) for name in STATIC_FILES})
        with _lock:
            found = _built.setdefault(root, urls)
    return found


# Stands for a record's id while its address is built (valid for a string or uuid converter).
_ID_MARK = "ffffffff-ffff-ffff-ffff-fffffffffffe"
_by_id: dict[tuple[str, str, str], tuple[str, str]] = {}


def id_url(endpoint: str, argument: str, value: object) -> str:
    """``url_for(endpoint, **{argument: value})`` for a record's id (a UUID), built once
    per mount point, endpoint and argument: a list asking it for each of its 50 rows spent
    a tenth of its CPU in ``url_for``."""
    key = (request.script_root, endpoint, argument)
    parts = _by_id.get(key)
    if parts is None:
        before, found, after = url_for(endpoint, **{argument: _ID_MARK}).partition(_ID_MARK)
        if not found:  # the id is not in the path (never for this app's routes): ask each time
            return url_for(endpoint, **{argument: value})
        with _lock:
            parts = _by_id.setdefault(key, (before, after))
    text = str(value)
    if not _PLAIN_ID.fullmatch(text):  # anything but a UUID or hex id is left to url_for
        return url_for(endpoint, **{argument: value})
    return parts[0] + text + parts[1]
