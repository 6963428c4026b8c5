"""The semester report's long tables on its web page, each row rendered once and kept.

The running semester's report is at a new position after every event, and its page's
body is rendered again. On the 6,000-household programme its open cases (about 1,100
rows) and fragile households (about 300) were most of that rendering left once the
residence sheets were kept (:mod:`relogement.web.report_sheets`), although an event
changes a row or two at most. So each row's HTML (macros of ``main/_report_rows.html``)
is kept by everything it shows: its values, whether the household is erased, the
operation's label and the application's root (the links).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from flask import Flask, get_template_attribute, request
from markupsafe import Markup

from relogement.web.cache import Cache
from relogement.web.place_names import operation_label

KEEP = 20_000  # rows kept (a few hundred bytes of HTML each), the least recently shown dropped first
_kept = Cache(KEEP)
_TEMPLATE = "main/_report_rows.html"


def _rendered(macro: str, items: Iterable[tuple[tuple, dict[str, Any]]]) -> Markup:
    render = None
    out: list[str] = []
    for key, arguments in items:
        html = _kept.peek(key)
        if html is None:
            if render is None:
                render = get_template_attribute(_TEMPLATE, macro)
            html = str(render(**arguments))
            _kept.put(key, html)
        out.append(html)
    return Markup("".join(out))


def open_case_rows(cases: Iterable[dict[str, Any]], erased: Collection[str], project_id: Any) -> Markup:
    """The rows of « Dossiers ouverts » (``open_case`` macro)."""
    def each() -> Iterable[tuple[tuple, dict[str, Any]]]:
        for dd in cases:
            label = operation_label(dd["operation"], project_id)  # Markup: its text is the key's
            key = ("dossier", dd["reference"], dd["reference"] in erased, dd["statut"], str(label),
                   dd["inscrit_le"], dd["propositions"], dd["refus"], bool(dd["derniere_offre_legale"]))
            yield key, {"dd": dd, "erased": key[2], "operation": label}
    return _rendered("open_case", each())


def fragile_rows(fragiles: Iterable[dict[str, Any]], erased: Collection[str]) -> Markup:
    """The rows of « Ménages fragiles » (``fragile`` macro): each links to the household's file."""
    root = request.script_root

    def each() -> Iterable[tuple[tuple, dict[str, Any]]]:
        for f in fragiles:
            key = ("fragile", root, f["household_id"], f["reference"], f["reference"] in erased, f["status_label"],
                   f["avant"], f["propose"], f["apres_bail"], f["suivi"], f["evolution"])
            yield key, {"f": f, "erased": key[4]}
    return _rendered("fragile", each())


def register_report_rows(app: Flask) -> None:
    app.jinja_env.globals.update(open_case_rows=open_case_rows, fragile_rows=fragile_rows)
