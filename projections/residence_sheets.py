"""Residence sheets (fiches résidences): what the groupe de suivi reads of each residence,
with statistical secrecy applied here, once, so no page, PDF or XLSX gets a count under 5.

A sheet: the qualification (survey year and source, class and its reasons), the
objectives and the note, the relocations in and out (cumulative and over a period: the
semester), grouped by income quartile, reste-à-vivre band and composition, and the
estimated figures and class after those relocations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from relogement.platform import peuplement as pp
from relogement.projections.residence_figures import Move, ResidenceBalance

QUARTILE_LABELS = {1: "1er quartile", 2: "2e quartile", 3: "3e quartile", 4: "4e quartile", None: "non renseigné"}


@dataclass(frozen=True)
class MovesSummary:
    """Relocations in or out, every count already passed through the secrecy rule."""

    total: str
    period: str
    quartiles: list[tuple[str, str]]
    rav_bands: list[tuple[str, str]]
    compositions: list[tuple[str, str]]
    raw_total: int  # for sorting and filtering only, never displayed


def _summary(moves: list[Move], period: tuple[date, date] | None) -> MovesSummary:
    within = [m for m in moves if period is None or (m.signed_on and period[0] <= m.signed_on <= period[1])]
    quartiles = Counter(m.profile.income_quartile for m in moves)
    return MovesSummary(
        total=pp.secret_count(len(moves)),
        period=pp.secret_count(len(within)),
        quartiles=[(QUARTILE_LABELS[k], pp.secret_count(quartiles[k])) for k in (1, 2, 3, 4, None) if quartiles[k]],
        rav_bands=[(label, pp.secret_count(n)) for label, n in sorted(Counter(m.rav_band for m in moves).items())],
        compositions=[(label, pp.secret_count(n)) for label, n in sorted(Counter(m.composition for m in moves).items())],
        raw_total=len(moves),
    )


@dataclass(frozen=True)
class Sheet:
    residence_id: str
    code: str
    name: str
    bailleur_org: str
    address: str
    commune: str
    quartier: str
    qpv: bool
    dwellings: int
    survey_year: int | None
    survey_source: str | None
    households_before: str
    households_after: str
    class_before: str | None
    class_after: str | None
    reasons_after: list[str]
    figures: list[dict[str, str]]
    moved_in: MovesSummary
    moved_out: MovesSummary
    objectives: list[str]
    objectives_comment: str
    note: str

    @property
    def class_before_label(self) -> str:
        return pp.CLASS_LABELS.get(self.class_before or "", "non qualifiée")

    @property
    def class_after_label(self) -> str:
        return pp.CLASS_LABELS.get(self.class_after or "", "non qualifiée")

    @property
    def destination(self) -> bool:
        return self.moved_in.raw_total > 0

    @property
    def origin(self) -> bool:
        return self.moved_out.raw_total > 0


def sheet(balance: ResidenceBalance, period: tuple[date, date] | None = None) -> Sheet:
    row = balance.row
    figures: list[dict[str, str]] = []
    before_class = after_class = None
    reasons: list[str] = []
    households_before = households_after = "—"
    estimate = balance.after()
    if estimate is not None:
        n_before = row["survey_households"]
        households_before = pp.secret_count(n_before)
        n_after, counts_after, shares_after = estimate
        households_after = pp.secret_count(n_after)
        before_class = balance.class_before()
        after_class, reasons = pp.classify(shares_after, balance.rules)
        shares = balance.shares
        for figure in pp.FIGURES:
            count_before = shares[figure] * n_before / 100
            # Under 5 households in all, every share is under-5 based too.
            figures.append({
                "figure": figure,
                "label": pp.FIGURE_LABELS[figure],
                "before": pp.secret_share(shares[figure], count_before if n_before >= pp.SECRECY_MIN else 0),
                "after": pp.secret_share(shares_after[figure], counts_after[figure] if n_after >= pp.SECRECY_MIN else 0),
            })
    return Sheet(
        residence_id=row["residence_id"], code=row["code"], name=row["name"], bailleur_org=row["bailleur_org"],
        address=row["address"], commune=row["commune"], quartier=row["quartier"], qpv=bool(row["qpv"]),
        dwellings=row["dwellings"], survey_year=row.get("survey_year"), survey_source=row.get("survey_source"),
        households_before=households_before, households_after=households_after,
        class_before=before_class, class_after=after_class, reasons_after=reasons, figures=figures,
        moved_in=_summary(balance.moved_in, period), moved_out=_summary(balance.moved_out, period),
        objectives=[pp.objective_label(o) for o in row.get("objectives") or []],
        objectives_comment=row.get("objectives_comment") or "", note=row.get("note_text") or "",
    )


def filter_sheets(sheets: list[Sheet], klass: str = "", bailleur: str = "", commune: str = "") -> list[Sheet]:
    """The dashboard's view by residence: by class (after the relocations), bailleur, commune."""
    return [
        s for s in sheets
        if (not klass or s.class_after == klass)
        and (not bailleur or s.bailleur_org == bailleur)
        and (not commune or s.commune.lower() == commune.lower())
    ]


