"""The ANRU export as an XLSX workbook: "Synthèse", "Ménages" (one row per household,
before / after), "Conventions" (how each figure is computed).

Each table has a frozen header and a filter (the synthesis is an Excel table, the
households' sheet a filtered sheet frozen on its header and reference column), columns
fitted to their content, and figures formatted by kind (:data:`anru_export.COLUMNS`):
euros with two decimals, percentages, points, dd/mm/yyyy dates. Reproducible bytes: the
document properties are pinned to the instant of the position and the zip entries carry
a fixed date.
"""

from __future__ import annotations

import io
from datetime import UTC
from decimal import Decimal
from typing import Any

from relogement.platform.indicators import CONVENTION
from relogement.projections import indemnities
from relogement.projections import spreadsheet_style as style
from relogement.projections.anru_export import COLUMNS, GROUPS, _euros, state_line
from relogement.projections.spreadsheet_safety import keep_text


def _summary_lines(data: dict) -> list[tuple[str, Any]]:
    ind = data["indemnites"]
    lines: list[tuple[str, Any]] = [(label, n) for label, n in data["statuts"].items()]
    lines += [
        ("Relogements définitifs (bail signé)", ind["base"]),
        ("Indemnité minoration de loyer : relogements éligibles", ind["eligibles"]),
        ("Indemnité : montant total (€)", _euros(ind["montant_total_cents"])),
        ("Indemnité : relogements non éligibles", ind["non_eligibles"]),
        ("Indemnité : relogements à vérifier", ind["a_verifier"]),
    ]
    return lines


def _summary(wb: Any, data: dict) -> None:
    from openpyxl.styles import Font

    project = data["project"]
    ws = wb.active
    ws.title = "Synthèse"
    ws.append(["Export ANRU – suivi du relogement, avant / après"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"Projet {project['name']} ({project['code']})"])
    ws.append([data["perimetre"]])
    ws.append([state_line(data)])
    ws.append(["Données pseudonymisées : chaque ménage est désigné par sa référence, sans nom ni adresse."])
    ws.append([])
    ws.append(["Ménages", "Nombre"])
    top = ws.max_row
    style.style_header(ws, top, 1, 2)
    for label, value in _summary_lines(data):
        ws.append([label, value])
        kind = "euros" if isinstance(value, Decimal) else "count"
        ws.cell(ws.max_row, 2).number_format = style.FORMATS[kind]
    style.summary_table(ws, "Synthese", top, 2, ws.max_row)
    if any(statut == "demo" for _, statut in data["indemnites"]["baremes"]):
        ws.append([])
        ws.append(["ATTENTION : des montants d'indemnité viennent d'un barème aux valeurs de démonstration "
                   "(fichier de référence minoration_loyer.csv) : ne pas les transmettre à l'ANRU en l'état."])
        ws.cell(ws.max_row, 1).font = Font(bold=True, color="C00000")
    ws.column_dimensions["A"].width = 62
    ws.column_dimensions["B"].width = 16


def _households(wb: Any, data: dict) -> None:
    ws = wb.create_sheet("Ménages")
    ws.append([header for _, header, _, _ in COLUMNS])
    style.style_header(ws, 1, 1, len(COLUMNS), fills=[GROUPS[group][1] for *_, group in COLUMNS])
    ws.row_dimensions[1].height = 60
    # Row numbers counted here: Worksheet.max_row scans every cell (quadratic: 6,000
    # households took minutes).
    for line, row in enumerate(data["rows"], start=2):
        ws.append([row[key] for key, *_ in COLUMNS])
        for index, (key, _, kind, _) in enumerate(COLUMNS, start=1):
            if kind in style.FORMATS and row[key] is not None:
                ws.cell(line, index).number_format = style.FORMATS[kind]
    style.data_sheet(ws, len(COLUMNS), len(data["rows"]))
    style.fit_columns(ws, header_row=1)


def _conventions(wb: Any, data: dict) -> None:
    from openpyxl.styles import Font

    conv = wb.create_sheet("Conventions")
    conv.append(["Conventions de calcul"])
    conv["A1"].font = Font(bold=True, size=14)
    conv.append(["Reste à charge", f"{CONVENTION['costs']} (montants mensuels)"])
    conv.append(["Taux d'effort", "reste à charge / ressources mensuelles × 100"])
    conv.append(["Ressources", CONVENTION["resources"]])
    conv.append(["Reste-à-vivre par personne", "(ressources − reste à charge) / nombre de personnes / 30"])
    conv.append(["Reste-à-vivre par UC", f"(ressources − reste à charge) / {CONVENTION['per_uc']} / 30"])
    conv.append(["Reste à charge au m²", "reste à charge / surface du logement"])
    conv.append(["Avant", "situation enregistrée à la signature du bail (ou situation actuelle)"])
    conv.append(["Après", "montants du bail signé et logement loué"])
    conv.append(["Arrondis", "montants au centime ; taux et reste-à-vivre calculés à 4 décimales, affichés à 2"])
    conv.append([])
    conv.append(["Indemnité ANRU pour minoration de loyer"])
    conv.cell(conv.max_row, 1).font = Font(bold=True)
    for line in indemnities.CONVENTIONS:
        conv.append(["", line])
    for scale, statut in data["indemnites"]["baremes"]:
        conv.append(["Barème utilisé", f"{scale} ({'valeurs de démonstration' if statut == 'demo' else statut})"])
    conv.column_dimensions["A"].width = 30
    conv.column_dimensions["B"].width = 110


def render(data: dict) -> bytes:
    from openpyxl import Workbook

    from relogement.projections.report_output import pin_zip

    project = data["project"]
    instant = data["instant"].astimezone(UTC).replace(tzinfo=None)
    wb = Workbook()
    wb.properties.creator = "Relogement inter-bailleurs"
    wb.properties.lastModifiedBy = "Relogement inter-bailleurs"
    wb.properties.title = f"Export ANRU – {project['name']} – {data['perimetre']}"
    wb.properties.created = instant
    wb.properties.modified = instant
    _summary(wb, data)
    _households(wb, data)
    _conventions(wb, data)
    buffer = io.BytesIO()
    keep_text(wb)  # a reference or a name typed as "=…" stays text
    wb.save(buffer)
    return pin_zip(buffer.getvalue(), data["instant"])
