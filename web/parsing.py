"""From what people type (French formats) to domain values, with per-field French errors.

The web layer's "interface adapter": forms and imported rows go through the same
functions, so a rent typed as "1 234,56" is read the same in a form and in a CSV.
Nothing here raises anything but ``FormErrors`` (collected, shown next to the field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.values import (
    FINANCINGS,
    FIRST_DAY,
    TYPOLOGIES,
    Dwelling,
    PersonalData,
    Situation,
    Wishes,
    check_text,
    day_fr,
)

T = TypeVar("T")

TRUE_WORDS = {"1", "true", "vrai", "oui", "o", "on", "x", "yes"}
FALSE_WORDS = {"", "0", "false", "faux", "non", "n", "no", "off"}

# Which form field a domain InvalidValue is about (domain names → form names).
DOMAIN_FIELDS = {
    "typology": "typologie",
    "surface_m2": "surface",
    "rent_cents": "loyer",
    "charges_cents": "charges",
    "annex_rent_cents": "annexes",
    "financing": "financement",
    "construction_year": "annee",
    "floor": "etage",
    "ages": "ages",
    "resources_cents": "ressources",
    "apl_cents": "apl",
    "apl_after_cents": "apl_estimee",
    "income_quartile": "quartile",
    "name": "nom",
    "phone": "telephone",
    "communes": "souhait_communes",
    "accepted_on": "date_acceptation",
    "decided_on": "date_caleol",
    "signed_on": "date_signature",
    "move_in_date": "date_entree",
    "visited_on": "date_visite",
    "measured_on": "date_mesure",
    "available_until": "disponible_jusqu_au",
    "objection_window_hours": "delai_heures",
    "max_proposals": "offres_max",
    "rav_convention": "convention_rav",
    "rav_threshold": "seuil_rav",
    "code": "code_projet",
    "operations": "operations",
    "quartiers": "quartiers",
    "reason": "motif_sortie",
}


# The French label of every form field (the one its form shows, without units or help),
# so that an error listed away from its field (the form's error summary) names it.
# One place for every form: a test checks every field of every template has one.
FIELD_LABELS = {
    # dwellings (offers, situations, leases)
    "typologie": "Typologie",
    "surface": "Surface habitable",
    "loyer": "Loyer principal",
    "charges": "Charges récupérables",
    "annexes": "Loyers annexes",
    "commune": "Commune",
    "quartier": "Quartier",
    "adresse": "Adresse",
    "qpv": "En QPV",
    "financement": "Financement",
    "annee": "Année de construction ou de livraison",
    "individuel": "Maison individuelle",
    "etage": "Étage",
    "ascenseur": "Ascenseur",
    "accessible": "Accessible aux personnes à mobilité réduite",
    "reservataire": "Réservataire",
    "projet": "Projet",
    "motif": "Motif du retrait",
    # households: file, identity, situation, wishes
    "operation": "Opération",
    "bailleur": "Bailleur",
    "reference": "Référence",
    "nom": "Nom du ménage",
    "telephone": "Téléphone",
    "email": "Courriel",
    "adresse_actuelle": "Adresse actuelle",
    "contraintes": "Contraintes",
    "notes": "Notes de suivi",
    "ages": "Âges des occupants",
    "ressources": "Ressources mensuelles",
    "apl": "Aide au logement",
    "quartile": "Quartile de revenus",
    "souhait_communes": "Communes souhaitées",
    "souhait_typologies": "Typologies souhaitées",
    "souhait_individuel": "Type de logement",
    "souhait_etage_max": "Étage maximum",
    "souhait_ascenseur": "Ascenseur nécessaire",
    "souhait_accessible": "Logement accessible nécessaire",
    "droit_au_retour": "Droit au retour",
    # visits, proposals, commission, lease, follow-up, departure
    "offre": "Logement",
    "menage": "Ménage",
    "date_visite": "Date de la visite",
    "compte_rendu": "Compte rendu",
    "apl_estimee": "Aide au logement estimée dans le nouveau logement",
    "motif_opposition": "Motif de l'opposition",
    "commentaire": "Commentaire",
    "decision": "Décision",
    "motif_refus": "Motif du refus",
    "precision_refus": "Précision sur le refus",
    "decision_caleol": "Décision de la commission",
    "date_caleol": "Date de la commission",
    "commentaire_caleol": "Commentaire de la commission",
    "date_acceptation": "Date de l'acceptation",
    "motif_retrait": "Motif du retrait",
    "date_signature": "Date de signature",
    "date_entree": "Entrée dans les lieux",
    "loyer_bail": "Loyer principal du bail",
    "charges_bail": "Charges du bail",
    "annexes_bail": "Loyers annexes du bail",
    "apl_bail": "Aide au logement du bail",
    "date_mesure": "Date de la mesure",
    "disponible_jusqu_au": "Réservée au relogement jusqu'au",
    "motif_sortie": "Motif de sortie",
    "precision_sortie": "Précision sur la sortie",
    # administration
    "identifiant": "Identifiant",
    "mot_de_passe": "Mot de passe",
    "nom_affiche": "Nom affiché",
    "organisation": "Organisation",
    "role": "Rôle",
    "motif_effacement": "Motif de l'effacement",
    "precision": "Précision",
    "confirmation": "Confirmation",
    "utilisateur": "Utilisateur",
    "nom_organisation": "Nom de l'organisation",
    "code_organisation": "Code de l'organisation",
    "type_organisation": "Type d'organisation",
    # projects
    "nom_projet": "Nom du projet",
    "code_projet": "Code du projet",
    "quartiers": "Quartiers",
    "operations": "Opérations",
    "partenaire": "Partenaire",
    "nouveaux_quartiers": "Nouveaux quartiers",
    "nouvelles_operations": "Nouvelles opérations",
    "delai_heures": "Délai d'opposition",
    "jours_ouvres": "Délai en jours ouvrés",
    "offres_max": "Nombre légal d'offres",
    "convention_rav": "Convention de reste-à-vivre",
    "seuil_rav": "Seuil de fragilité",
    "du": "Du",
    "au": "Au",
    "heure": "Heure",
    # lists, filters, reports, imports
    "recherche": "Recherche",
    "statut": "État",
    "etat": "Propositions",
    "loyer_max": "Loyer maximum",
    "afficher": "Afficher",
    "semestre": "Semestre",
    "convention": "Calcul du reste-à-vivre",
    "seuil": "Seuil de fragilité",
    "baisse": "Forte baisse",
    "liste": "Ménages",
    "fichier": "Fichier",
    "page": "Page",
}


def field_label(name: str) -> str:
    """The French label of a form field (its name if it has none)."""
    return FIELD_LABELS.get(name, name)


def field_error(name: str, message: str) -> str:
    """An error as the form's summary lists it: "Loyer principal : ce champ est obligatoire."

    The message's first letter is lowered, unless it starts an acronym ("APL …").
    """
    label = FIELD_LABELS.get(name)
    if not label or not message:
        return message
    if not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    return f"{label} : {message}"


class FormErrors(Exception):
    """Every problem of one form (or one imported row): {field: French message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k} : {v}" for k, v in errors.items()))
        self.errors = errors


