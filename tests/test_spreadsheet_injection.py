"""No text typed by a user comes out of a spreadsheet export as a formula (CSV / formula
injection, OWASP): the semestrial report's XLSX, the ANRU XLSX and CSV, the import
templates. The payloads go where users type text that reaches the exports: household
and offer references, the communes of the former and the new dwelling, the new
dwelling's quartier. Text stays text (XLSX: string cells, never ``<f>``; CSV: a leading
``'``), numbers stay numbers (negative ones included). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import anru_scenario
import pytest
from openpyxl import load_workbook

from relogement.platform.values import PersonalData
from relogement.projections import anru_export, build_runner
from relogement.projections import report_output as ro
from relogement.projections import semester_report as rs
from relogement.simulation import sample
from relogement.web.importer import template_csv, template_xlsx

PAYLOADS = ('=HYPERLINK("http://evil.example/?r","ref")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
# Tab and CR cannot be typed into these fields (values.check_text refuses control
# characters at every entry: tests/test_control_characters.py); the helpers still
# neutralise them (test_the_helpers_on_every_payload) for stores written before that rule.
TYPED = tuple(p for p in PAYLOADS if p.isprintable())
NUMBER = re.compile(r"-?\d+(,\d+)?")


@pytest.fixture
def story(app, clock, tmp_path):
    """The ANRU hand-worked programme, plus one household per payload (its reference and
    its current commune), the first relocated in 2026 into an offer whose reference,
    commune and quartier are payloads."""
    w, _, _ = anru_scenario.build(app, clock)
    base = sample.situation()
    households = []
    for index, payload in enumerate(TYPED):
        situation = replace(base, dwelling=replace(base.dwelling, commune=payload))
        households.append(app.register_household(
            w.project_id, "DEM-FAU-1", w.orgs["LMH"], situation, PersonalData(name="Famille Piège"),
            w.actor("LMH"), reference=payload if payload.strip() == payload else f"{payload}{index}",
        ))
    offer = app.publish_offer(
        w.project_id, sample.dwelling(commune="-2+3", quartier="+1+1"), w.actor("VCL"), reference="@SUM(A1)",
    )
    proposal = app.make_proposal(households[0], offer, 20_000, w.actor("LMH"))
    clock.advance(hours=49)
    signed = clock.now.date()
    app.accept_proposal(proposal, signed, w.actor("LMH"))
    app.decide_caleol(proposal, "attribution", signed, "", w.actor("VCL"))
    app.sign_lease(proposal, 48_000, 10_000, 20_000, signed, signed + timedelta(days=10), w.actor("VCL"))
    clock.now = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)
    runner = build_runner(app)
    runner.catch_up()
    yield w, runner, anru_scenario.reference(tmp_path)
    runner.close()


def _stored(payload: str) -> set[str]:
    """How a payload may read back: as typed, or as the domain normalised it (stripped
    references), and with XML's CR → LF."""
    return {payload, payload.strip(), payload.replace("\r", "\n")}


def _check_xlsx(content: bytes) -> list:
    """No formula in any sheet (raw XML and reloaded); returns every cell."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    cells = [cell for sheet in load_workbook(io.BytesIO(content)).worksheets
             for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return cells


def _texts(cells) -> set[str]:
    return {c.value for c in cells if isinstance(c.value, str)}


def test_the_semestrial_report_xlsx_keeps_payloads_as_text(story):
    w, runner, _ = story
    report = rs.build(runner.engine, w.project_id, 2026, 1)
    cells = _check_xlsx(ro.render_xlsx(report))
    texts = _texts(cells)
    # "Dossiers ouverts" (open cases, by reference) and "Relogements" (commune d'accueil).
    for payload in ('=HYPERLINK("http://evil.example/?r","ref")', "+1+1", "-2+3", "@SUM(A1)"):
        assert _stored(payload) & texts, payload
    assert any(c.data_type == "n" and isinstance(c.value, float) for c in cells)  # numbers stay numbers


def test_the_anru_xlsx_keeps_payloads_as_text(story):
    w, runner, ref = story
    data = anru_export.anru_data(runner.engine, w.project_id, reference=ref)
    cells = _check_xlsx(anru_export.anru_export(runner.engine, w.project_id, data=data))
    texts = _texts(cells)
    for payload in TYPED:
        assert _stored(payload) & texts, payload
    # Numbers stay numbers: a negative evolution is a number cell.
    assert any(c.data_type == "n" and isinstance(c.value, (int, float)) and c.value < 0 for c in cells)


def test_the_anru_csv_quotes_payloads_and_keeps_numbers(story):
    w, runner, ref = story
    data = anru_export.anru_data(runner.engine, w.project_id, reference=ref)
    content = anru_export.anru_csv(runner.engine, w.project_id, data=data).decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(content, newline=""), delimiter=";") for f in row]
    for field in fields:
        if NUMBER.fullmatch(field):
            continue  # a number, negative ones included, is written as a number
        assert field.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r"), repr(field)
    for payload in TYPED:
        assert {"'" + p for p in _stored(payload)} & set(fields), payload
    assert any(NUMBER.fullmatch(f) and f.startswith("-") for f in fields)


def test_the_import_templates_hold_no_formula():
    for kind in ("menages", "offres"):
        _check_xlsx(template_xlsx(kind))
        # Every cell of the header and the example row ("" is in every string: skip empty cells).
        cells = template_csv(kind).decode("utf-8-sig").replace("\r\n", ";").replace("\n", ";").split(";")
        assert not [f for f in cells if f[:1] and f[:1] in "=+-@"]


def test_the_helpers_on_every_payload():
    from openpyxl import Workbook

    from relogement.projections.spreadsheet_safety import csv_text, keep_text

    for payload in (*PAYLOADS, " =1", "\u00a0+1"):
        assert csv_text(payload) == "'" + payload
    for value in ("Lille", "T3", "", -3, 2.5, None, date(2026, 1, 1)):
        assert csv_text(value) == value
    book = Workbook()
    book.active.append([*PAYLOADS, -5, -2.5, "Lille"])
    out = io.BytesIO()
    keep_text(book).save(out)
    cells = _check_xlsx(out.getvalue())
    assert [c.data_type for c in cells] == ["s"] * len(PAYLOADS) + ["n", "n", "s"]
    assert cells[0].value == PAYLOADS[0] and cells[6].value == -5
