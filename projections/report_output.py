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

from relogement.projections import queries as q
from relogement.projections.semester_report import COMPOSITIONS, DESTINATIONS
from relogement.projections.spreadsheet_safety import keep_text

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


def chart_png(report: dict) -> bytes:
    """Destinations (semester vs cumulated) as a PNG: Agg backend, fixed size, no date.

    PNG rather than inline SVG: WeasyPrint ignores the style attributes of inline
    SVG, and a PNG with fixed metadata is byte-stable across runs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(DESTINATIONS.values())
    sem = [report["semestre_relogements"]["destinations"][k]["nombre"] for k in DESTINATIONS]
    cum = [report["cumul_relogements"]["destinations"][k]["nombre"] for k in DESTINATIONS]
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
    env.filters.update(
        number_fr=number_fr, euros=euros, cents=cents, percent=percent, date_fr=date_fr, integer_fr=integer_fr
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
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    instant = report["genere_a"].astimezone(UTC).replace(tzinfo=None)
    wb.properties.creator = "Relogement inter-bailleurs"
    wb.properties.lastModifiedBy = "Relogement inter-bailleurs"
    wb.properties.title = f"{report['titre']} – {report['perimetre']} – {report['semestre'].label}"
    wb.properties.created = instant
    wb.properties.modified = instant
    bold = Font(bold=True)

    ws = wb.active
    ws.title = "Synthèse"
    ws.append([report["titre"]])
    ws["A1"].font = bold
    ws.append([report["perimetre"], report["semestre"].label])
    ws.append([state_line(report)])
    ws.append([])
    ws.append(["Population", "Nombre"])
    for label, k in (("Ménages inscrits", "inscrits"), ("À reloger", "a_reloger"),
                     ("Proposition en cours", "proposition_en_cours"), ("Relogés", "reloges"),
                     ("Sortis sans relogement", "sortis")):
        ws.append([label, report["population"][k]])
    ws.append([])
    ws.append(["Relogements", "Semestre", "Cumul"])
    s, c = report["semestre_relogements"], report["cumul_relogements"]
    ws.append(["Ménages relogés", s["nombre"], c["nombre"]])
    for k, label in DESTINATIONS.items():
        ws.append([label, s["destinations"][k]["nombre"], c["destinations"][k]["nombre"]])
    ws.append(["Même bailleur", s["meme_bailleur"]["nombre"], c["meme_bailleur"]["nombre"]])
    ws.append(["Inter-bailleur", s["inter_bailleur"]["nombre"], c["inter_bailleur"]["nombre"]])
    for comp in COMPOSITIONS:
        ws.append([comp, s["compositions"][comp], c["compositions"][comp]])
    for quart in ("1", "2", "3", "4", "non renseigné"):
        ws.append([f"Quartile {quart}", s["quartiles"][quart], c["quartiles"][quart]])
    ws.append(["Évolution moyenne du taux d'effort (points)", _num(s["taux_effort_moyen"]), _num(c["taux_effort_moyen"])])
    ws.append([f"Évolution moyenne du reste-à-vivre ({report['unite_rav']})", _num(s["rav_moyen"]), _num(c["rav_moyen"])])
    ws.append([])
    ws.append(["Refus", "Semestre", "Cumul"])
    ws.append(["Propositions refusées", report["refus"]["semestre"], report["refus"]["cumul"]])
    for motive in sorted(set(report["refus"]["cumul_motifs"])):
        ws.append([motive, report["refus"]["semestre_motifs"].get(motive, 0), report["refus"]["cumul_motifs"][motive]])
    ws.append([])
    quotas = report["quotas"]
    ws.append(["Quotas loi Égalité et Citoyenneté (attributions du semestre)"])
    ref = quotas["reference"]
    ws.append(["Seuil du 1er quartile (€/UC/an)", _num(ref["seuil_euros_uc_an"]) if ref else "non renseigné",
               ref["source"] if ref else ""])
    ws.append(["Attributions hors QPV", quotas["hors_qpv"]["attributions"]])
    ws.append(["dont 1er quartile", quotas["hors_qpv"]["premier_quartile"]])
    ws.append(["dont relogements ANRU", quotas["hors_qpv"]["relogements_anru"]])
    ws.append(["Attributions en QPV", quotas["qpv"]["attributions"]])
    ws.append(["dont quartiles 2 à 4", quotas["qpv"]["quartiles_2_a_4"]])

    rav_unit = report["unite_rav"]
    rel = wb.create_sheet("Relogements")
    _table_sheet(rel, report["relogements"], [
        ("reference", "Référence", None), ("operation", "Opération", None),
        ("bail_signe_le", "Bail signé le", DATE_FORMAT), ("enregistre_le", "Enregistré le", DATE_FORMAT),
        ("semestre", "Compté au semestre", None), ("destination", "Destination", None),
        ("commune", "Commune d'accueil", None), ("typologie_avant", "Typologie avant", None),
        ("typologie_apres", "Typologie après", None), ("personnes", "Personnes", None),
        ("quartile", "Quartile de revenu", None), ("inter_bailleur", "Inter-bailleur", None),
        ("bailleur_accueil", "Bailleur d'accueil", None),
        ("taux_effort_avant", "Taux d'effort avant (%)", "0.00"),
        ("taux_effort_apres", "Taux d'effort après (%)", "0.00"),
        ("rav_avant", f"Reste-à-vivre avant ({rav_unit})", "0.00"),
        ("rav_apres", f"Reste-à-vivre après ({rav_unit})", "0.00"),
    ])

    frag = wb.create_sheet("Ménages fragiles")
    fragile_rows = [
        {**row, "statut": q.HOUSEHOLD_STATUS_LABELS[row["status"]]} for row in report["fragiles"]["liste"]
    ]
    _table_sheet(frag, fragile_rows, [
        ("reference", "Référence", None), ("statut", "Statut", None),
        ("avant", f"Reste-à-vivre avant ({rav_unit})", "0.00"),
        ("propose", "Proposé", "0.00"), ("apres_bail", "Après le bail", "0.00"),
        ("suivi", "Au suivi", "0.00"),
        # Empty until a lease or a follow-up: no change yet is not a change of 0.
        ("evolution", "Évolution", "+0.00;-0.00;0.00"),
    ])

    open_ = wb.create_sheet("Dossiers ouverts")
    _table_sheet(open_, report["dossiers_ouverts"], [
        ("reference", "Référence", None), ("statut", "Statut", None), ("operation", "Opération", None),
        ("inscrit_le", "Inscrit le", DATE_FORMAT), ("propositions", "Propositions", None),
        ("refus", "Refus", None), ("derniere_offre_legale", "Dernière offre légale atteinte", None),
    ])

    if report.get("residences"):
        from relogement.projections.residence_sheets import xlsx_rows

        header, rows = xlsx_rows(report["residences"], report["noms_organisations"])
        sheet = wb.create_sheet("Résidences")
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append(row)

    buffer = io.BytesIO()
    keep_text(wb)  # a reference or a name typed as "=…" stays text
    wb.save(buffer)
    return pin_zip(buffer.getvalue(), report["genere_a"])


DATE_FORMAT = "DD/MM/YYYY"


def _table_sheet(ws: Any, rows: list[dict], columns: list[tuple[str, str, str | None]]) -> None:
    """A sheet of one row per item: French headers, dates and decimals formatted as in France."""
    from openpyxl.styles import Font

    ws.append([label for _, label, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_xlsx_value(row[key]) for key, _, _ in columns])
    for index, (_, label, number_format) in enumerate(columns, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = max(10, min(40, len(label) + 2))
        if number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    ws.freeze_panes = "A2"


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return _cell(value)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value
