"""An import file cannot cost the server more than a real import: a zip bomb, a sheet
of 2 million rows, a row of 300,000 cells, a workbook without a sheet, a CSV field past
the csv module's limit are all refused with a 422 and a French message, quickly and in
little memory (the issue's bound: under 2 s and under 100 MB), on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import io
import time
import tracemalloc

import pytest

from tests.web.odd_files import huge_field_csv, wide_row, xlsx, zip_bomb

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    content = zip_bomb()
    assert len(content) < 1 * MB  # like the probe's 595 KB file, and under the 5 MB upload limit
    return content


def _post(client, name: str, content: bytes, kind: str = "menages"):
    return client.post(f"/import/{kind}", {"fichier": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _cost(client, name: str, content: bytes):
    """The answer, the seconds it took, and the peak of memory allocated meanwhile (MB):
    timed and measured in two requests (tracing allocations slows the code down)."""
    start = time.perf_counter()
    answer = _post(client, name, content)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        again = _post(client, name, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert again.status_code == answer.status_code
    return answer, seconds, (peak - before) / MB


def _events(world) -> int:
    return world.app.extensions["relogement"].recorder.max_notification_id()


def test_a_zip_bomb_is_refused_from_its_declared_size(world, client_for, bomb):
    client = client_for("vcl.charge")
    before = _events(world)
    answer, seconds, peak = _cost(client, "menages.xlsx", bomb)
    assert answer.status_code == 422
    assert "une fois décompressé, il dépasserait 20 Mo" in html.unescape(answer.text)
    assert seconds < 2, seconds
    assert peak < 100, peak
    assert _events(world) == before


def test_rows_are_read_up_to_the_first_one_past_the_cap(world, client_for, bomb, monkeypatch):
    """Without the size checks, the same bomb is still stopped: the sheet is streamed and
    reading ends at row 2,001."""
    from relogement.web import import_files

    monkeypatch.setattr(import_files, "MAX_XLSX_UNCOMPRESSED", 10**12)
    monkeypatch.setattr(import_files, "MAX_RATIO", 10**9)
    answer, seconds, peak = _cost(client_for("vcl.charge"), "menages.xlsx", bomb)
    assert answer.status_code == 422
    assert "Le fichier contient plus de 2\u00a0000 lignes : au plus 2\u00a0000 par import" in html.unescape(answer.text)
    assert seconds < 2, seconds
    assert peak < 100, peak


def test_a_row_too_wide_is_refused_before_it_is_parsed(world, client_for):
    content = wide_row()
    answer, seconds, peak = _cost(client_for("vcl.charge"), "menages.xlsx", content)
    assert answer.status_code == 422
    assert "une ligne a plus de 100 cellules" in html.unescape(answer.text)
    assert seconds < 2, seconds
    assert peak < 100, peak


def test_an_overcompressed_entry_is_refused(world, client_for):
    """Under the size limit but inflating 1,000 times: a bomb's shape, not a table's."""
    filler = b"<!--" + b" " * (5 * MB) + b"-->"
    content = xlsx([b'<?xml version="1.0"?>', filler, b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData/></worksheet>'])
    answer = _post(client_for("vcl.charge"), "menages.xlsx", content)
    assert answer.status_code == 422
    assert "anormalement compressé" in html.unescape(answer.text)


def test_a_workbook_without_a_sheet_is_a_422(world, client_for):
    answer = _post(client_for("vcl.charge"), "menages.xlsx", xlsx([], no_sheet=True))
    assert answer.status_code == 422
    assert "Le classeur XLSX ne contient aucune feuille." in html.unescape(answer.text)


def test_a_csv_field_past_the_csv_limit_is_a_422(world, client_for):
    answer = _post(client_for("lmh.charge"), "offres.csv", huge_field_csv(), kind="offres")
    assert answer.status_code == 422
    assert "Ligne 2 : une cellule dépasse 131\u00a0072 caractères" in html.unescape(answer.text)
