"""The semester report's residence sheets on its web page, each rendered once and kept.

The running semester's report is at a new position after every event, and its page's body
is rendered again. Its residence sheets were half of that rendering (≈ 50 ms of ≈ 100 on the
6,000-household programme), although an event changes one residence's sheet at most: the
report's held rows (:class:`relogement.projections.report_state.ReportRows`) give the same
:class:`~relogement.projections.residence_sheets.Sheet` object while its rows are unchanged.
So a sheet's HTML is kept by that object's identity (the object is kept with it, so its id
cannot be reused meanwhile) and the organisation's name shown with it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from markupsafe import Markup

from relogement.web.cache import Cache

KEEP = 4_096  # sheets kept (a few kB of HTML each), the least recently shown dropped first
_kept = Cache(KEEP)  # (id of the sheet, organisation) → (the sheet, its HTML)


def report_sheet(sheet: Any, organisation: str) -> Markup:
    """The sheet's section (``residences/_report_sheet.html``), rendered once per sheet."""
    key = (id(sheet), organisation)
    hit = _kept.peek(key)
    if hit is not None and hit[0] is sheet:
        return hit[1]
    html = Markup(render_template("residences/_report_sheet.html", s=sheet, organisation=organisation))
    _kept.put(key, (sheet, html))
    return html


def register_report_sheets(app: Flask) -> None:
    app.jinja_env.globals.update(report_sheet=report_sheet)
