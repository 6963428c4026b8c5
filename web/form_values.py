"""Domain values read from a form or an imported row: dwellings, situations, personal
data, wishes, offers, and a project's quartiers, operations and settings.

Built on :class:`relogement.web.parsing.Reader` (per-field French errors, all at once);
nothing here raises anything but ``FormErrors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from relogement.platform.command_checks import _check_available_until
from relogement.platform.energy import DPE_LABELS
from relogement.platform.errors import raise_all
from relogement.platform.project import DEFAULT_CHARTER_TEXT, DEFAULT_SETTINGS, MAX_CHARTER_LENGTH
from relogement.platform.quartier_match import check_qpv_flag, match_quartier, quartier_label
from relogement.platform.values import (
    FINANCINGS,
    TYPOLOGIES,
    Dwelling,
    PersonalData,
    Situation,
    Wishes,
    offered_problems,
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
    energy = read_energy(r)
    # No check here: the value's own rules run on what parsed, so format, plausibility
    # and domain errors show together (Reader.domain keeps each field's first error).
    residence = r.text("residence", max_length=30)
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
            **energy,
            residence=residence,
        )
    )
    if current_year is not None:  # checked on what parsed, even if the dwelling did not
        r.domain(lambda: raise_all(offered_problems(rent, floor, year, current_year)))
    r.check()
    assert dwelling is not None
    return dwelling, reservataire


HEATING_CHOICES = {"collectif": "collectif", "individuel_gaz": "individuel_gaz",
                   "individuel_electricite": "individuel_electricite", "individuel_autre": "individuel_autre"}


def read_energy(r: Reader) -> dict:
    """The optional energy fields of a dwelling (DPE label, heating, DPE cost range)."""
    label = r.choice("dpe", {k: k for k in DPE_LABELS}, required=False).upper()
    heating = r.choice("chauffage", HEATING_CHOICES, required=False)
    low = r.optional_int("energie_min", 0, 20_000)
    high = r.optional_int("energie_max", 0, 20_000)
    return {"dpe_label": label, "heating": heating, "energy_cost_min_euros": low, "energy_cost_max_euros": high}


def energy_form(d: Mapping[str, Any]) -> dict:
    """The energy fields of a stored dwelling, as the form shows them."""
    low, high = d.get("energy_cost_min_euros"), d.get("energy_cost_max_euros")
    return {"dpe": d.get("dpe_label", ""), "chauffage": d.get("heating", ""),
            "energie_min": "" if low is None else low, "energie_max": "" if high is None else high}


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
    energy = read_energy(r)
    residence = r.text("residence", max_length=30)
    in_work = r.optional_int("adultes_en_emploi", 0, 20)
    dwelling = r.domain(lambda: Dwelling(
        typology, surface, rent, charges, annex_rent_cents=annex, commune=commune, residence=residence, **energy
    ))
    # The composition and amounts are checked even if the dwelling is not (all at once).
    situation = r.domain(
        lambda: Situation(
            ages=ages,
            resources_cents=resources,
            apl_cents=apl,
            income_quartile=quartile,
            adults_in_work=in_work,
            dwelling=dwelling or Dwelling("T1", Decimal(1), 0, 0),
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
        r.errors["email"] = f"Adresse électronique invalide « {email} » (exemple : nom@exemple.fr)."
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
        r.errors["souhait_individuel"] = "Choix invalide (attendu : individuel, collectif ou indifférent)."
    max_floor = r.optional_int("souhait_etage_max", -3, 60)
    lift = r.boolean("souhait_ascenseur")
    accessible = r.boolean("souhait_accessible")
    back = r.boolean("droit_au_retour")
    wishes = r.domain(
        lambda: Wishes(
            communes=communes,
            typologies=tuple(t.upper() for t in typologies if t.upper() in TYPOLOGIES),
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


def _add(r: Reader, name: str, message: str) -> None:
    """One more error of a text area: every bad line is listed, not the first only."""
    r.errors[name] = f"{r.errors[name]} {message}" if name in r.errors else message


def _lines(r: Reader, name: str, parts: int, shape: str) -> list[list[str]]:
    """Lines of a text area, ";" or tab separated (pasted from a spreadsheet), ``parts`` each;
    every bad line is reported (the good ones are returned)."""
    out: list[list[str]] = []
    lines = [line for line in r.raw(name).splitlines() if line.strip()]
    if len(lines) > MAX_PROJECT_LINES:
        r.errors[name] = f"Au plus {MAX_PROJECT_LINES} lignes."
        return []
    for number, line in enumerate(lines, 1):
        cells = [c.strip() for c in re.split(r"[;\t]", line)]
        if len(cells) != parts or not all(cells):
            _add(r, name, f"Ligne {number} : {parts} éléments attendus ({shape}), lu « {line.strip()[:80]} ».")
        elif any(len(c) > 120 for c in cells):
            _add(r, name, f"Ligne {number} : un élément dépasse 120 caractères.")
        else:
            out.append(cells)
    return out


def read_quartiers(r: Reader, name: str, required: bool = True) -> list[dict]:
    """"code ; nom ; commune ; QPV (oui / non)" per line."""
    quartiers = []
    for code, label, commune, qpv in _lines(r, name, 4, "code ; nom ; commune ; QPV oui ou non"):
        try:
            flag = parse_bool(qpv)
        except ValueError:
            _add(r, name, f"Quartier {code} : QPV « {qpv} » ? (attendu : oui ou non).")
            continue
        quartiers.append({"code": code, "name": label, "commune": commune, "qpv": flag})
    if not quartiers and required and name not in r.errors:
        r.errors[name] = "Indiquez au moins un quartier."
    elif len({q["code"] for q in quartiers}) != len(quartiers):
        _add(r, name, "Un code de quartier figure deux fois.")
    return quartiers


def read_operations(r: Reader, name: str, quartiers: set[str]) -> list[dict]:
    """"code ; nom ; nature (démolition, réhabilitation, restructuration) ; code du quartier"."""
    operations = []
    shape = "code ; nom ; nature ; code du quartier"
    for code, label, kind, quartier in _lines(r, name, 4, shape):
        nature = _KIND_WORDS.get(kind.lower())
        if nature is None:
            _add(r, name, f"Opération {code} : nature « {kind} » ? (démolition, réhabilitation ou restructuration).")
            continue
        if quartiers and quartier not in quartiers:
            _add(r, name, f"Opération {code} : quartier « {quartier} » absent de la liste des quartiers.")
            continue
        operations.append({"code": code, "name": label, "kind": nature, "quartier": quartier})
    if not operations and name not in r.errors:
        r.errors[name] = "Indiquez au moins une opération (elle rattache les ménages à reloger)."
    elif len({o["code"] for o in operations}) != len(operations):
        _add(r, name, "Un code d'opération figure deux fois.")
    return operations


def _follow_up_months(r: Reader) -> list[int]:
    """« 6, 12 » (blank: 6 and 12): the months after move-in a follow-up measure is due."""
    text = r.text("suivi_mois", max_length=60)
    if not text.strip():
        return [6, 12]
    try:
        months = [int(part) for part in text.replace(";", ",").replace(" et ", ",").split(",") if part.strip()]
    except ValueError:
        months = []
    if not months or len(months) > 6 or any(not 1 <= m <= 120 for m in months) or months != sorted(set(months)):
        r.errors["suivi_mois"] = "De 1 à 6 nombres croissants de 1 à 120, séparés par des virgules (par exemple « 6, 12 »)."
        return [6, 12]
    return months


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
    # Issue 21: which cost the reste-à-vivre uses, and the energy-inclusive rise counted.
    rav_cost = r.choice("cout_rav", {"standard": "standard", "energie": "energie"}, required=False, default="standard")
    rise = r.decimal("seuil_hausse_energie") if (r.data.get("seuil_hausse_energie") or "").strip() else Decimal(30)
    if "seuil_hausse_energie" not in r.errors and not Decimal(0) <= rise <= Decimal(1000):
        r.errors["seuil_hausse_energie"] = "Seuil de hausse entre 0 et 1 000 € par mois."
    reminder = r.integer("relance_jours", default=15, low=1, high=365)
    blocked = r.integer("bloque_jours", default=90, low=1, high=3650)
    months = _follow_up_months(r)
    answer_days = r.integer("delai_reponse_jours", default=DEFAULT_SETTINGS["answer_days"], low=1, high=60)
    charter = r.text("charte_relogement", max_length=MAX_CHARTER_LENGTH, multiline=True)
    settings = {
        "answer_reminder_days": reminder,
        "blocked_days": blocked,
        "follow_up_months": months,
        "rav_cost": rav_cost or "standard",
        "energy_rise_threshold": str(rise.quantize(Decimal("0.01"))) if "seuil_hausse_energie" not in r.errors else "30.00",
        "objection_window_hours": hours,
        "working_days_only": working_days,
        "max_proposals": int(offers or 3),
        "rav_convention": convention,
        "rav_threshold": str(threshold.quantize(Decimal("0.01"))) if "seuil_rav" not in r.errors else "6.00",
        "answer_days": answer_days or DEFAULT_SETTINGS["answer_days"],
        "charter_text": charter.strip() or DEFAULT_CHARTER_TEXT,
    }
    return {**settings, **_read_matching_settings(r)}


def _read_matching_settings(r: Reader) -> dict:
    """The ranking's settings (platform/matching.py), when the form has them: the maximum
    effort rate (empty: none) and each criterion's weight (empty: its default)."""
    from relogement.platform.matching import default_weights

    out: dict = {}
    if "taux_effort_max" in r.data:
        cap = r.decimal("taux_effort_max")
        if r.raw("taux_effort_max") and "taux_effort_max" not in r.errors and not Decimal(0) < cap <= Decimal(100):
            r.errors["taux_effort_max"] = "Taux entre 0 et 100 %."
        out["max_effort_rate"] = str(cap.quantize(Decimal("0.01"))) if r.raw("taux_effort_max") and \
            "taux_effort_max" not in r.errors else None
    weights = {}
    for code, default in default_weights().items():
        name = f"poids_{code}"
        if name in r.data:
            weights[code] = r.integer(name, default=default, low=0, high=100)
    if weights:
        out["matching_weights"] = weights
    return out


