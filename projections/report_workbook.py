"""The semestrial report as an XLSX workbook, for the bailleurs: the PDF's figures under
the PDF's labels, then one sheet per list (relocations, fragile households, open files).

Every table has a frozen header and a filter (the summary's tables are Excel tables, each
with its own filter buttons), its columns fitted to their content, and its figures
formatted by kind: counts, percentages, points, euros with two decimals, dd/mm/yyyy dates.
Reproducible bytes: the document properties and zip entries are pinned to the report's
instant (:func:`relogement.projections.report_output.pin_zip`).
"""

from __future__ import annotations

import io
import re
from datetime import UTC
from decimal import Decimal
from typing import Any

from relogement.projections import queries as q
from relogement.projections import spreadsheet_style as style
from relogement.projections.semester_report import COMPOSITIONS
from relogement.projections.spreadsheet_safety import keep_text

Cell = tuple[Any, str | None]  # a value and its kind (spreadsheet_style.FORMATS), None: text
# The reste-à-vivre's unit inside a header's parentheses (the long label has its own).
UNITS = {"personne": "€/jour/personne", "uc": "€/jour/UC"}


def plain_label(label: str) -> str:
    """A refusal motive as the PDF shows it: "Autre motif", not "Autre motif (préciser)"."""
    return label.replace(" (préciser)", "")


def source_text(source: str) -> str:
    """A reference value's source, to be put in parentheses by the caller: its own
    parentheses become a comma, so that none is doubled ("valeur de démonstration, à
    remplacer par l'arrêté annuel")."""
    return re.sub(r"\s*\(([^()]*)\)", r", \1", source).strip()


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


