"""Odd files for the import endpoints: XLSX built part by part (zip bombs, no sheet, a DTD,
very wide rows) and CSV the csv module chokes on. Shared by the import tests and the
form fuzz test."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable

MAIN = b'<?xml version="1.0" encoding="UTF-8"?>\n'
SHEET_OPEN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_CLOSE = b"</sheetData></worksheet>"


def inline_row(*texts: str) -> bytes:
    cells = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % t.encode() for t in texts)
    return b"<row>" + cells + b"</row>"


def xlsx(sheet: Iterable[bytes], *, no_sheet: bool = False) -> bytes:
    """A valid workbook (openpyxl's own parts) whose first sheet's XML is streamed from
    ``sheet`` into the zip at the highest compression; ``no_sheet``: the workbook lists
    none."""
    from openpyxl import Workbook

    base = io.BytesIO()
    Workbook().save(base)
    source = zipfile.ZipFile(base)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml" and no_sheet:
                start, end = content.index(b"<sheets>"), content.index(b"</sheets>") + len(b"</sheets>")
                content = content[:start] + b"<sheets/>" + content[end:]
            if info.filename != "xl/worksheets/sheet1.xml" or no_sheet:
                target.writestr(info.filename, content)
                continue
            with target.open(info.filename, "w", force_zip64=True) as stream:
                for chunk in sheet:
                    stream.write(chunk)
    return out.getvalue()


def zip_bomb(rows: int = 2_000_000) -> bytes:
    """About 700 KB that inflate to a 200 MB sheet of ``rows`` household rows (the probe's
    file: 595 KB, 2 million rows, 172 MB of XML). Built in about a second."""
    row = inline_row("VCL-0001", "DEM-MOU-1")
    block = row * 10_000

    def sheet() -> Iterable[bytes]:
        yield MAIN + SHEET_OPEN + inline_row("reference", "operation")
        for _ in range(rows // 10_000):
            yield block
        yield SHEET_CLOSE

    return xlsx(sheet())


def wide_row(cells: int = 300_000) -> bytes:
    """One row of ``cells`` numbers (random, so it compresses like real data: it passes
    the size and ratio checks and only the width check stops it)."""
    rng = random.Random(1)
    values = b"".join(b"<c><v>%d</v></c>" % rng.randrange(10**9) for _ in range(cells))
    return xlsx([MAIN + SHEET_OPEN + b"<row>" + values + b"</row>" + SHEET_CLOSE])


def with_entities() -> bytes:
    """A sheet declaring entities (the "billion laughs" shape, kept small)."""
    dtd = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return xlsx([MAIN + dtd + SHEET_OPEN + inline_row("reference") + b"<row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row>" + SHEET_CLOSE])


def huge_field_csv(chars: int = 131_073) -> bytes:
    """A CSV whose second line has one field longer than the csv module's limit."""
    return b"reference;operation\n" + b'"' + b"x" * chars + b'";DEM-MOU-1\n'


def odd_files() -> list[tuple[str, bytes]]:
    """(file name, content): none of them may give a 500."""
    book = xlsx([MAIN + SHEET_OPEN + inline_row("reference", "operation") + SHEET_CLOSE])
    return [
        ("vide.csv", b""),
        ("vide.xlsx", b""),
        ("bom.csv", b"\xef\xbb\xbf"),
        ("blancs.csv", b" \r\n\r\n;;\r\n"),
        ("binaire.csv", bytes(range(256)) * 8),
        ("binaire.xlsx", bytes(range(256)) * 8),
        ("nul.csv", b"reference;operation\n\x00\x00;\x00\n"),
        ("utf16.csv", "reference\toperation\r\nVCL-1\tDEM-MOU-1\r\n".encode("utf-16")),
        ("utf16-tronque.csv", "reference".encode("utf-16")[:-1]),
        ("guillemets.csv", b'reference;operation\n"VCL-1;DEM\n'),
        ("champ-enorme.csv", huge_field_csv()),
        ("entete-seul.csv", b"reference;operation\n"),
        ("entete-seul.xlsx", book),
        ("zip.xlsx", _plain_zip()),
        ("tronque.xlsx", book[: len(book) // 2]),
        ("sans-feuille.xlsx", xlsx([], no_sheet=True)),
        ("entites.xlsx", with_entities()),
        ("csv-deguise.xlsx", b"reference;operation\nVCL-1;DEM-MOU-1\n"),
        ("xlsx-deguise.csv", book),
        ("sans-extension", b"reference;operation\n"),
    ]


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("lisez-moi.txt", "pas un classeur")
    return out.getvalue()