def read_offer(
    data: Mapping[str, Any],
    current_year: int | None = None,
    *,
    today: date | None = None,
    quartiers: Sequence[dict] | None = None,
    form: bool = True,
) -> tuple[Dwelling, str, date | None]:
    """An offer (form or import row): its dwelling, réservataire and the last day it is
    reserved for the relocations (optional), every error at once: format, plausibility
    (``current_year``), the reservation's date (``today``) and the quartier (``quartiers``:
    the project's, see ``resolve_quartier``; ``form``: a form's unchecked QPV box, not a
    file's "non", so it never contradicts the project)."""
    r = Reader(data)
    until = r.day("disponible_jusqu_au")
    dwelling = reservataire = None
    try:
        dwelling, reservataire = read_dwelling(data, current_year=current_year)
    except FormErrors as caught:
        r.errors.update(caught.errors)
    if until is not None and today is not None:
        r.domain(lambda: _check_available_until(until, today))
    if quartiers is not None:
        dwelling = resolve_quartier(r, quartiers, dwelling, form=form)
    r.check()
    assert dwelling is not None and reservataire is not None
    return dwelling, reservataire, until


# The checkbox (and import column) that confirms a quartier outside the project.
OUTSIDE_QUARTIER = "quartier_hors_projet"


def resolve_quartier(
    r: Reader, quartiers: Sequence[dict], dwelling: Dwelling | None, *, form: bool = True
) -> Dwelling | None:
    """The offer's quartier against the project's (platform/quartier_match.py):

    - one of the project's (code or name, any case, accents or dashes): its code, and its
      QPV flag set from the project (a file's explicit contrary flag is refused);
    - close to one of them: "vouliez-vous dire … ?", unless confirmed outside the project;
    - another quartier: created only once ``quartier_hors_projet`` confirms it.
    """
    typed = r.raw("quartier")
    if not typed or "quartier" in r.errors:
        return dwelling
    match = match_quartier(quartiers, typed)
    if match.exact is not None:
        q = match.exact
        stated = r.raw("qpv")
        if not form and stated and "qpv" not in r.errors:
            r.domain(lambda: check_qpv_flag(q, parse_bool(stated)))  # a file's explicit flag
        return replace(dwelling, quartier=q["code"], qpv=bool(q["qpv"])) if dwelling else None
    confirmed = r.boolean(OUTSIDE_QUARTIER)
    if confirmed:
        return dwelling
    confirm = (
        "cochez « Quartier hors du projet »" if form else f"indiquez « oui » dans la colonne {OUTSIDE_QUARTIER}"
    )
    if match.near:
        names = " ou ".join(quartier_label(q) for q in match.near)
        r.errors["quartier"] = (
            f"Vouliez-vous dire {names} ? « {typed} » n'est pas un quartier du projet : saisissez "
            f"celui du projet (son code ou son nom) ; s'il s'agit bien d'un autre quartier, {confirm}."
        )
    else:
        r.errors["quartier"] = (
            f"Le quartier « {typed} » n'est pas un quartier du projet : choisissez-en un dans la liste, "
            f"ou, pour créer ce quartier hors du projet, {confirm}."
        )
    return dwelling
