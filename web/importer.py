"""Import of households and offers from CSV or XLSX: validate everything, then write.

- Columns are documented in ``HOUSEHOLD_COLUMNS`` / ``OFFER_COLUMNS`` (shown on the
  import page and in the downloadable templates). Column names are the web forms' field
  names, so a file row is read by the very functions that read a form.
- Every row is validated first; every error is reported with its line and column; if
  there is one error, nothing is written.
- Idempotent: the ``reference`` column identifies a household or an offer; a reference
  already in the project (for the same bailleur) is left unchanged, so importing the
  same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from relogement.platform.application import Actor, NewHousehold, NewOffer, RelocationApp
from relogement.platform.deadline import PARIS
from relogement.platform.errors import DomainError
from relogement.projections.queries.identity_twins import Person
from relogement.projections.queries.identity_twins import keys as identity_keys
from relogement.projections.residence_figures import residence_codes
from relogement.projections.spreadsheet_safety import csv_text, keep_text
from relogement.projections.views import ProjectView
from relogement.web.duplicates import CONFIRM, twin_warning, twins_in_project
from relogement.web.form_values import read_offer, read_personal, read_situation, read_wishes
from relogement.web.import_files import ImportFileError, read_table
from relogement.web.parsing import LIST_SEPARATOR, FormErrors, Reader, parse_bool
from relogement.web.reader import ReadModels

# (column, required, description, example)
HOUSEHOLD_COLUMNS: list[tuple[str, bool, str, str]] = [
    ("reference", True, "Référence stable du ménage chez le bailleur (identifie la ligne : un ré-import ne la duplique pas)", "LMH-2026-0001"),
    ("operation", True, "Code de l'opération du projet (ex. démolition)", "DEM-FAU-1"),
    ("bailleur", False, "Code du bailleur du ménage (obligatoire si la MOUS importe ; sinon votre organisation)", "LMH"),
    ("nom", True, "Nom du ménage (jamais visible des partenaires)", "Famille Martin"),
    ("telephone", False, "Téléphone", "03 20 00 00 00"),
    ("email", False, "Adresse électronique", "martin@example.org"),
    ("adresse_actuelle", False, "Adresse actuelle", "3 rue de Douai, Lille"),
    ("ages", True, "Âge de chaque occupant, séparés par « | »", "38 | 36 | 9 | 5"),
    ("ressources", True, "Ressources mensuelles du ménage (€)", "1 800,00"),
    ("apl", False, "Aide au logement mensuelle actuelle (€)", "210,00"),
    ("quartile", False, "Quartile de revenus (1 à 4)", "1"),
    ("typologie", True, "Typologie du logement actuel (T1 à T6)", "T3"),
    ("surface", True, "Surface du logement actuel (m²)", "62"),
    ("loyer", True, "Loyer principal actuel (€/mois)", "420,00"),
    ("charges", True, "Charges récupérables actuelles (€/mois)", "90,00"),
    ("annexes", False, "Loyers annexes actuels : garage, parking (€/mois)", "0"),
    ("commune", False, "Commune du logement actuel (par défaut : celle du quartier)", "Lille"),
    ("dpe", False, "Étiquette DPE (A à G)", "C"),
    ("chauffage", False, "Chauffage : collectif, individuel_gaz, individuel_electricite ou individuel_autre", "collectif"),
    ("energie_min", False, "DPE : coût annuel estimé de l'énergie, borne basse (€/an)", ""),
    ("energie_max", False, "DPE : coût annuel estimé de l'énergie, borne haute (€/an)", ""),
    # Residence examples stay empty: the example row must import as it is (a code names a
    # residence already registered).
    ("residence", False, "Code de la résidence du logement actuel chez le bailleur, déjà enregistrée (ex. LMH-MDT)", ""),
    ("adultes_en_emploi", False, "Nombre d'adultes du ménage en emploi", "1"),
    ("souhait_communes", False, "Communes souhaitées, séparées par « | »", "Lille | Lomme"),
    ("souhait_typologies", False, "Typologies souhaitées, séparées par « | »", "T3 | T4"),
    ("droit_au_retour", False, "Souhaite revenir dans le quartier rénové (oui/non)", "non"),
    ("doublon_confirme", False, "oui : ce n'est pas un ménage déjà inscrit sous une autre référence avec le même nom et le même téléphone ou la même adresse (à indiquer après l'avertissement de l'import)", ""),
]

OFFER_COLUMNS: list[tuple[str, bool, str, str]] = [
    ("reference", True, "Référence stable du logement chez le bailleur (un ré-import ne la duplique pas)", "VCL-LOM-0012"),
    ("adresse", True, "Adresse du logement", "12 rue des Tilleuls"),
    ("commune", True, "Commune", "Lomme"),
    ("quartier", False, "Quartier", "Lomme-Centre"),
    ("quartier_hors_projet", False, "oui : le quartier n'est aucun des quartiers du projet (confirmation requise pour le créer ; un nom proche de celui d'un quartier du projet est signalé)", "oui"),
    ("qpv", False, "Le logement est en QPV (oui/non) ; pour un quartier du projet, vide : son statut dans le projet", "non"),
    ("typologie", True, "Typologie (T1 à T6)", "T4"),
    ("surface", True, "Surface habitable (m²)", "78"),
    ("loyer", True, "Loyer principal (€/mois)", "480,00"),
    ("charges", True, "Charges récupérables (€/mois)", "100,00"),
    ("annexes", False, "Loyers annexes : garage, parking (€/mois)", "0"),
    ("financement", False, "PLAI, PLUS, PLS, PLI ou autre (défaut : PLUS)", "PLUS"),
    ("annee", True, "Année de construction ou de livraison", "2023"),
    ("individuel", False, "Maison individuelle (oui/non)", "non"),
    ("etage", False, "Étage (0 = rez-de-chaussée)", "2"),
    ("ascenseur", False, "Ascenseur (oui/non)", "oui"),
    ("accessible", False, "Accessible PMR (oui/non)", "non"),
    ("reservataire", False, "Réservataire du logement", "Préfecture (contingent)"),
    ("dpe", False, "Étiquette DPE (A à G)", "D"),
    ("chauffage", False, "Chauffage : collectif, individuel_gaz, individuel_electricite ou individuel_autre", "individuel_gaz"),
    ("energie_min", False, "DPE : coût annuel estimé de l'énergie, borne basse (€/an)", "1100"),
    ("energie_max", False, "DPE : coût annuel estimé de l'énergie, borne haute (€/an)", "1500"),
    ("disponible_jusqu_au", False, "Réservé au relogement jusqu'au (jj/mm/aaaa, facultatif)", ""),
    ("residence", False, "Code de la résidence chez le bailleur, ex. VCL-LOM-01 (inconnue : cochez « créer les résidences inconnues »)", ""),
]

KINDS = {"menages": HOUSEHOLD_COLUMNS, "offres": OFFER_COLUMNS}
# One import is one atomic command and notifies every partner of each row: a file of
# 20,000 rows went through in one request and left 21,000 unread notices per partner.
MAX_IMPORT_ROWS = 2000


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)
    # Households a duplicate warning names: the page writes them to the access log.
    twins_named: list[UUID] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _check_header(rows: list[dict[str, str]], header: list[str], columns: list[tuple[str, bool, str, str]], report: ImportReport) -> None:
    known = {c[0] for c in columns}
    for name in header:
        if name not in known:
            report.errors.append((1, name, f"Colonne inconnue « {name} » (voir la liste des colonnes)."))
    for name, required, _, _ in columns:
        if required and name not in header:
            report.errors.append((1, name, f"Colonne obligatoire absente : « {name} »."))


class Importer:
    def __init__(self, app: RelocationApp, readmodels: ReadModels, project: ProjectView, actor: Actor, org_kind: str) -> None:
        self.app = app
        self.readmodels = readmodels
        self.project = project
        self.actor = actor
        self.org_kind = org_kind
        # The clock's Paris year: an offer's construction year is checked row by row.
        self._today = app.clock().astimezone(PARIS).date()
        self._year = self._today.year
        # Offers naming an unknown residence: created (the import page's box) or refused.
        self.create_residences = False
        self._residences: dict[UUID, set[str]] = {}

    def _unknown_residence(self, bailleur: UUID | None, code: str) -> bool:
        """A residence code the bailleur has not registered in the project."""
        if not code or bailleur is None:
            return False
        if bailleur not in self._residences:
            self._residences[bailleur] = residence_codes(self.readmodels.reader, self.project.id.hex, bailleur.hex)
        return code.strip().upper() not in self._residences[bailleur]

    def run(self, kind: str, filename: str, content: bytes) -> ImportReport:
        report = ImportReport(kind)
        try:
            # Read no further than the first row past the cap (web/import_files).
            table = read_table(filename, content, MAX_IMPORT_ROWS)
        except ImportFileError as error:
            report.errors.append((error.line, "", str(error)))
            return report
        rows, header = table.rows, table.header
        columns = KINDS[kind]
        _check_header(rows, header, columns, report)
        if report.errors:
            return report
        # A line with more cells than the header: its columns are shifted, so its other
        # errors would mislead; it is reported as what it is, and not read.
        for line, count in table.too_wide.items():
            report.errors.append((line, "", too_wide_message(line, count, table.columns)))
        skip = set(table.too_wide)
        validate = self._validate_households if kind == "menages" else self._validate_offers
        planned = validate(rows, report, skip)
        if report.errors:
            return report
        if not planned:
            return report
        try:
            # One atomic command for the whole file: all rows are written, or none.
            if kind == "menages":
                self.app.register_households(self.project.id, [row for _, _, row in planned], self.actor)
            else:
                self.app.publish_offers(self.project.id, [row for _, _, row in planned], self.actor)
        except DomainError as error:
            # Validation covers every rule known beforehand; this is a concurrent change.
            report.errors.append((0, "", f"{error.message} (aucune ligne importée)"))
            return report
        report.created.extend(reference for _, reference, _ in planned)
        return report

    # -- households ---------------------------------------------------------
    def _validate_households(self, rows, report: ImportReport, skip: set[int]) -> list[tuple[int, str, Any]]:
        existing = self.readmodels.household_references(self.project.id)
        operations = {op["code"]: op for op in self.project.operations}
        orgs = {o.code.lower(): o for o in self.readmodels.organisations()}
        seen: set[str] = set()
        planned = []
        for index, row in enumerate(rows):
            line = index + 2
            if not row:
                continue
            report.rows += 1
            if line in skip:  # too many cells: already reported
                continue
            errors: dict[str, str] = {}
            reference = row.get("reference", "").strip()
            if not reference:
                errors["reference"] = "Ce champ est obligatoire."
            elif reference in seen:
                errors["reference"] = f"Référence « {reference} » en double dans le fichier."
            seen.add(reference)
            operation = row.get("operation", "").strip()
            if operation not in operations:
                errors["operation"] = f"Opération « {operation} » inconnue dans le projet {self.project.name}."
            bailleur = self._bailleur(row.get("bailleur", ""), orgs, errors)
            parsed: dict[str, Any] = {}
            for part, read in (("situation", read_situation), ("personal", read_personal), ("wishes", read_wishes)):
                try:
                    parsed[part] = read(row)
                except FormErrors as error:
                    errors.update(error.errors)
            if "situation" in parsed and self._unknown_residence(bailleur, parsed["situation"].dwelling.residence):
                errors["residence"] = (f"Résidence « {parsed['situation'].dwelling.residence} » inconnue pour ce "
                                       "bailleur : enregistrez-la d'abord (Résidences).")
            if reference in existing and not errors:
                if existing[reference] != bailleur:
                    errors["reference"] = f"La référence « {reference} » est déjà celle d'un ménage d'un autre bailleur."
                else:
                    report.unchanged.append(reference)
                    continue
            if errors:
                report.errors.extend((line, col, msg) for col, msg in sorted(errors.items()))
                continue
            planned.append((line, reference, self._household_writer(reference, operation, bailleur, parsed)))
        self._check_twins(rows, planned, report)
        return planned

    def _check_twins(self, rows, planned: list[tuple[int, str, Any]], report: ImportReport) -> None:
        """Rows that look like a household already registered (or an earlier row of the
        file): same name and phone, or same name and address, unless doublon_confirme."""
        asked = [(line, new) for line, _, new in planned if not _confirmed(rows[line - 2])]
        people = [Person(n.personal.name, n.personal.phone, n.personal.address) for _, n in asked]
        found = twins_in_project(self.readmodels, self.project, self.actor.org, people) if people else []
        first_line: dict[tuple[str, str, str], int] = {}
        for (line, _), person, twins in zip(asked, people, found, strict=True):
            earlier = sorted({first_line[k] for k in identity_keys(person) if k in first_line})
            for key in identity_keys(person):
                first_line.setdefault(key, line)
            if twins or earlier:
                also = ", ".join(f"ligne {n} du fichier" for n in earlier)
                confirm = f"indiquez « oui » dans la colonne {CONFIRM}"
                report.errors.append((line, CONFIRM, twin_warning(twins, confirm, also)))
                report.twins_named.extend(t.household_id for t in twins)

    def _bailleur(self, code: str, orgs: dict, errors: dict[str, str]) -> UUID | None:
        code = code.strip().lower()
        if self.org_kind == "bailleur":
            me = self.actor.org
            if code and (code not in orgs or orgs[code].id != me):
                errors["bailleur"] = "Un bailleur n'importe que ses propres locataires."
            return me
        if not code:
            errors["bailleur"] = "Ce champ est obligatoire (code du bailleur du ménage)."
            return None
        org = orgs.get(code)
        if org is None or org.kind != "bailleur" or org.id not in self.project.partners:
            errors["bailleur"] = f"Bailleur « {code} » inconnu dans ce projet."
            return None
        return org.id

    def _household_writer(self, reference, operation, bailleur, parsed) -> NewHousehold:
        return NewHousehold(
            operation=operation, bailleur_org=bailleur, situation=parsed["situation"],
            personal=parsed["personal"], wishes=parsed["wishes"], reference=reference,
        )

    # -- offers -------------------------------------------------------------
    def _validate_offers(self, rows, report: ImportReport, skip: set[int]) -> list[tuple[int, str, Any]]:
        existing = {o.reference: o for o in self.readmodels.offers(project_id=self.project.id)}
        seen: set[str] = set()
        planned = []
        for index, row in enumerate(rows):
            line = index + 2
            if not row:
                continue
            report.rows += 1
            if line in skip:  # too many cells: already reported
                continue
            errors: dict[str, str] = {}
            r = Reader(row)
            reference = r.text("reference", required=True, max_length=80)
            errors.update(r.errors)
            if reference and reference in seen:
                errors["reference"] = f"Référence « {reference} » en double dans le fichier."
            seen.add(reference)
            dwelling = reservataire = until = None
            try:
                # The quartier against the project's: its QPV flag, "vouliez-vous dire",
                # and a quartier outside the project only with quartier_hors_projet = oui.
                dwelling, reservataire, until = read_offer(
                    row, current_year=self._year, today=self._today, quartiers=self.project.quartiers, form=False
                )
            except FormErrors as error:
                errors.update(error.errors)
            if dwelling is not None and not self.create_residences and self._unknown_residence(self.actor.org, dwelling.residence):
                errors["residence"] = (f"Résidence « {dwelling.residence} » inconnue : cochez « créer les "
                                       "résidences inconnues » ou corrigez le code.")
            if reference in existing and not errors:
                if existing[reference].bailleur_id != self.actor.org:
                    errors["reference"] = f"La référence « {reference} » est déjà celle d'un logement d'un autre bailleur."
                else:
                    report.unchanged.append(reference)
                    continue
            if errors:
                report.errors.extend((line, col, msg) for col, msg in sorted(errors.items()))
                continue
            planned.append((line, reference, NewOffer(dwelling, reservataire, reference, until,
                                                      create_residence=self.create_residences)))
        return planned


def _confirmed(row: dict[str, str]) -> bool:
    try:
        return parse_bool(row.get(CONFIRM, ""))
    except ValueError:
        return False


def too_wide_message(line: int, count: int, columns: int) -> str:
    return (
        f"Ligne {line} : {count} champs au lieu de {columns} (les colonnes de l'en-tête). Une liste "
        f"(âges, communes, typologies) contient sans doute le séparateur du fichier : séparez ses "
        f"éléments par « {LIST_SEPARATOR} » (ex. 38 {LIST_SEPARATOR} 36 {LIST_SEPARATOR} 9), ou mettez "
        "la cellule entre guillemets."
    )


def template_csv(kind: str) -> bytes:
    columns = KINDS[kind]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_text(c[0]) for c in columns])
    writer.writerow([csv_text(c[3]) for c in columns])  # one example row
    # A BOM so that Excel opens the accents right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = KINDS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append([c[0] for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([c[3] for c in columns])  # one example row (text, as a file's cells)
    doc = workbook.create_sheet("colonnes")
    doc.append(["colonne", "obligatoire", "description", "exemple"])
    for name, required, description, example in columns:
        doc.append([name, "oui" if required else "non", description, example])
    for cell in doc[1]:
        cell.font = Font(bold=True)
    # Fixed properties: the same template downloads as the same bytes' content.
    from datetime import datetime

    workbook.properties.created = datetime(2026, 1, 1)
    workbook.properties.modified = datetime(2026, 1, 1)
    workbook.properties.creator = "Relogement inter-bailleurs"
    out = io.BytesIO()
    keep_text(workbook)
    workbook.save(out)
    return out.getvalue()
