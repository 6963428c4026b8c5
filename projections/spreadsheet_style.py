"""How the platform's workbooks look: number formats, column widths, frozen headers,
filters. Shared by the semestrial report's XLSX and the ANRU export so both read alike.

Values stay plain numbers (a rate of 14.44 is the number 14.44, not 0.1444): the formats
only add the unit, so a cell can be summed or compared as it is. Excel shows the
thousands and decimal separators of the reader's locale (1 234,56 € in French).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# Excel number formats by kind of figure.
FORMATS: dict[str, str] = {
    "euros": '#,##0.00" €"',
    "euros_signed": '+#,##0.00" €";-#,##0.00" €";0.00" €"',
    "percent": '0.00" %"',  # the value is already in percent (14.44 → "14,44 %")
    "points": '+0.00" pt";-0.00" pt";0.00" pt"',
    "dec2": "0.00",
    "int": "0",
    "count": "#,##0",
    "date": "DD/MM/YYYY",
}
HEADER_FILL = "DDE3EE"
MIN_WIDTH, MAX_WIDTH = 8, 48


def display_length(value: Any, number_format: str | None = None) -> int:
    """About how many characters a cell shows (for the column's width)."""
    if value is None:
        return 0
    if isinstance(value, (date, datetime)):
        return 10
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = len(f"{abs(value):,.2f}") + 1
        return digits + (3 if number_format and ('"' in number_format) else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def fit_columns(ws: Any, header_row: int | None = None, first_row: int = 1, widths: dict[int, int] | None = None) -> None:
    """Each column as wide as its longest value (within bounds); a header wraps, so it
    counts by its longest word. ``widths`` forces some columns (1-based index → width)."""
    from openpyxl.utils import get_column_letter

    longest: dict[int, int] = {}
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None:
                continue
            if header_row is not None and cell.row == header_row:
                length = max((len(word) for word in str(cell.value).split()), default=0)
            else:
                length = display_length(cell.value, cell.number_format)
            longest[cell.column] = max(longest.get(cell.column, 0), length)
    for column, length in longest.items():
        width = max(MIN_WIDTH, min(MAX_WIDTH, length + 2))
        ws.column_dimensions[get_column_letter(column)].width = width
    for column, width in (widths or {}).items():
        ws.column_dimensions[get_column_letter(column)].width = width


def style_header(ws: Any, row: int, first_col: int, last_col: int, fills: list[str] | None = None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for index, column in enumerate(range(first_col, last_col + 1)):
        cell = ws.cell(row, column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=(fills[index] if fills else HEADER_FILL))
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def data_sheet(ws: Any, columns: int, rows: int, header_row: int = 1) -> None:
    """A sheet holding one table from ``header_row``: the header stays in view (frozen,
    with the first column) and carries a filter over every row."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = ws.cell(header_row + 1, 2).coordinate
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{header_row + max(rows, 1)}"


def summary_table(ws: Any, name: str, header_row: int, columns: int, last_row: int) -> None:
    """One of the summary sheet's tables as an Excel table: its own filter buttons and
    banded rows (a sheet has one plain filter; several tables each keep theirs)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    table = Table(displayName=name, ref=f"A{header_row}:{get_column_letter(columns)}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
