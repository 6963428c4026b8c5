"""The access log of identity views, written only for what a response shows.

A page reads a household's identity (and reports the view) before every check that can
still refuse the request: the follow-up form reads the household, then answers 409 if it
is not relocated. So a view is only *noted* while the request runs
(:func:`note_identity_views`), and written to ``privacy.access_log`` when the response
goes out (:func:`write_identity_views`, an ``after_request`` hook; one insert per purpose), unless the request
was refused: an error page (``web/errors.render_error``: 4xx from ``abort``, a domain
error, an unexpected 500) shows no identity, and :func:`forget_identity_views` drops
what was noted. A form shown again with its errors does show the household: logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flask import Flask, Response, g
from flask_login import current_user

from relogement.platform.application import Actor

PENDING = "identity_views"


@dataclass(frozen=True)
class _View:
    household_id: UUID
    actor: Actor
    role: str
    purpose: str


def note_identity_views(household_ids: list[UUID], purpose: str) -> None:
    """Remember that the current user is being shown these households' identity."""
    if not household_ids:
        return
    who = Actor(current_user.login, current_user.org_id)
    g.setdefault(PENDING, []).extend(_View(h, who, current_user.role, purpose) for h in household_ids)


def forget_identity_views() -> None:
    """The request is refused: its response shows none of the identities read."""
    g.pop(PENDING, None)


def write_identity_views(app: Flask) -> None:
    """Register the hook that writes the noted views as the response is sent, through the
    application's one writer of the access log (``record_personal_data_access``). Written
    before the response leaves: a log that cannot be written turns the page into an error
    page, never an unlogged view."""

    @app.after_request
    def _write(response: Response) -> Response:
        views = g.pop(PENDING, None)
        if views:
            relocation = app.extensions["relogement"]
            # One insert per (who, why): a list page of 50 households is one statement.
            groups: dict[tuple[Actor, str, str], list[UUID]] = {}
            for v in views:
                groups.setdefault((v.actor, v.role, v.purpose), []).append(v.household_id)
            for (actor, role, purpose), ids in groups.items():
                relocation.record_personal_data_access(ids, actor, purpose, role)
        return response