class _Summary:
    """The summary sheet, written table after table."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.count = 0

    def line(self, *values: Any, bold: bool = False, size: int | None = None) -> None:
        from openpyxl.styles import Font

        self.ws.append(list(values))
        if bold or size:
            self.ws.cell(self.ws.max_row, 1).font = Font(bold=True, size=size)

    def table(self, headers: list[str], rows: list[tuple[str, list[Cell]]]) -> None:
        ws = self.ws
        ws.append(headers)
        top = ws.max_row
        style.style_header(ws, top, 1, len(headers))
        for label, cells in rows:
            ws.append([label, *(_number(value) for value, _ in cells)])
            for column, (_, kind) in enumerate(cells, start=2):
                if kind:
                    ws.cell(ws.max_row, column).number_format = style.FORMATS[kind]
        self.count += 1
        style.summary_table(ws, f"Tableau{self.count}", top, len(headers), ws.max_row)
        ws.append([])


def _counts(s: dict, c: dict, key: str) -> list[Cell]:
    return [(s[key], "count"), (c[key], "count")]


def _quartile_label(k: str) -> str:
    return "Non renseigné" if k == "non renseigné" else ("1er quartile" if k == "1" else f"{k}e quartile")


def write_summary(wb: Any, report: dict, state_line: str) -> None:
    r = report
    ws = wb.active
    ws.title = "Synthèse"
    out = _Summary(ws)
    out.line(r["titre"], size=14)
    out.line(f"{r['projet']} – {r['perimetre'] if r['quartier'] else 'Ensemble du projet'}", r["semestre"].label)
    out.line(state_line)  # "état au …, événement n° …"
    out.line()
    p = r["population"]
    out.table(["Population du périmètre", "Nombre"], [
        ("Inscrits au relogement", [(p["inscrits"], "count")]),
        ("À reloger (sans proposition en cours)", [(p["a_reloger"], "count")]),
        ("Avec une proposition en cours", [(p["proposition_en_cours"], "count")]),
        ("Relogés", [(p["reloges"], "count")]),
        ("Sortis sans relogement (évaporation)", [(p["sortis"], "count")]),
    ])
    s, c = r["semestre_relogements"], r["cumul_relogements"]

    def shares(a: dict, b: dict) -> list[Cell]:
        return [(a["nombre"], "count"), (a["taux"], "percent"), (b["nombre"], "count"), (b["taux"], "percent")]

    rows = [("Ménages relogés", [(s["nombre"], "count"), (100 if s["nombre"] else None, "percent"),
                                 (c["nombre"], "count"), (100 if c["nombre"] else None, "percent")])]
    rows += [(d["libelle"], shares(d, c["destinations"][k])) for k, d in s["destinations"].items()]
    rows += [("Relogés par leur bailleur", shares(s["meme_bailleur"], c["meme_bailleur"])),
             ("Relogés par un autre bailleur", shares(s["inter_bailleur"], c["inter_bailleur"]))]
    out.table(["Ménages relogés", "Semestre", "Part (semestre)", f"Cumul au {_day(r['etat_au'])}", "Part (cumul)"], rows)
    profile = [(f"Typologie d'accueil : {t}", [(s["typologies"].get(t, 0), "count"), (n, "count")])
               for t, n in c["typologies"].items()]
    profile += [(f"Composition : {k}", [(s["compositions"][k], "count"), (c["compositions"][k], "count")])
                for k in COMPOSITIONS]
    profile += [(f"Revenus : {_quartile_label(k)}", [(s["quartiles"][k], "count"), (n, "count")])
                for k, n in c["quartiles"].items()]
    out.table(["Profil des ménages relogés", "Semestre", "Cumul"], profile)
    unit = UNITS.get(r["convention"], "€/jour")
    out.table(["Évolution après relogement (après − avant)", "Semestre", "Cumul"], [
        ("Taux d'effort : évolution moyenne (points)", [(s["taux_effort_moyen"], "points"), (c["taux_effort_moyen"], "points")]),
        ("Taux d'effort : ménages en hausse", _counts(s, c, "taux_effort_hausse")),
        ("Taux d'effort : ménages en baisse", _counts(s, c, "taux_effort_baisse")),
        (f"Reste-à-vivre : évolution moyenne ({unit})", [(s["rav_moyen"], "euros_signed"), (c["rav_moyen"], "euros_signed")]),
        ("Reste-à-vivre : ménages en hausse", _counts(s, c, "rav_hausse")),
        ("Reste-à-vivre : ménages en baisse", _counts(s, c, "rav_baisse")),
    ])
    f = r["fragiles"]
    out.table([f"Ménages fragiles (reste-à-vivre sous {_euros_text(f['seuil'])} par jour)", "Nombre"], [
        ("Sous le seuil avant relogement", [(f["avant"], "count")]),
        (f"Sous le seuil au {_day(r['etat_au'])}", [(f["maintenant"], "count")]),
    ])
    motives = sorted(r["refus"]["cumul_motifs"].items(), key=lambda kv: (kv[0].startswith("Autre"), -kv[1], kv[0]))
    refusals = [(plain_label(m), [(r["refus"]["semestre_motifs"].get(m, 0), "count"), (n, "count")]) for m, n in motives]
    refusals.append(("Total des refus", [(r["refus"]["semestre"], "count"), (r["refus"]["cumul"], "count")]))
    out.table(["Motif du refus", "Semestre", "Cumul"], refusals)
    qu = r["quotas"]
    ref = qu["reference"]
    out.line(f"Seuil du premier quartile ({qu['epci_code']}, {r['semestre'].year})",
             _number(ref["seuil_euros_uc_an"]) if ref else "non renseigné",
             f"€ par unité de consommation et par an ({source_text(ref['source'])})" if ref else "")
    if ref:
        ws.cell(ws.max_row, 2).number_format = style.FORMATS["count"]
    h, d = qu["hors_qpv"], qu["qpv"]
    out.table(["Attributions du semestre", "Attributions", "Dont", "Part", "Objectif", "Atteint"], [
        ("Hors QPV : ménages du 1er quartile ou relogés ANRU",
         [(h["attributions"], "count"), (h["relogements_anru"], "count"), (h["taux_q1_ou_anru"], "percent"),
          (h["objectif"], "percent"), (_reached(h["taux_q1_ou_anru"], h["objectif"]), None)]),
        ("Pour information : ménages du 1er quartile",
         [(h["attributions"], "count"), (h["premier_quartile"], "count"), (h["taux_premier_quartile"], "percent"),
          (None, None), (None, None)]),
        ("En QPV : ménages des quartiles 2 à 4",
         [(d["attributions"], "count"), (d["quartiles_2_a_4"], "count"), (d["taux_quartiles_2_a_4"], "percent"),
          (d["objectif"], "percent"), (_reached(d["taux_quartiles_2_a_4"], d["objectif"]), None)]),
    ])
    style.fit_columns(ws, first_row=5, widths={1: 58})


def _reached(rate: Any, goal: Any) -> str | None:
    return None if rate is None else ("Oui" if rate >= goal else "Non")


def _day(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else "–"


def _euros_text(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}".replace(".", ",") + "\u00a0€"


def _list_sheet(wb: Any, title: str, rows: list[dict], columns: list[tuple[str, str, str | None]]) -> None:
    """A sheet of one row per item: French headers, figures formatted by kind."""
    ws = wb.create_sheet(title)
    ws.append([label for _, label, _ in columns])
    style.style_header(ws, 1, 1, len(columns))
    for line, row in enumerate(rows, start=2):
        ws.append([_list_value(row[key]) for key, _, _ in columns])
        for index, (key, _, kind) in enumerate(columns, start=1):
            if kind and row[key] is not None:
                ws.cell(line, index).number_format = style.FORMATS.get(kind, kind)
    style.data_sheet(ws, len(columns), len(rows))
    style.fit_columns(ws, header_row=1)


def _list_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return _number(value)


def render(report: dict, state_line: str, pin_zip: Any) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    instant = report["genere_a"].astimezone(UTC).replace(tzinfo=None)
    wb.properties.creator = "Relogement inter-bailleurs"
    wb.properties.lastModifiedBy = "Relogement inter-bailleurs"
    wb.properties.title = f"{report['titre']} – {report['perimetre']} – {report['semestre'].label}"
    wb.properties.created = instant
    wb.properties.modified = instant
    write_summary(wb, report, state_line)
    unit = UNITS.get(report["convention"], "€/jour")
    _list_sheet(wb, "Relogements", report["relogements"], [
        ("reference", "Référence", None), ("operation", "Opération", None),
        ("bail_signe_le", "Bail signé le", "date"), ("enregistre_le", "Enregistré le", "date"),
        ("semestre", "Compté au semestre", None), ("destination", "Destination", None),
        ("commune", "Commune d'accueil", None), ("typologie_avant", "Typologie avant", None),
        ("typologie_apres", "Typologie après", None), ("personnes", "Personnes", "int"),
        ("quartile", "Quartile de revenu", None), ("inter_bailleur", "Inter-bailleur", None),
        ("bailleur_accueil", "Bailleur d'accueil", None),
        ("taux_effort_avant", "Taux d'effort avant (%)", "percent"),
        ("taux_effort_apres", "Taux d'effort après (%)", "percent"),
        ("rav_avant", f"Reste-à-vivre avant ({unit})", "euros"),
        ("rav_apres", f"Reste-à-vivre après ({unit})", "euros"),
    ])
    fragile_rows = [{**row, "statut": q.HOUSEHOLD_STATUS_LABELS[row["status"]]} for row in report["fragiles"]["liste"]]
    _list_sheet(wb, "Ménages fragiles", fragile_rows, [
        ("reference", "Référence", None), ("statut", "Statut", None),
        ("avant", f"Reste-à-vivre avant ({unit})", "euros"),
        ("propose", "Proposé", "euros"), ("apres_bail", "Après le bail", "euros"),
        ("suivi", "Au suivi", "euros"),
        # Empty until a lease or a follow-up: no change yet is not a change of 0.
        ("evolution", "Évolution", "euros_signed"),
    ])
    _list_sheet(wb, "Dossiers ouverts", report["dossiers_ouverts"], [
        ("reference", "Référence", None), ("statut", "Statut", None), ("operation", "Opération", None),
        ("inscrit_le", "Inscrit le", "date"), ("propositions", "Propositions", "int"),
        ("refus", "Refus", "int"), ("derniere_offre_legale", "Dernière offre légale atteinte", None),
    ])
    if report.get("residences"):  # one row per residence sheet, secrecy applied
        from openpyxl.styles import Font

        from relogement.projections.residence_sheets import xlsx_rows

        header, rows = xlsx_rows(report["residences"], report["noms_organisations"])
        sheet = wb.create_sheet("Résidences")
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    keep_text(wb)  # a reference or a name typed as "=…" stays text
    wb.save(buffer)
    return pin_zip(buffer.getvalue(), report["genere_a"])