# A choice error lists the expected values only for short lists (not ids).
MAX_LISTED_CHOICES = 8


class Reader:
    """Reads fields of one form or row, collecting errors instead of stopping at the first."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        return "" if value is None else str(value).strip()

    def _read(self, name: str, parse: Callable[[str], T], required: bool, default: T) -> T:
        text = self.raw(name)
        if not text:
            if required:
                self.errors[name] = "Ce champ est obligatoire."
            return default
        try:
            return parse(text)
        except ValueError as error:
            self.errors[name] = str(error)
            return default

    def text(
        self, name: str, required: bool = False, max_length: int = 500, *, multiline: bool = False
    ) -> str:
        """Typed text: at most ``max_length`` characters, no control character (tab and
        line breaks only if ``multiline``: a text area)."""

        def parse(text: str) -> str:
            if len(text) > max_length:
                raise ValueError(f"Texte trop long ({max_length} caractères au maximum).")
            try:
                return check_text(name, text, label=field_label(name), multiline=multiline)
            except InvalidValue as error:
                raise ValueError(error.message) from None

        return self._read(name, parse, required, "")

    def cents(self, name: str, required: bool = False) -> int:
        return self._read(name, parse_cents, required, 0)

    def integer(self, name: str, required: bool = False, default: int = 0, low: int | None = None, high: int | None = None) -> int:
        def parse(text: str) -> int:
            value = parse_int(text)
            if low is not None and value < low or high is not None and value > high:
                raise ValueError(f"Valeur attendue entre {low} et {high}.")
            return value

        return self._read(name, parse, required, default)

    def optional_int(self, name: str, low: int, high: int) -> int | None:
        def parse(text: str) -> int | None:
            value = parse_int(text)
            if not low <= value <= high:
                raise ValueError(f"Valeur attendue entre {low} et {high}.")
            return value

        return self._read(name, parse, False, None)

    def decimal(self, name: str, required: bool = False) -> Decimal:
        return self._read(name, parse_decimal, required, Decimal(0))

    def boolean(self, name: str) -> bool:
        return self._read(name, parse_bool, False, False)

    def day(self, name: str, required: bool = False) -> date | None:
        return self._read(name, parse_date, required, None)

    def choice(
        self,
        name: str,
        choices: Mapping[str, str] | tuple[str, ...],
        required: bool = True,
        default: str = "",
        invalid: str | None = None,
    ) -> str:
        """One of ``choices`` (case-insensitive); ``invalid``: the message for anything else."""

        def parse(text: str) -> str:
            for key in choices:
                if key.lower() == text.lower():
                    return key
            if invalid:
                raise ValueError(invalid)
            if len(choices) > MAX_LISTED_CHOICES:  # ids, long lists: listing them helps no one
                raise ValueError("Choix invalide : cette valeur ne figure pas dans la liste proposée.")
            raise ValueError("Choix invalide (attendu : " + ", ".join(choices) + ").")

        return self._read(name, parse, required, default)

    def ages(self, name: str, required: bool = True) -> tuple[int, ...]:
        return self._read(name, parse_ages, required, ())

    def words(self, name: str) -> tuple[str, ...]:
        return tuple(w.strip() for w in re.split(r"[;,]", self.raw(name)) if w.strip())

    def uuid(self, name: str, required: bool = True) -> UUID | None:
        return self._read(name, parse_uuid, required, None)

    def check(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)

    def domain(self, build: Callable[[], T]) -> T | None:
        """Run a value constructor; its InvalidValue becomes a field error."""
        try:
            return build()
        except InvalidValue as error:
            self.errors[DOMAIN_FIELDS.get(error.field, error.field)] = error.message
        except DomainError as error:
            self.errors["__all__"] = error.message
        return None


def parse_cents(text: str) -> int:
    """"1 234,56 €" / "1234.56" / "450" → cents. Two decimals at most, not negative."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")  # 1.234,56
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError(f"Montant invalide « {text} » (exemple : 1 234,56).")
    value = int((Decimal(cleaned) * 100).to_integral_value())
    if value > 10_000_000_00:
        raise ValueError(f"Montant invraisemblable « {text} ».")
    return value