XLSX_COLUMNS: list[tuple[str, Any]] = [
    ("Code", lambda s: s.code), ("Résidence", lambda s: s.name), ("Commune", lambda s: s.commune),
    ("Quartier", lambda s: s.quartier), ("QPV", lambda s: "oui" if s.qpv else "non"),
    ("Logements", lambda s: s.dwellings), ("Année de l'enquête", lambda s: s.survey_year or ""),
    ("Source", lambda s: s.survey_source or ""), ("Ménages (enquête)", lambda s: s.households_before),
    ("Classe avant", lambda s: s.class_before_label),
    ("Relogés entrants (semestre)", lambda s: s.moved_in.period), ("Relogés entrants (cumul)", lambda s: s.moved_in.total),
    ("Relogés sortants (semestre)", lambda s: s.moved_out.period), ("Relogés sortants (cumul)", lambda s: s.moved_out.total),
    ("Ménages estimés après", lambda s: s.households_after), ("Classe après", lambda s: s.class_after_label),
    ("Objectifs", lambda s: " ; ".join(s.objectives)),
]


def xlsx_rows(sheets: list[Sheet], bailleurs: dict[str, str]) -> tuple[list[str], list[list[Any]]]:
    """One row per residence: identity, qualification, relocations, estimate (secrecy applied)."""
    header = ["Bailleur", *(name for name, _ in XLSX_COLUMNS)]
    for figure in pp.FIGURES:
        header += [f"Part {pp.FIGURE_LABELS[figure]} avant", f"Part {pp.FIGURE_LABELS[figure]} après (estimée)"]
    rows = []
    for s in sheets:
        row = [bailleurs.get(s.bailleur_org, ""), *(get(s) for _, get in XLSX_COLUMNS)]
        by_figure = {f["figure"]: f for f in s.figures}
        for figure in pp.FIGURES:
            f = by_figure.get(figure)
            row += [f["before"], f["after"]] if f else ["", ""]
        rows.append(row)
    return header, rows


def report_sheets(db: Any, project_id: str, position: int | None, settings: dict | None,
                  period: tuple[date, date] | None) -> list[Sheet]:
    """The report's sheets: each destination residence, then each residence of origin being
    emptied (a residence both is listed once, as a destination), by name."""
    from relogement.projections.residence_figures import residence_balances

    return order_sheets([sheet(b, period) for b in residence_balances(db, project_id, position, settings)])


def order_sheets(sheets: list[Sheet]) -> list[Sheet]:
    """The report's order of sheets in the residences' order (by name): destinations, then
    origins only."""
    return [s for s in sheets if s.destination] + [s for s in sheets if s.origin and not s.destination]


def residences_xlsx(sheets: list[Sheet], names: dict[str, str], state: str) -> bytes:
    """The view by residence as XLSX: one row per residence, the position it describes on top."""
    import io
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from relogement.projections.spreadsheet_safety import keep_text

    wb = Workbook()
    wb.properties.creator = "Relogement inter-bailleurs"
    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)  # pinned: same bytes
    ws = wb.active
    ws.title = "Résidences"
    ws.append([state])
    ws.append(["« < 5 » : moins de 5 ménages (secret statistique), ou part calculée sur moins de 5 ménages."])
    header, rows = xlsx_rows(sheets, names)
    ws.append(header)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    keep_text(wb)
    wb.save(out)
    return out.getvalue()
