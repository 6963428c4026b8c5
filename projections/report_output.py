"""The semestrial report's outputs: French formatting, the chart, HTML, PDF and XLSX.

Reproducible files: the PDF's metadata dates and the XLSX document properties are
pinned to the report's instant, the chart is a PNG with fixed metadata, and the XLSX
zip entries carry a fixed date (:func:`pin_zip`, also used by the ANRU export): two
generations of the same report give identical bytes. User text in a spreadsheet stays
text (:mod:`relogement.projections.spreadsheet_safety`).

Entry points: :func:`render_html`, :func:`render_pdf`, :func:`render_xlsx` of a report
built by :func:`relogement.projections.semester_report.build`.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from relogement.projections.semester_report import DESTINATIONS

PARIS = ZoneInfo("Europe/Paris")
TEMPLATES = Path(__file__).parent / "templates"


# -- French formatting ------------------------------------------------------------------

NBSP = "\u00a0"


def number_fr(value: Any, decimals: int = 2) -> str:
    """1234.5 → "1 234,50" (no-break space between thousands)."""
    if value is None:
        return "–"
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = NBSP.join(groups)
    return f"{sign}{text},{frac}" if decimals else f"{sign}{text}"


def euros(value: Any, decimals: int = 2) -> str:
    """Decimal euros → "1 234,56 €"."""
    return "–" if value is None else f"{number_fr(value, decimals)}{NBSP}€"


def cents(value: int | None) -> str:
    return "–" if value is None else euros(Decimal(value) / 100)


def percent(value: Any, decimals: int = 2) -> str:
    # Two places: the rates are computed rounded to two (``dashboard.rate``); showing one
    # would round twice (3/17 = 17.647 → 17.65 → "17,7 %" instead of 17,6 %).
    return "–" if value is None else f"{number_fr(value, decimals)}{NBSP}%"


def date_fr(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(PARIS)
        return value.strftime("%d/%m/%Y à %H:%M")
    return value.strftime("%d/%m/%Y")


def integer_fr(value: int | None) -> str:
    return "–" if value is None else number_fr(value, 0)


def state_line(report: dict) -> str:
    return f"état au {date_fr(report['etat_au'])}, événement n°{NBSP}{integer_fr(report['position'])}"


# -- chart ------------------------------------------------------------------------------


def chart_series(report: dict) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """All the chart shows: the relocations per destination, in the semester and in all
    (a page may keep the image by them: most events leave them as they were)."""
    return (
        tuple(report["semestre_relogements"]["destinations"][k]["nombre"] for k in DESTINATIONS),
        tuple(report["cumul_relogements"]["destinations"][k]["nombre"] for k in DESTINATIONS),
    )


def chart_png(report: dict) -> bytes:
    """Destinations (semester vs cumulated) as a PNG: Agg backend, fixed size, no date.

    PNG rather than inline SVG: WeasyPrint ignores the style attributes of inline
    SVG, and a PNG with fixed metadata is byte-stable across runs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(DESTINATIONS.values())
    sem, cum = chart_series(report)
    with plt.rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(6, 2.8), dpi=120)
        xs = range(len(labels))
        ax.bar([x - 0.2 for x in xs], sem, width=0.4, label="Semestre", color="#1f5fa8")
        ax.bar([x + 0.2 for x in xs], cum, width=0.4, label="Cumul", color="#9bb8d9")
        ax.set_xticks(list(xs), labels)
        ax.set_ylabel("Ménages relogés")
        ax.set_title("Destinations des ménages relogés")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend()
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        plt.close(fig)
    return buffer.getvalue()


def chart_data_uri(report: dict) -> str:
    return "data:image/png;base64," + base64.b64encode(chart_png(report)).decode("ascii")


# -- outputs ----------------------------------------------------------------------------


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    from relogement.projections.report_workbook import source_text

    env.filters.update(
        number_fr=number_fr, euros=euros, cents=cents, percent=percent, date_fr=date_fr, integer_fr=integer_fr,
        source_text=source_text,
    )
    return env


def render_html(report: dict, *, for_pdf: bool = False) -> str:
    template = _environment().get_template("rapport_semestriel.html")
    return template.render(
        r=report, etat=state_line(report), chart=chart_data_uri(report), for_pdf=for_pdf,
        iso_instant=report["genere_a"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def render_pdf(report: dict) -> bytes:
    from weasyprint import HTML

    # Metadata dates come from <meta name="dcterms.created/modified"> (the report's instant).
    return HTML(string=render_html(report, for_pdf=True), base_url=str(TEMPLATES)).write_pdf(
        full_fonts=not _reproducible_font_subsets()
    )


def _reproducible_font_subsets() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (libharfbuzz-subset0).

    Without it WeasyPrint falls back to fontTools, whose subsets differ from one run to
    the next: the same report would not give the same bytes. Whole fonts are then
    embedded (a larger file, the same bytes every time).
    """
    from weasyprint.pdf import fonts

    return getattr(fonts, "harfbuzz_subset", None) is not None


def pin_zip(data: bytes, instant: datetime) -> bytes:
    """Rewrite the XLSX zip with fixed entry dates and pinned core-property dates."""
    stamp = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            pinned = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, content)
    return out.getvalue()


def render_xlsx(report: dict) -> bytes:
    """The report as a workbook for the bailleurs (:mod:`relogement.projections.report_workbook`)."""
    from relogement.projections import report_workbook

    return report_workbook.render(report, state_line(report), pin_zip)