def parse_decimal(text: str) -> Decimal:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"Nombre invalide « {text} ».") from None
    if not value.is_finite():
        raise ValueError(f"Nombre invalide « {text} ».")
    return value


def parse_int(text: str) -> int:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not re.fullmatch(r"-?\d{1,9}", cleaned):
        raise ValueError(f"Nombre entier invalide « {text} ».")
    return int(cleaned)


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError(f"Valeur invalide « {text} » (attendu : oui ou non).")


def parse_date(text: str) -> date:
    """jj/mm/aaaa (French) or aaaa-mm-jj (HTML date inputs, spreadsheets), from 01/01/2000."""
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    day = None
    try:
        if m:
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]):
            day = date.fromisoformat(text[:10])
    except ValueError:
        pass
    if day is None:
        raise ValueError(f"Date invalide « {text} » (format attendu : jj/mm/aaaa).")
    if day < FIRST_DAY:
        raise ValueError(
            f"Date invraisemblable « {text} » : aucune date antérieure au {day_fr(FIRST_DAY)}."
        )
    return day


def parse_ages(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[;,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("Indiquez l'âge de chaque personne (exemple : 38; 36; 9).")
    ages = []
    for part in parts:
        if not part.isdigit() or int(part) > 120:
            raise ValueError(f"Âge invalide « {part} » (exemple : 38; 36; 9).")
        ages.append(int(part))
    return tuple(ages)


def parse_uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ValueError("Identifiant invalide.") from None


def uuid_or_404(text: str) -> UUID:
    """Path parameters: a malformed id is a page that does not exist."""
    from flask import abort

    try:
        return UUID(text)
    except ValueError:
        abort(404)


# -- domain values ----------------------------------------------------------
def read_dwelling(
    data: Mapping[str, Any], current_year: int | None = None
) -> tuple[Dwelling, str]:
    """An offered dwelling and its réservataire, from a form or an imported row.

    With ``current_year`` (the clock's Paris year) the offer's plausibility rules
    (``Dwelling.check_offered``) are checked here too, per field; the use case
    checks them anyway.
    """
    r = Reader(data)
    typology = r.choice("typologie", TYPOLOGIES)
    surface = r.decimal("surface", required=True)
    rent = r.cents("loyer", required=True)
    charges = r.cents("charges", required=True)
    annex = r.cents("annexes")
    commune = r.text("commune", required=True, max_length=120)
    quartier = r.text("quartier", max_length=120)
    address = r.text("adresse", required=True, max_length=300)
    qpv = r.boolean("qpv")
    financing = r.choice("financement", FINANCINGS, required=False, default="PLUS")
    year = r.integer("annee", required=True, low=1800, high=2100)
    individual = r.boolean("individuel")
    floor = r.integer("etage", low=0, high=60)
    lift = r.boolean("ascenseur")
    accessible = r.boolean("accessible")
    reservataire = r.text("reservataire", max_length=200)
    r.check()
    dwelling = r.domain(
        lambda: Dwelling(
            typology=typology,
            surface_m2=surface,
            rent_cents=rent,
            charges_cents=charges,
            annex_rent_cents=annex,
            quartier=quartier,
            qpv=qpv,
            commune=commune,
            address=address,
            financing=financing,
            construction_year=year,
            individual=individual,
            floor=floor,
            lift=lift,
            accessible=accessible,
        )
    )
    if dwelling is not None and current_year is not None:
        r.domain(lambda: dwelling.check_offered(current_year))
    r.check()
    assert dwelling is not None
    return dwelling, reservataire


def read_situation(data: Mapping[str, Any]) -> Situation:
    """Composition, resources and current dwelling (location comes from the operation)."""
    r = Reader(data)
    ages = r.ages("ages")
    resources = r.cents("ressources", required=True)
    apl = r.cents("apl")
    quartile = r.optional_int("quartile", 1, 4)
    typology = r.choice("typologie", TYPOLOGIES)
    surface = r.decimal("surface", required=True)
    rent = r.cents("loyer", required=True)
    charges = r.cents("charges", required=True)
    annex = r.cents("annexes")
    commune = r.text("commune", max_length=120)
    r.check()
    situation = r.domain(
        lambda: Situation(
            ages=ages,
            resources_cents=resources,
            apl_cents=apl,
            income_quartile=quartile,
            dwelling=Dwelling(typology, surface, rent, charges, annex_rent_cents=annex, commune=commune),
        )
    )
    r.check()
    assert situation is not None
    return situation


def read_personal(data: Mapping[str, Any]) -> PersonalData:
    r = Reader(data)
    name = r.text("nom", required=True, max_length=200)
    phone = r.text("telephone", max_length=40)
    email = r.text("email", max_length=200)
    address = r.text("adresse_actuelle", max_length=300)
    notes = r.text("notes", max_length=4000, multiline=True)
    constraints = r.text("contraintes", max_length=2000, multiline=True)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        r.errors["email"] = f"Adresse électronique invalide « {email} »."
    r.check()
    personal = r.domain(
        lambda: PersonalData(
            name=name, phone=phone, email=email, address=address, notes=notes, constraints=constraints
        )
    )
    r.check()
    assert personal is not None
    return personal


def read_wishes(data: Mapping[str, Any]) -> Wishes:
    r = Reader(data)
    communes = r.words("souhait_communes")
    typologies = r.words("souhait_typologies")
    for t in typologies:
        if t.upper() not in TYPOLOGIES:
            r.errors["souhait_typologies"] = f"Typologie inconnue « {t} » (attendu : T1 à T6)."
    individual_text = r.raw("souhait_individuel")
    individual: bool | None = None
    if individual_text in ("individuel", "collectif"):
        individual = individual_text == "individuel"
    elif individual_text not in ("", "indifferent"):
        r.errors["souhait_individuel"] = "Choix invalide."
    max_floor = r.optional_int("souhait_etage_max", -3, 60)
    lift = r.boolean("souhait_ascenseur")
    accessible = r.boolean("souhait_accessible")
    back = r.boolean("droit_au_retour")
    r.check()
    wishes = r.domain(
        lambda: Wishes(
            communes=communes,
            typologies=tuple(t.upper() for t in typologies),
            individual=individual,
            max_floor=max_floor,
            needs_lift=lift,
            needs_accessible=accessible,
            right_to_return=back,
        )
    )
    r.check()
    assert wishes is not None
    return wishes


# -- projects -------------------------------------------------------------------

OPERATION_KINDS = {
    "demolition": "Démolition",
    "rehabilitation": "Réhabilitation lourde",
    "restructuration": "Restructuration lourde",
}
RAV_CONVENTIONS = {"personne": "par personne et par jour", "uc": "par unité de consommation et par jour"}
_KIND_WORDS = {
    **{k: k for k in OPERATION_KINDS},
    "démolition": "demolition", "réhabilitation": "rehabilitation", "réhabilitation lourde": "rehabilitation",
    "rehabilitation lourde": "rehabilitation", "restructuration lourde": "restructuration",
}
MAX_PROJECT_LINES = 100


def _lines(r: Reader, name: str, parts: int, shape: str) -> list[list[str]]:
    """Lines of a text area, ";" or tab separated (pasted from a spreadsheet), ``parts`` each."""
    out: list[list[str]] = []
    lines = [line for line in r.raw(name).splitlines() if line.strip()]
    if len(lines) > MAX_PROJECT_LINES:
        r.errors[name] = f"Au plus {MAX_PROJECT_LINES} lignes."
        return []
    for number, line in enumerate(lines, 1):
        cells = [c.strip() for c in re.split(r"[;\t]", line)]
        if len(cells) != parts or not all(cells):
            r.errors[name] = f"Ligne {number} : {parts} éléments attendus ({shape}), lu « {line.strip()[:80]} »."
            return []
        if any(len(c) > 120 for c in cells):
            r.errors[name] = f"Ligne {number} : un élément dépasse 120 caractères."
            return []
        out.append(cells)
    return out


def read_quartiers(r: Reader, name: str, required: bool = True) -> list[dict]:
    """"code ; nom ; commune ; QPV (oui / non)" per line."""
    quartiers = []
    for code, label, commune, qpv in _lines(r, name, 4, "code ; nom ; commune ; QPV oui ou non"):
        try:
            flag = parse_bool(qpv)
        except ValueError:
            r.errors[name] = f"Quartier {code} : QPV « {qpv} » ? (attendu : oui ou non)."
            return []
        quartiers.append({"code": code, "name": label, "commune": commune, "qpv": flag})
    if not quartiers and required and name not in r.errors:
        r.errors[name] = "Indiquez au moins un quartier."
    elif len({q["code"] for q in quartiers}) != len(quartiers):
        r.errors[name] = "Un code de quartier figure deux fois."
    return quartiers


def read_operations(r: Reader, name: str, quartiers: set[str]) -> list[dict]:
    """"code ; nom ; nature (démolition, réhabilitation, restructuration) ; code du quartier"."""
    operations = []
    shape = "code ; nom ; nature ; code du quartier"
    for code, label, kind, quartier in _lines(r, name, 4, shape):
        nature = _KIND_WORDS.get(kind.lower())
        if nature is None:
            r.errors[name] = f"Opération {code} : nature « {kind} » ? (démolition, réhabilitation ou restructuration)."
            return []
        if quartiers and quartier not in quartiers:
            r.errors[name] = f"Opération {code} : quartier « {quartier} » absent de la liste des quartiers."
            return []
        operations.append({"code": code, "name": label, "kind": nature, "quartier": quartier})
    if not operations and name not in r.errors:
        r.errors[name] = "Indiquez au moins une opération (elle rattache les ménages à reloger)."
    elif len({o["code"] for o in operations}) != len(operations):
        r.errors[name] = "Un code d'opération figure deux fois."
    return operations


def read_settings(r: Reader) -> dict:
    """The relocation settings of a project (domain.md: 48 h window, 3 offers, convention)."""
    hours = r.integer("delai_heures", required=True, low=1, high=720)
    working_days = r.boolean("jours_ouvres")
    offers = r.choice("offres_max", {"2": "2", "3": "3"})
    convention = r.choice("convention_rav", RAV_CONVENTIONS)
    threshold = r.decimal("seuil_rav", required=True)
    if "seuil_rav" not in r.errors and not Decimal(0) < threshold <= Decimal(100):
        r.errors["seuil_rav"] = "Seuil entre 0 et 100 € par jour."
    return {
        "objection_window_hours": hours,
        "working_days_only": working_days,
        "max_proposals": int(offers or 3),
        "rav_convention": convention,
        "rav_threshold": str(threshold.quantize(Decimal("0.01"))) if "seuil_rav" not in r.errors else "6.00",
    }


def read_offer(data: Mapping[str, Any], current_year: int | None = None) -> tuple[Dwelling, str, date | None]:
    """An offer (form or import row): its dwelling, réservataire and the last day it is
    reserved for the relocations (optional), every error at once."""
    r = Reader(data)
    until = r.day("disponible_jusqu_au")
    try:
        dwelling, reservataire = read_dwelling(data, current_year=current_year)
    except FormErrors as errors:
        raise FormErrors({**errors.errors, **r.errors}) from None
    r.check()
    return dwelling, reservataire, until
