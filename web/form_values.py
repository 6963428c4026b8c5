"""Domain values read from a form or an imported row: dwellings, situations, personal
data, wishes, offers, and a project's quartiers, operations and settings.

Built on :class:`relogement.web.parsing.Reader` (per-field French errors, all at once);
nothing here raises anything but ``FormErrors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from relogement.platform.project import DEFAULT_CHARTER_TEXT, DEFAULT_SETTINGS, MAX_CHARTER_LENGTH
from relogement.platform.values import (
    FINANCINGS,
    TYPOLOGIES,
    Dwelling,
    PersonalData,
    Situation,
    Wishes,
)
from relogement.web.parsing import FormErrors, Reader, parse_bool


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
    residence = r.text("residence", max_length=30)
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
            residence=residence,
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
    residence = r.text("residence", max_length=30)
    in_work = r.optional_int("adultes_en_emploi", 0, 20)
    r.check()
    situation = r.domain(
        lambda: Situation(
            ages=ages,
            resources_cents=resources,
            apl_cents=apl,
            income_quartile=quartile,
            adults_in_work=in_work,
            dwelling=Dwelling(
                typology, surface, rent, charges, annex_rent_cents=annex, commune=commune,
                residence=residence,
            ),
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
    """The relocation settings of a project (domain.md: 48 h window, 3 offers, convention;
    the proposal letter's answer delay and charter text). The effort-rate ceiling
    (``max_effort_rate``, field ``taux_effort_max``) is read with the ranking's settings."""
    hours = r.integer("delai_heures", required=True, low=1, high=720)
    working_days = r.boolean("jours_ouvres")
    offers = r.choice("offres_max", {"2": "2", "3": "3"})
    convention = r.choice("convention_rav", RAV_CONVENTIONS)
    threshold = r.decimal("seuil_rav", required=True)
    if "seuil_rav" not in r.errors and not Decimal(0) < threshold <= Decimal(100):
        r.errors["seuil_rav"] = "Seuil entre 0 et 100 € par jour."
    answer_days = r.integer("delai_reponse_jours", default=DEFAULT_SETTINGS["answer_days"], low=1, high=60)
    charter = r.text("charte_relogement", max_length=MAX_CHARTER_LENGTH, multiline=True)
    return {
        "objection_window_hours": hours,
        "working_days_only": working_days,
        "max_proposals": int(offers or 3),
        "rav_convention": convention,
        "rav_threshold": str(threshold.quantize(Decimal("0.01"))) if "seuil_rav" not in r.errors else "6.00",
        "answer_days": answer_days or DEFAULT_SETTINGS["answer_days"],
        "charter_text": charter.strip() or DEFAULT_CHARTER_TEXT,
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
