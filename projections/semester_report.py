"""Rapport semestriel du groupe de suivi peuplement: data, HTML, PDF, XLSX.

A report covers a quartier (the households' quartier of origin) or a whole
project, for a semester (S1 = January–June, S2 = July–December, Europe/Paris
calendar), **as of the semester's end**: the read models are read as of the last
position recorded before the semester ended, so the report generated today or in
two years is the same (facts recorded later, even about that semester, belong
to the next report). Every output states that position and instant
("état au 30/06/2026, événement n° 1 234").

Reproducible files: the PDF's metadata dates and the XLSX document properties are
pinned to the report's instant, the chart is a PNG with fixed metadata, and the XLSX zip entries carry a fixed date: two generations of the same
report give identical bytes.

The first-quartile threshold of the loi Égalité et Citoyenneté (L441-1 CCH) is
reference data per EPCI and year, read from ``reference/seuils_premier_quartile.csv``
(or a file given by the caller): never a constant.

Entry points: :func:`build` (the figures, a dict), :func:`render_html`,
:func:`render_pdf`, :func:`render_xlsx`.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from relogement.platform import indicators as formulas
from relogement.projections import queries as q
from relogement.projections import reste_a_vivre
from relogement.projections.dashboard import evolutions, mean, rate
from relogement.projections.queries import REFUSAL_LABELS
from relogement.projections.spreadsheet_safety import keep_text

PARIS = ZoneInfo("Europe/Paris")
TEMPLATES = Path(__file__).parent / "templates"
REFERENCE_THRESHOLDS = Path(__file__).parent / "reference" / "seuils_premier_quartile.csv"
QUOTA_HORS_QPV = Decimal(25)  # % of attributions outside QPV: Q1 or ANRU/ORCOD relocations
QUOTA_QPV = Decimal(50)  # % of attributions in QPV: quartiles 2 to 4
DESTINATIONS = {"meme_quartier": "Même quartier", "autre_qpv": "Autre QPV", "hors_qpv": "Hors QPV"}
COMPOSITIONS = ("1 personne", "2 personnes", "3 ou 4 personnes", "5 personnes et plus")


@dataclass(frozen=True)
class Semester:
    year: int
    half: int  # 1 or 2

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValueError("semestre : 1 (janvier–juin) ou 2 (juillet–décembre)")

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive end: midnight (Paris) after the last day."""
        nxt = self.last_day + timedelta(days=1)
        return datetime.combine(nxt, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)

    @property
    def as_of_instant(self) -> datetime:
        return self.end - timedelta(microseconds=1)

    @property
    def label(self) -> str:
        return f"{'1er' if self.half == 1 else '2d'} semestre {self.year}"


# -- reference data ------------------------------------------------------------------


