"""The semestrial report's and the ANRU export's workbooks read well (issue 23, point 15),
opened with openpyxl: columns fitted to their content, figures formatted by kind
(percentages, points, euros with two decimals), a frozen header and a filter on every
table, the PDF's labels ("Autre motif", not "Autre motif (préciser)") and no doubled
parentheses. On the hand-worked programme of tests/anru_scenario.py, both databases.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime

import anru_scenario
import pytest
from openpyxl import load_workbook

from relogement.projections import anru_export, build_runner
from relogement.projections import report_output as ro
from relogement.projections import semester_report as rs
from relogement.projections.spreadsheet_style import FORMATS
from relogement.simulation import sample

PERCENT, POINTS, EUROS = FORMATS["percent"], FORMATS["points"], FORMATS["euros"]


@pytest.fixture
def story(app, clock, tmp_path):
    w, h, refs = anru_scenario.build(app, clock)
    # G refuses a second offer for a reason of its own ("autre" needs a text).
    clock.now = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    offer = app.publish_offer(w.project_id, sample.dwelling(typology="T3"), w.actor("VCL"))
    refused = app.make_proposal(h["G"], offer, 15_000, w.actor("LMH"))
    app.refuse_proposal(refused, "autre", "Trop loin de l'école", w.actor("LMH"))
    runner = build_runner(app)
    runner.catch_up()
    yield w, runner, refs, anru_scenario.reference(tmp_path)
    runner.close()


def _texts(book) -> list[str]:
    return [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def _column(ws, header: str, row: int = 1) -> int:
    return next(c.column for c in ws[row] if c.value == header)


def _width(ws, column: int) -> float:
    return ws.column_dimensions[ws.cell(1, column).column_letter].width


def test_report_workbook(story):
    w, runner, refs, _ = story
    report = rs.build(runner.engine, w.project_id, 2026, 1)
    book = load_workbook(io.BytesIO(ro.render_xlsx(report)))
    summary = book["Synthèse"]
    labels = {row[0].value: row for row in summary.iter_rows() if row[0].value}

    # The PDF's labels; the motive "autre" as the PDF shows it.
    pdf = html.unescape(ro.render_html(report, for_pdf=True))
    for label in ("Inscrits au relogement", "À reloger (sans proposition en cours)", "Relogés",
                  "Relogés par leur bailleur", "Relogés par un autre bailleur", "Motif du refus",
                  "Autre motif", "Loyer / reste à charge", "Total des refus",
                  "Hors QPV : ménages du 1er quartile ou relogés ANRU"):
        assert label in labels, label
        assert label in pdf, label
    texts = _texts(book)
    assert not any("(préciser)" in t for t in texts)
    assert not any("((" in t or "))" in t for t in texts)
    assert "(valeur de démonstration, à remplacer par l'arrêté annuel)" in pdf
    seuil = next(t for t in texts if "par unité de consommation et par an" in t)
    assert seuil.endswith("(valeur de démonstration, à remplacer par l'arrêté annuel)")

    # S1 2026: leases of A, B, C, D, E, F (6); all but C (PDC → PDC) by another bailleur:
    # 5 / 6 = 83.33 %.
    inter = labels["Relogés par un autre bailleur"]
    assert [c.value for c in inter[1:3]] == [5, 83.33]
    assert inter[2].number_format == PERCENT
    assert labels["Taux d'effort : évolution moyenne (points)"][1].number_format == POINTS
    assert labels["Autre motif"][1].value == 1 and labels["Total des refus"][1].value == 2
    # Every summary table is an Excel table with its own filter.
    assert len(summary.tables) == 7  # population, relocations, profile, evolutions, fragile, refusals, quotas
    assert all(t.autoFilter is not None for t in summary.tables.values())

    relocations = book["Relogements"]
    rows = relocations.max_row - 1
    assert rows == 7  # every relocation so far (I in 2020 too), "Compté au semestre" oui / non
    assert relocations.freeze_panes == "B2"
    assert relocations.auto_filter.ref == f"A1:Q{rows + 1}"
    effort = _column(relocations, "Taux d'effort après (%)")
    assert relocations.cell(2, effort).number_format == PERCENT
    rav = _column(relocations, "Reste-à-vivre après (€/jour/personne)")
    assert relocations.cell(2, rav).number_format == EUROS
    longest = max(len(relocations.cell(r, 1).value) for r in range(2, rows + 2))
    assert _width(relocations, 1) >= longest + 2
    for ws in (relocations, book["Ménages fragiles"], book["Dossiers ouverts"]):
        assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
        assert all(cell.font.bold for cell in ws[1])
        for column in range(1, ws.max_column + 1):
            assert 8 <= _width(ws, column) <= 48


def test_report_workbook_per_consumption_unit_has_no_doubled_parentheses(story):
    w, runner, *_ = story
    report = rs.build(runner.engine, w.project_id, 2026, 1, convention="uc")
    book = load_workbook(io.BytesIO(ro.render_xlsx(report)))
    texts = _texts(book)
    assert "Reste-à-vivre après (€/jour/UC)" in texts
    assert not any("((" in t or "))" in t for t in texts)


def test_anru_workbook(story):
    w, runner, refs, ref = story
    data = anru_export.anru_data(runner.engine, w.project_id, reference=ref)
    book = load_workbook(io.BytesIO(anru_export.anru_export(runner.engine, w.project_id, data=data)))
    ws = book["Ménages"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{len(data['rows']) + 1}"
    a = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == refs["A"])
    expected = {
        "Avant – Taux d'effort (%)": PERCENT,  # 15 → "15,00 %"
        "Après – Taux d'effort (%)": PERCENT,  # 14.4444 → "14,44 %"
        "Évolution – Taux d'effort (points)": POINTS,  # −0.5556 → "-0,56 pt"
        "Avant – Loyer principal (€)": EUROS,
        "Après – Reste-à-vivre (€/jour/personne)": EUROS,
        "Évolution – Reste à charge (€)": FORMATS["euros_signed"],
        "Date de signature du bail": "DD/MM/YYYY",
    }
    assert {h: ws.cell(a, _column(ws, h)).number_format for h in expected} == expected
    assert ws.cell(a, _column(ws, "Après – Taux d'effort (%)")).value == 14.4444  # the figure itself is kept
    longest = max(len(ws.cell(r, 1).value) for r in range(2, ws.max_row + 1))
    assert _width(ws, 1) >= longest + 2
    for column in range(1, ws.max_column + 1):
        assert 8 <= _width(ws, column) <= 48
    summary = book["Synthèse"]
    assert len(summary.tables) == 1 and next(iter(summary.tables.values())).autoFilter is not None
    texts = _texts(book)
    assert not any("((" in t or "))" in t for t in texts)
