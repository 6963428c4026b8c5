"""Quartiers and operations by their names, with the code in a tooltip.

Events and read models keep the project's codes (``LIL-MOU``, ``LIL-MOU-DEM2``); people
read names ("Moulins – Belfort"). Templates call :func:`quartier_label` and
:func:`operation_label`: the name, and the code in the ``title`` of a ``<span>`` for those
who work with codes (imports, spreadsheets). A code the project does not know (a quartier
typed on an offer outside the project) is shown as it is.
"""

from __future__ import annotations

from uuid import UUID

from flask import Flask, g
from markupsafe import Markup, escape

from relogement.web.context import readmodels, viewpoint


def _names(kind: str, project_id: UUID | str | None) -> dict[str, str]:
    """Code → name over the project (or every project the store knows, as of the page's
    position: codes are unique within a project, and the first project wins otherwise);
    once per page."""
    memo = g.setdefault("place_names", {})
    key = (kind, str(project_id) if project_id is not None else None)
    if key not in memo:
        memo[key] = _read_names(kind, project_id)
    return memo[key]


def _read_names(kind: str, project_id: UUID | str | None) -> dict[str, str]:
    names: dict[str, str] = {}
    for project in readmodels().projects(viewpoint().position):
        if project_id is not None and str(project.id) != str(project_id):
            continue
        for item in getattr(project, kind):
            names.setdefault(item["code"], item["name"])
    return names


def _label(kind: str, code: str | None, project_id: UUID | str | None) -> Markup:
    if not code:
        return Markup("—")
    # Once per page and code: a list of 50 households asked it for every row, and rebuilt
    # the project's names each time (a fifth of the households list's CPU).
    memo = g.setdefault("place_labels", {})
    key = (kind, code, str(project_id) if project_id is not None else None)
    found = memo.get(key)
    if found is None:
        name = _names(kind, project_id).get(code)
        if not name or name == code:
            found = Markup(escape(code))
        else:
            found = Markup(f'<span title="{escape(code)}">{escape(name)}</span>')
        memo[key] = found
    return found


def quartier_label(code: str | None, project_id: UUID | str | None = None) -> Markup:
    """ "Moulins – Belfort" with ``LIL-MOU`` in its tooltip."""
    return _label("quartiers", code, project_id)


def operation_label(code: str | None, project_id: UUID | str | None = None) -> Markup:
    """The operation's name with its code in the tooltip."""
    return _label("operations", code, project_id)


def register_place_names(app: Flask) -> None:
    app.jinja_env.globals.update(quartier_label=quartier_label, operation_label=operation_label)
