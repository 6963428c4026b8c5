"""The access log of identity views, written only for what a response shows.

A page reads a household's identity (and reports the view) before every check that can
still refuse the request: the follow-up form reads the household, then answers 409 if it
is not relocated. So a view is only *noted* while the request runs
(:func:`note_identity_views`), and written to ``privacy.access_log`` when the response
goes out (:func:`write_identity_views`, an ``after_request`` hook; one multi-row insert), unless the request
was refused: an error page (``web/errors.render_error``: 4xx from ``abort``, a domain
error, an unexpected 500) shows no identity, and :func:`forget_identity_views` drops
what was noted. A form shown again with its errors does show the household: logged.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from flask import Flask, Response, g
from flask_login import current_user

from relogement.platform.privacy import AccessEntry

PENDING = "identity_views"


def note_identity_views(household_ids: list[UUID], purpose: str, at: datetime) -> None:
    """Remember that the current user is being shown these households' identity."""
    if not household_ids:
        return
    entries = g.setdefault(PENDING, [])
    entries.extend(
        AccessEntry(at, current_user.login, current_user.org_id, current_user.role, h, purpose)
        for h in household_ids
    )


def forget_identity_views() -> None:
    """The request is refused: its response shows none of the identities read."""
    g.pop(PENDING, None)


def write_identity_views(app: Flask) -> None:
    """Register the hook that writes the noted views (one multi-row insert) as the
    response is sent. Written before the response leaves: a log that cannot be written
    turns the page into an error page, never an unlogged view. The insert is the
    application's privacy port (``runtime/access_log.write_access_entries``)."""

    @app.after_request
    def _write(response: Response) -> Response:
        entries = g.pop(PENDING, None)
        if entries:
            app.extensions["relogement"].privacy.record_access(entries)
        return response
