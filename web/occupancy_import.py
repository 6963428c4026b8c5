"""Import of a bailleur's occupancy survey (OPS) per residence, from CSV or XLSX.

Every row is validated first and every error is reported with its line and column, in
French; one error and nothing is recorded. Otherwise one command records every row (one
import id on all of them): the survey of each residence for its year. A residence code
the bailleur has not registered yet is an error, unless the user ticked « créer les
résidences inconnues » (its identity columns then register it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relogement.platform import peuplement as pp
from relogement.platform.application import Actor, RelocationApp
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.residence_commands import NewResidence, SurveyRow
from relogement.web.import_files import ImportFileError, read_table
from relogement.web.parsing import Reader

MAX_ROWS = 2000

# (column, required, description, example)
OCCUPANCY_COLUMNS: list[tuple[str, bool, str, str]] = [
    ("residence", True, "Code de la résidence chez le bailleur", "VCL-LOM-01"),
    ("nom", False, "Nom de la résidence (pour une résidence nouvelle)", "Les Tilleuls"),
    ("adresse", False, "Adresse (résidence nouvelle)", "12 rue des Tilleuls"),
    ("commune", False, "Commune (résidence nouvelle)", "Lomme"),
    ("quartier", False, "Quartier : code ou nom d'un quartier du projet, ou autre", "Lomme-Centre"),
    ("qpv", False, "En QPV (oui/non ; un quartier du projet donne le sien)", "non"),
    ("logements", False, "Nombre de logements de la résidence", "120"),
    ("annee", True, "Année de l'enquête d'occupation (OPS : tous les deux ans)", "2024"),
    ("source", False, "Source (défaut : OPS)", "OPS 2024"),
    ("menages", True, "Nombre de ménages enquêtés", "104"),
    ("part_sous_20", True, "Part des ménages sous 20 % des plafonds PLUS (%)", "15,0"),
    ("part_sous_40", True, "Part sous 40 % des plafonds PLUS (%)", "35,0"),
    ("part_sous_60", True, "Part sous 60 % des plafonds PLUS (%)", "58,0"),
    ("part_premier_quartile", True, "Part des ménages du premier quartile (%)", "27,5"),
    ("part_aide_logement", True, "Part des bénéficiaires d'une aide au logement (%)", "50,0"),
    ("part_monoparentales", True, "Part des familles monoparentales (%)", "20,0"),
    ("part_sans_emploi", True, "Part des ménages sans adulte en emploi (%)", "35,0"),
    ("part_sur_occupation", True, "Part des ménages en sur-occupation (%)", "5,0"),
]
SHARE_COLUMNS = {
    "part_sous_20": "under_20", "part_sous_40": "under_40", "part_sous_60": "under_60",
    "part_premier_quartile": "first_quartile", "part_aide_logement": "housing_aid",
    "part_monoparentales": "single_parent", "part_sans_emploi": "no_adult_in_work",
    "part_sur_occupation": "over_occupation",
}
COLUMN_OF_FIGURE = {v: k for k, v in SHARE_COLUMNS.items()}


@dataclass
class OccupancyReport:
    rows: int = 0
    recorded: int = 0
    created: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _row(row: dict[str, str], year_max: int) -> tuple[SurveyRow | None, dict[str, str]]:
    r = Reader(row)
    code = r.text("residence", required=True, max_length=30)
    name = r.text("nom", max_length=200)
    address = r.text("adresse", max_length=200)
    commune = r.text("commune", max_length=200)
    quartier = r.text("quartier", max_length=200)
    qpv = r.boolean("qpv")
    dwellings = r.integer("logements", low=0, high=10_000)
    year = r.integer("annee", required=True, low=2000, high=year_max)
    source = r.text("source", max_length=200)
    households = r.integer("menages", required=True, low=1, high=100_000)
    errors = dict(r.errors)
    shares = {}
    for column, figure in SHARE_COLUMNS.items():
        text = row.get(column, "").strip()
        if not text:
            errors[column] = "Ce champ est obligatoire (pourcentage de 0 à 100)."
            continue
        try:
            shares[figure] = pp.parse_share(column, text)
        except InvalidValue as error:
            errors[column] = error.message
    if not errors:
        try:
            pp.check_survey(households, shares)
        except InvalidValue as error:
            errors[COLUMN_OF_FIGURE.get(error.field, "menages")] = error.message
    if errors:
        return None, errors
    residence = NewResidence(code, name, address, commune, quartier, qpv, dwellings)
    return SurveyRow(residence, year, households, shares, source or "OPS"), {}


def import_occupancy(
    app: RelocationApp, project_id, actor: Actor, known_codes: set[str], filename: str,
    content: bytes, create_missing: bool,
) -> OccupancyReport:
    report = OccupancyReport()
    try:
        table = read_table(filename, content, MAX_ROWS)
    except ImportFileError as error:
        report.errors.append((error.line, "", str(error)))
        return report
    known = {c[0] for c in OCCUPANCY_COLUMNS}
    for name in table.header:
        if name not in known:
            report.errors.append((1, name, f"Colonne inconnue « {name} » (voir la liste des colonnes)."))
    for name, required, _, _ in OCCUPANCY_COLUMNS:
        if required and name not in table.header:
            report.errors.append((1, name, f"Colonne obligatoire absente : « {name} »."))
    if report.errors:
        return report
    year_max = app.clock().year
    planned: list[SurveyRow] = []
    seen: set[tuple[str, int]] = set()
    for index, row in enumerate(table.rows):
        line = index + 2
        if not any(v.strip() for v in row.values()):
            continue
        report.rows += 1
        parsed, errors = _row(row, year_max)
        if parsed is not None:
            key = (parsed.residence.code.upper(), parsed.year)
            if key in seen:
                errors["residence"] = f"Résidence « {parsed.residence.code} » en double pour l'année {parsed.year}."
            elif parsed.residence.code.upper() not in known_codes and not create_missing:
                errors["residence"] = (
                    f"Résidence « {parsed.residence.code} » inconnue : cochez « créer les résidences "
                    "inconnues » pour la créer avec ses colonnes nom, adresse, commune, quartier."
                )
            seen.add(key)
        if errors:
            report.errors.extend((line, col, msg) for col, msg in sorted(errors.items()))
            continue
        planned.append(parsed)  # type: ignore[arg-type]
    if report.errors or not planned:
        return report
    try:
        _, created = app.import_occupancy(project_id, planned, actor, filename, create_missing=create_missing)
    except DomainError as error:
        report.errors.append((0, "", f"{error.message} (aucune ligne importée)"))
        return report
    report.recorded = len(planned)
    report.created = created
    return report
