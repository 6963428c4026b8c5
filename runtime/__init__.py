"""The composition root: builds the application and its infrastructure once.

``create_app(config=None)`` is the WSGI target (gunicorn ``relogement.runtime:create_app()``):
:func:`relogement.runtime.bootstrap.bootstrap` builds the services (event store, key
store, projections, accounts, ...), then ``relogement.web.create_app`` builds the Flask
app on them. The CLI (``relogement``) and the scheduler are entry points here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The web application on freshly built services (one set per process)."""
    from relogement.runtime.bootstrap import bootstrap
    from relogement.web import create_app as create_web_app

    config = dict(config or {})
    return create_web_app(config, bootstrap(config))
