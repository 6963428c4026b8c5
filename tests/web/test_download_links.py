"""Every link or form of a template that leads to a file (a route answering an attachment:
PDF, XLSX, CSV, JSONL, zip) is kept out of htmx's boost, and a link says ``download``:
otherwise htmx swaps the file into the page (issue 23, point 1: the auditor's JSONL
replaced the page). The browser test (test_downloads_browser.py) clicks each of them.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
# The routes that answer a file (their Content-Disposition is "attachment").
FILE_ENDPOINTS = (
    "admin.audit_export",
    "projects.open_data",
    "projects.anru_file",
    "imports.template",
    "main.semestrial_report_file",
    "proposals.letter",  # DOCX and PDF
)
TAG = re.compile(r"<(a|form|button)\b[^>]*>", re.S)


def _tags() -> list[tuple[str, str, str]]:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for match in TAG.finditer(path.read_text(encoding="utf-8")):
            tag = match.group(0)
            if any(f"url_for('{e}'" in tag or f'url_for("{e}"' in tag for e in FILE_ENDPOINTS):
                found.append((path.relative_to(TEMPLATES).as_posix(), match.group(1), tag))
    return found


def test_file_links_and_forms_are_not_boosted():
    tags = _tags()
    # Each file route is reached from a page.
    assert {e for e in FILE_ENDPOINTS if any(e in t for *_, t in tags)} == set(FILE_ENDPOINTS)
    for name, kind, tag in tags:
        if kind == "a":
            assert 'hx-boost="false"' in tag and re.search(r"\sdownload[\s>]", tag), (name, tag)
        elif kind == "form":
            assert 'hx-boost="false"' in tag, (name, tag)
        else:  # a submit button naming its form: htmx boosts it unless told not to
            text = (TEMPLATES / name).read_text(encoding="utf-8")
            before = text[: text.index(tag)]
            assert 'hx-boost="false"' in before[before.rindex("<div"):], (name, tag)

