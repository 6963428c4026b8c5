"""The addresses the page layout (``base.html``) links to, built once per mount point.

Every page's header and menu link to the same twenty addresses: building each with
``url_for`` cost a twentieth of a light page's CPU under load. They depend only on the
application's routes and on where it is mounted (``request.script_root``), so they are
built once for each mount point; a page reads them as ``layout_urls()['main.home']``.
"""

from __future__ import annotations

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
