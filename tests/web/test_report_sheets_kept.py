"""The report page's residence sheets, each rendered once while the report holds it
(web/report_sheets.py, issue 19: the running report's page after an event)."""

from __future__ import annotations

import dataclasses

from relogement.projections.residence_sheets import MovesSummary, Sheet
from relogement.web import report_sheets


def _sheet(name: str) -> Sheet:
    moves = MovesSummary("3", "2", [("1er", "2")], [("< 6 €", "1")], [("Personne seule", "2")], 3)
    return Sheet("r1", "RES-1", name, "org", "1 rue A", "Lille", "LS-FAU", True, 40, 2025, "OPS", "38", "40",
                 "B", "B", [], [{"label": "Sous 20 %", "before": "10 %", "after": "12 %"}], moves, moves, [], "", "")


def test_a_sheet_is_rendered_once_while_the_same_object_is_shown(tmp_path, monkeypatch):
    from relogement.runtime import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}", "SECRET_KEY": "t",
                      "RELOGEMENT_DATA_DIR": str(tmp_path)})
    rendered = []
    original = report_sheets.render_template
    monkeypatch.setattr(report_sheets, "render_template",
                        lambda *a, **k: rendered.append(k["s"].name) or original(*a, **k))
    try:
        with app.test_request_context("/rapport-semestriel"):
            first = _sheet("Les Tilleuls")
            html = report_sheets.report_sheet(first, "Vilogia")
            assert "Les Tilleuls (RES-1)" in html and "Vilogia · Lille" in html and "Sous 20 %" in html
            assert report_sheets.report_sheet(first, "Vilogia") is html  # kept
            assert rendered == ["Les Tilleuls"]
            # A new sheet (its rows changed), even an equal one, is rendered: its content is
            # what the report holds now.
            changed = dataclasses.replace(first, households_after="41")
            assert "41" in report_sheets.report_sheet(changed, "Vilogia")
            assert report_sheets.report_sheet(first, "LMH") != html  # another organisation's name
            assert rendered == ["Les Tilleuls"] * 3
    finally:
        app.extensions["relogement"].close()