def load_thresholds(path: Path | str | None = None) -> list[dict]:
    rows = []
    with open(path or REFERENCE_THRESHOLDS, encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    for row in csv.DictReader(lines):
        rows.append(
            {
                "epci_code": row["epci_code"],
                "annee": int(row["annee"]),
                "seuil_euros_uc_an": Decimal(row["seuil_euros_uc_an"]),
                "source": row["source"],
            }
        )
    return rows


def first_quartile_threshold(epci_code: str, year: int, path: Path | str | None = None) -> dict | None:
    """The threshold valid for ``year`` for this EPCI, or None when the reference lacks it."""
    for row in load_thresholds(path):
        if row["epci_code"] == epci_code and row["annee"] == year:
            return row
    return None


# -- figures ---------------------------------------------------------------------------


def _flags(p: dict) -> dict:
    return (p.get("lease_indicators") or {}).get("flags", {})


def destination(p: dict) -> str:
    flags = _flags(p)
    if flags.get("same_quartier"):
        return "meme_quartier"
    return "hors_qpv" if flags.get("hors_qpv") else "autre_qpv"


def composition(persons: int) -> str:
    if persons == 1:
        return COMPOSITIONS[0]
    if persons == 2:
        return COMPOSITIONS[1]
    return COMPOSITIONS[2] if persons <= 4 else COMPOSITIONS[3]


def exact_annual_income_per_uc(p: dict) -> Fraction:
    """Annual resources per consumption unit at the lease, exact: compared with the
    first-quartile threshold (10 098.995 € is under 10 099 € although shown 10 099,00)."""
    inputs = p["lease_indicators"]["after"]["inputs"]
    if "ages" in inputs:
        units = formulas.consumption_units(list(inputs["ages"]))
    else:
        units = Fraction(Decimal(str(inputs["consumption_units"])))
    return Fraction(int(inputs["resources_cents"]) * 12, 100) / units


def annual_income_per_uc(p: dict) -> Decimal:
    """The same, rounded to the cent (for display)."""
    exact = exact_annual_income_per_uc(p)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _relocations(items: list[tuple[dict, dict]], key: str) -> dict[str, Any]:
    """Figures over (household, signed proposal) pairs."""
    n = len(items)
    dest = Counter(destination(p) for _, p in items)
    inter = sum(1 for _, p in items if _flags(p).get("inter_bailleur"))
    typ = Counter(p["offer_typology"] for _, p in items)
    comp = Counter(composition(h["persons"]) for h, _ in items)
    quart = Counter(h["income_quartile"] for h, _ in items)
    records = [p["lease_indicators"] for _, p in items]
    _, te_signs, te = evolutions(records, "taux_effort_points")
    _, rav_signs, rav = evolutions(records, key)
    return {
        "nombre": n,
        "destinations": {k: {"libelle": v, "nombre": dest[k], "taux": rate(dest[k], n)} for k, v in DESTINATIONS.items()},
        "meme_bailleur": {"nombre": n - inter, "taux": rate(n - inter, n)},
        "inter_bailleur": {"nombre": inter, "taux": rate(inter, n)},
        "typologies": {t: typ[t] for t in sorted(typ)},
        "compositions": {c: comp[c] for c in COMPOSITIONS},
        "quartiles": {**{str(i): quart[i] for i in (1, 2, 3, 4)}, "non renseigné": quart[None]},
        "taux_effort_moyen": mean(te),
        "taux_effort_hausse": te_signs.count(1),
        "taux_effort_baisse": te_signs.count(-1),
        "rav_moyen": mean(rav),
        "rav_hausse": rav_signs.count(1),
        "rav_baisse": rav_signs.count(-1),
    }


def build(
    db: q.Db,
    project_id: UUID | str,
    year: int,
    half: int,
    *,
    quartier: str | None = None,
    convention: str | None = None,
    threshold: Decimal | str | None = None,
    thresholds_path: Path | str | None = None,
) -> dict[str, Any]:
    """Every figure of the report, as of the semester's end.

    ``convention``: the reste-à-vivre convention; by default the project's at that date.
    """
    sem = Semester(year, half)
    position = q.position_at(db, sem.as_of_instant)
    instant = q.instant_of(db, position) if position else None
    project = q.get_project(db, project_id, position=position)
    if project is None:
        raise LookupError("projet inconnu à cette date")
    if convention is None:
        convention = reste_a_vivre.project_convention(project)
    names = q.organisation_names(db, position=position)
    pilot_code = (q.get_organisation(db, project["pilot_org"], position=position) or {}).get("code", "")
    quartiers = {x["code"]: x for x in project["quartiers"]}
    households = q.list_households(db, project_id, quartier=quartier, position=position)
    ids = {h["household_id"] for h in households}
    proposals = [p for p in q.list_proposals(db, project_id, position=position) if p["household_id"] in ids]
    by_household = {h["household_id"]: h for h in households}
    signed = sorted(
        ((by_household[p["household_id"]], p) for p in proposals if p["status"] == "bail_signe"),
        key=lambda hp: (hp[1]["lease_signed_on"], hp[0]["reference"]),
    )
    # A relocation counts in the semester its lease was *recorded* in, like refusals: a
    # lease signed on 30/06 but entered on 02/07 is unknown to the S1 report (frozen at
    # the semester's end), so it counts in S2's. Each lease is in exactly one semester.
    def recorded_in_semester(p: dict) -> bool:
        return sem.start <= q.utc(p["closed_at"]) < sem.end

    in_semester = [(h, p) for h, p in signed if recorded_in_semester(p)]
    key = reste_a_vivre.CONVENTION_KEYS[convention]

    suivi = reste_a_vivre.suivi(
        db, project_id, position=position, instant=sem.as_of_instant, convention=convention,
        threshold=threshold, quartier=quartier,
    )
    fragile = [r for r in suivi["households"] if r["reference"] in set(suivi["sous_seuil"])]

    refused = [p for p in proposals if p["status"] == "refusee"]
    refused_sem = [p for p in refused if sem.start <= q.utc(p["closed_at"]) < sem.end]  # type: ignore[operator]

    def motives(items: list[dict]) -> dict[str, int]:
        c = Counter(p["refusal_motive"] for p in items)
        return {REFUSAL_LABELS.get(k, k): c[k] for k in sorted(c)}

    open_cases = [
        {
            "reference": h["reference"],
            "statut": q.HOUSEHOLD_STATUS_LABELS[h["status"]],
            "operation": h["operation"],
            "inscrit_le": h["registered_on"],
            "propositions": h["proposals_count"],
            "refus": h["refusals_count"],
            "derniere_offre_legale": h["last_allowed"],
        }
        for h in households
        if h["status"] in ("a_reloger", "proposition_en_cours")
    ]

    ref = first_quartile_threshold(pilot_code, year, thresholds_path)
    hors = [(h, p) for h, p in in_semester if _flags(p).get("hors_qpv")]
    dans = [(h, p) for h, p in in_semester if not _flags(p).get("hors_qpv")]
    if ref is not None:
        seuil = ref["seuil_euros_uc_an"]
        # Compared exactly, like every threshold (README, "How the figures are counted").
        q1_hors = sum(1 for _, p in hors if exact_annual_income_per_uc(p) < seuil)
        q234_dans = sum(1 for _, p in dans if exact_annual_income_per_uc(p) >= seuil)
    else:
        q1_hors = q234_dans = None  # type: ignore[assignment]
    quotas = {
        "reference": ref,
        "epci_code": pilot_code,
        "hors_qpv": {
            "attributions": len(hors),
            "premier_quartile": q1_hors,
            "relogements_anru": len(hors),  # every relocation here is an ANRU one
            "taux_premier_quartile": None if q1_hors is None else rate(q1_hors, len(hors)),
            "taux_q1_ou_anru": rate(len(hors), len(hors)),
            "objectif": QUOTA_HORS_QPV,
        },
        "qpv": {
            "attributions": len(dans),
            "quartiles_2_a_4": q234_dans,
            "taux_quartiles_2_a_4": None if q234_dans is None else rate(q234_dans, len(dans)),
            "objectif": QUOTA_QPV,
        },
    }
    relocated_rows = [
        {
            "reference": h["reference"],
            "operation": h["operation"],
            "bail_signe_le": p["lease_signed_on"],
            "enregistre_le": q.utc(p["closed_at"]).astimezone(PARIS).date(),
            "semestre": recorded_in_semester(p),
            "destination": DESTINATIONS[destination(p)],
            "commune": p["offer_commune"],
            "typologie_avant": h["typology"],
            "typologie_apres": p["offer_typology"],
            "personnes": h["persons"],
            "quartile": h["income_quartile"],
            "inter_bailleur": bool(_flags(p).get("inter_bailleur")),
            "bailleur_accueil": names.get(p["offer_bailleur"], ""),
            "taux_effort_avant": p["lease_indicators"]["before"]["taux_effort"],
            "taux_effort_apres": p["lease_indicators"]["after"]["taux_effort"],
            "rav_avant": p["lease_indicators"]["before"][key],
            "rav_apres": p["lease_indicators"]["after"][key],
        }
        for h, p in signed
    ]
    status = Counter(h["status"] for h in households)
    scope = (
        f"Quartier {quartiers[quartier]['name']} ({quartier})" if quartier else f"Projet {project['name']}"
    )
    return {
        "titre": "Rapport semestriel du groupe de suivi peuplement",
        "projet": project["name"],
        "perimetre": scope,
        "quartier": quartier,
        "semestre": sem,
        "position": position,
        "instant": instant,
        "etat_au": sem.last_day,
        "genere_a": sem.as_of_instant,  # pinned: the file metadata never holds "now"
        "convention": convention,
        "unite_rav": reste_a_vivre.CONVENTION_LABELS[convention],
        "population": {
            "inscrits": len(households),
            "a_reloger": status["a_reloger"],
            "proposition_en_cours": status["proposition_en_cours"],
            "reloges": status["reloge"],
            "sortis": status["sorti"],
        },
        "semestre_relogements": _relocations(in_semester, key),
        "cumul_relogements": _relocations(signed, key),
        "relogements": relocated_rows,
        "fragiles": {
            "seuil": suivi["seuil"],
            "avant": len(suivi["sous_seuil_avant"]),
            "maintenant": len(suivi["sous_seuil"]),
            "liste": fragile,
        },
        "refus": {"semestre": len(refused_sem), "semestre_motifs": motives(refused_sem),
                  "cumul": len(refused), "cumul_motifs": motives(refused)},
        "dossiers_ouverts": open_cases,
        "quotas": quotas,
    }


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


def _pin_zip(data: bytes, instant: datetime) -> bytes:
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

    buffer = io.BytesIO()
    keep_text(wb)  # a reference or a name typed as "=…" stays text
    wb.save(buffer)
    return _pin_zip(buffer.getvalue(), report["genere_a"])


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
