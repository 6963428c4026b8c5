"""Value types of the domain, validated on construction, stored as plain dicts.

Events hold plain dicts (JSON-friendly, integer cents, Decimal as text) so that
old events stay readable whatever these classes become; these classes are the
typed, validated view used by commands.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from relogement.platform.energy import check_energy
from relogement.platform.errors import InvalidValue, raise_all
from relogement.platform.indicators import HousingCost, typology_rooms
from relogement.platform.text_checks import (  # noqa: F401 - re-exported: the callers' one place
    _CONTROL,
    TEXT_LABELS,
    check_recorded_text,
    check_text,
    check_texts,
    control_character,
)

TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5", "T6")
FINANCINGS = ("PLAI", "PLUS", "PLS", "PLI", "autre")
REFUSAL_MOTIVES = {
    "localisation": "Localisation",
    "typologie": "Typologie / taille du logement",
    "loyer": "Loyer / reste à charge",
    "etat": "État du logement",
    "ecole": "Scolarité des enfants",
    "sante": "Santé / accessibilité",
    "voisinage": "Voisinage / environnement",
    "autre": "Autre motif (préciser)",
}
# Why an officer sets an offer aside for a household ("écartée"; codes stored in
# OfferSetAside). The first ones match the ranking's hard limits.
SET_ASIDE_MOTIVES = {
    "sur_occupation": "Sur-occupation",
    "loyer": "Loyer / taux d'effort trop élevé",
    "localisation": "Localisation (commune, quartier)",
    "typologie": "Typologie / taille du logement",
    "accessibilite": "Étage, ascenseur ou accessibilité",
    "reservation": "Réservation échue ou logement indisponible",
    "souhaits": "Ne correspond pas aux souhaits du ménage",
    "autre": "Autre motif",
}
# What every page shows instead of an erased household's name (platform/privacy.py).
ERASED_NAME = "ménage effacé"

# The kinds of organisation taking part in a project (codes stored in events).
ORGANISATION_KINDS = {
    "bailleur": "Bailleur social",
    "ville": "Ville",
    "epci": "EPCI",
    "departement": "Département",
    "reservataire": "Réservataire",
    "mous": "Équipe relogement (MOUS)",
    "audit": "Organisme d'audit / d'évaluation",
}

CALEOL_DECISIONS = {
    "attribution": "Attribution accordée",
    "refus": "Attribution refusée",
    "ajournement": "Décision ajournée",
}

# Plausibility bounds of what people type (a typo must not become a fact).
FIRST_DAY = date(2000, 1, 1)  # no date of the platform's life is older
FIRST_CONSTRUCTION_YEAR = 1800
DELIVERY_YEARS_AHEAD = 5  # VEFA: an offered dwelling may be delivered a few years later
MAX_WISHED_COMMUNES = 20
MAX_COMMUNE_LENGTH = 80
PHONE_CHARACTERS = re.compile(r"\+?[0-9 .()-]+")
PHONE_DIGITS = (10, 15)

def day_fr(day: date) -> str:
    """jj/mm/aaaa, four-digit year even for year 1 (strftime would write "1")."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


# A move-in may be planned after the signing, but not beyond about a year.
MOVE_IN_MAX_DAYS_AFTER_SIGNING = 366


def check_move_in(move_in_date: date, signed_on: date) -> None:
    """The move-in: on or after the signing (it may be in the future), within about a year."""
    if move_in_date < signed_on:
        raise InvalidValue(
            "move_in_date", "L'entrée dans les lieux ne peut précéder la signature du bail."
        )
    if (move_in_date - signed_on).days > MOVE_IN_MAX_DAYS_AFTER_SIGNING:
        raise InvalidValue(
            "move_in_date",
            f"La date d'entrée dans les lieux ({day_fr(move_in_date)}) est à plus d'un an de la "
            f"signature du bail ({day_fr(signed_on)}).",
        )


def check_plausible_day(name: str, label: str, day: date) -> None:
    """A typed date is on or after 01/01/2000 (``label``: its French name, capitalised)."""
    if day < FIRST_DAY:
        raise InvalidValue(
            name,
            f"{label} ({day_fr(day)}) est invraisemblable : "
            f"aucune date antérieure au {day_fr(FIRST_DAY)} n'est acceptée.",
        )


# The French names of amounts (messages say which amount and what is expected).
AMOUNT_LABELS = {
    "rent_cents": "Le loyer principal",
    "charges_cents": "Les charges récupérables",
    "annex_rent_cents": "Les loyers annexes",
    "resources_cents": "Les ressources mensuelles",
    "apl_cents": "L'aide au logement",
}


def _cents(name: str, value: Any, *, allow_negative: bool = False) -> int:
    label = AMOUNT_LABELS.get(name, f"« {name} »")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(name, f"{label} doit être un montant en centimes (entier).")
    if value < 0 and not allow_negative:
        raise InvalidValue(name, f"{label} ne peut pas être négatif : le montant doit être positif ou nul.")
    if value > 10_000_000_00:
        raise InvalidValue(name, f"{label} est invraisemblablement élevé : au plus 10 000 000 €.")
    return value


def _problems(*checks: Any) -> list[InvalidValue]:
    """Run every check (a callable), each on its own field; the problems they raise, in
    order: a value reports all its bad fields at once, not the first only."""
    found: list[InvalidValue] = []
    for check in checks:
        try:
            check()
        except InvalidValue as problem:
            found.append(problem)
    return found


def _typology(value: str) -> str:
    text = str(value).strip().upper()
    if text not in TYPOLOGIES:
        raise InvalidValue("typology", f"Typologie inconnue « {value} » (attendu : T1 à T6).")
    typology_rooms(text)
    return text


def _surface(value: Any) -> Decimal:
    try:
        surface = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue("surface_m2", f"Surface invalide « {value} ».") from None
    if not surface.is_finite() or surface <= 0 or surface > 1000:
        shown = str(value).replace(".", ",")
        raise InvalidValue("surface_m2", f"Surface invalide « {shown} » : la surface doit être comprise entre 1 et 1 000 m².")
    return surface


def offered_problems(rent_cents: int, floor: int, construction_year: int, current_year: int) -> list[InvalidValue]:
    """The rules of an offered dwelling (``Dwelling.check_offered``) on its values, each
    on its own: a form checks them even when another field did not parse."""

    def rent_rule() -> None:
        if rent_cents <= 0:
            raise InvalidValue("rent_cents", "Le loyer principal d'un logement proposé doit être supérieur à 0 €.")

    def floor_rule() -> None:
        if floor < 0:
            raise InvalidValue("floor", f"Étage invalide « {floor} » : de 0 (rez-de-chaussée) à 60.")

    def year_rule() -> None:
        last_year = current_year + DELIVERY_YEARS_AHEAD
        if not FIRST_CONSTRUCTION_YEAR <= construction_year <= last_year:
            raise InvalidValue(
                "construction_year",
                f"Année de construction ou de livraison invraisemblable « {construction_year} » : "
                f"entre {FIRST_CONSTRUCTION_YEAR} et {last_year} (livraison en VEFA "
                f"jusqu'à {DELIVERY_YEARS_AHEAD} ans).",
            )

    return _problems(rent_rule, floor_rule, year_rule)


@dataclass(frozen=True)
class Dwelling:
    """A dwelling: the household's current one or an offered one."""

    typology: str
    surface_m2: Decimal
    rent_cents: int
    charges_cents: int
    annex_rent_cents: int = 0
    quartier: str = ""
    qpv: bool = False
    commune: str = ""
    address: str = ""
    financing: str = "PLUS"
    construction_year: int = 1970
    individual: bool = False
    floor: int = 0
    lift: bool = False
    accessible: bool = False
    # Energy (optional; platform/energy.py): DPE label, heating, DPE's yearly cost range (€).
    dpe_label: str = ""
    heating: str = ""
    energy_cost_min_euros: int | None = None
    energy_cost_max_euros: int | None = None
    # The bailleur's code of the residence the dwelling is in ("": not given). Stored only
    # when given, so dwellings recorded before residences existed read the same.
    residence: str = ""

    def __post_init__(self) -> None:
        def year() -> None:
            if not 1800 <= int(self.construction_year) <= 2100:
                raise InvalidValue(
                    "construction_year",
                    f"Année de construction invalide « {self.construction_year} » : entre 1800 et 2100.",
                )

        def floor() -> None:
            # Bounds wide enough to read every stored dwelling; an offer being published
            # or edited meets the stricter ``check_offered``.
            if not -3 <= int(self.floor) <= 60:
                raise InvalidValue("floor", f"Étage invalide « {self.floor} » : de -3 à 60.")

        def financing() -> None:
            if self.financing not in FINANCINGS:
                raise InvalidValue(
                    "financing", f"Financement inconnu « {self.financing} » (attendu : {', '.join(FINANCINGS)})."
                )

        def setter(name: str, check: Any) -> Any:
            return lambda: object.__setattr__(self, name, check(getattr(self, name)))

        raise_all(_problems(
            *(lambda name=name: check_text(name, getattr(self, name)) for name in ("quartier", "commune", "address", "residence")),
            setter("typology", _typology),
            setter("surface_m2", _surface),
            *(lambda name=name: _cents(name, getattr(self, name))
              for name in ("rent_cents", "charges_cents", "annex_rent_cents")),
            financing, year, floor, lambda: check_energy(self),
        ))

    def check_offered(self, current_year: int) -> None:
        """A dwelling a bailleur offers: a rent, a real floor, a plausible year.

        ``current_year``: the Paris year of the application's clock; a dwelling sold
        before completion (VEFA) may be delivered up to 5 years later.
        """
        raise_all(self.offered_problems(current_year))

    def offered_problems(self, current_year: int) -> list[InvalidValue]:
        """Every rule of ``check_offered`` the dwelling breaks (none: an empty list)."""
        return offered_problems(self.rent_cents, int(self.floor), int(self.construction_year), current_year)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["residence"] = data["residence"].strip()
        if not data["residence"]:
            del data["residence"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Dwelling:
        """A stored dwelling; text recorded before the control-character rule loses them."""
        return cls(**{k: _CONTROL.sub("", v) if isinstance(v, str) else v for k, v in data.items()})


@dataclass(frozen=True)
class Situation:
    """Composition, resources and current dwelling: what partners may see.

    The current dwelling has no address here: the home address is identity
    (``PersonalData.address``, sealed per household).
    """

    ages: tuple[int, ...]
    resources_cents: int
    apl_cents: int
    dwelling: Dwelling
    income_quartile: int | None = None
    # Adults of the household in work (None: not recorded); read by the residences'
    # "no adult in work" figure and the "priorité aux ménages en emploi" objective.
    adults_in_work: int | None = None

    def __post_init__(self) -> None:
        ages = tuple(int(a) for a in self.ages)
        object.__setattr__(self, "ages", ages)

        def composition() -> None:
            if not ages:
                raise InvalidValue("ages", "Le ménage doit compter au moins une personne.")
            if any(a < 0 or a > 120 for a in ages):
                raise InvalidValue("ages", "Âge invalide dans la composition du ménage : de 0 à 120 ans.")
            if not any(a >= 18 for a in ages):
                raise InvalidValue("ages", "Le ménage doit compter au moins un adulte (18 ans ou plus).")

        def address() -> None:
            if self.dwelling.address.strip():
                # Identity (the home address): sealed with PersonalData, never in clear.
                raise InvalidValue(
                    "adresse_actuelle",
                    "L'adresse du logement actuel est une donnée personnelle du ménage : elle se "
                    "saisit avec son identité (adresse actuelle), pas dans sa situation.",
                )

        def quartile() -> None:
            if self.income_quartile is not None and self.income_quartile not in (1, 2, 3, 4):
                raise InvalidValue("income_quartile", "Le quartile de revenus va de 1 à 4.")

        def in_work() -> None:
            if self.adults_in_work is not None and not 0 <= self.adults_in_work <= self.adults:
                raise InvalidValue(
                    "adults_in_work",
                    f"Adultes en emploi : de 0 au nombre d'adultes du ménage ({self.adults}).",
                )

        raise_all(_problems(
            composition, address, in_work,
            lambda: _cents("resources_cents", self.resources_cents),
            lambda: _cents("apl_cents", self.apl_cents),
            quartile,
        ))

    @property
    def adults(self) -> int:
        return sum(1 for a in self.ages if a >= 18)

    @property
    def children(self) -> int:
        return len(self.ages) - self.adults

    def housing_cost(self) -> HousingCost:
        return HousingCost(
            rent_cents=self.dwelling.rent_cents,
            annex_rent_cents=self.dwelling.annex_rent_cents,
            charges_cents=self.dwelling.charges_cents,
            apl_cents=self.apl_cents,
        )

    def to_dict(self) -> dict:
        return {
            "ages": list(self.ages),
            "adults": self.adults,
            "children": self.children,
            "resources_cents": self.resources_cents,
            "apl_cents": self.apl_cents,
            "income_quartile": self.income_quartile,
            # No "address" key at all: the clear parts of household events refuse it
            # (events.base.ClearOfIdentity).
            "dwelling": {k: v for k, v in self.dwelling.to_dict().items() if k != "address"},
            # Only when recorded: situations stored before it read the same.
            **({} if self.adults_in_work is None else {"adults_in_work": self.adults_in_work}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Situation:
        return cls(
            ages=tuple(data["ages"]),
            resources_cents=data["resources_cents"],
            apl_cents=data["apl_cents"],
            income_quartile=data.get("income_quartile"),
            adults_in_work=data.get("adults_in_work"),
            # Events stored before the identity guard may still carry the address.
            dwelling=Dwelling.from_dict({**data["dwelling"], "address": ""}),
        )


@dataclass(frozen=True)
class Wishes:
    communes: tuple[str, ...] = ()
    typologies: tuple[str, ...] = ()
    individual: bool | None = None
    max_floor: int | None = None
    needs_lift: bool = False
    needs_accessible: bool = False
    right_to_return: bool = False

    def __post_init__(self) -> None:
        communes = tuple(c.strip() for c in self.communes if c.strip())
        check_texts(communes, "communes")
        if len(communes) > MAX_WISHED_COMMUNES:
            raise InvalidValue(
                "communes",
                f"Trop de communes souhaitées ({len(communes)}) : {MAX_WISHED_COMMUNES} au maximum.",
            )
        for commune in communes:
            if len(commune) > MAX_COMMUNE_LENGTH:
                raise InvalidValue(
                    "communes",
                    f"Nom de commune trop long « {commune[:30]}… » "
                    f"({MAX_COMMUNE_LENGTH} caractères au maximum par commune).",
                )
        object.__setattr__(self, "communes", communes)
        object.__setattr__(self, "typologies", tuple(_typology(t) for t in self.typologies))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["communes"] = list(self.communes)
        data["typologies"] = list(self.typologies)
        return data


@dataclass(frozen=True)
class PersonalData:
    """Identity and free text: never shown to partners, sealed per household."""

    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    birth_dates: tuple[str, ...] = ()
    notes: str = ""
    constraints: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_text("name", self.name, label="nom du ménage")
        for name in ("phone", "email", "address"):
            check_text(name, getattr(self, name))
        check_texts(self.birth_dates, "birth_dates")
        for name in ("notes", "constraints"):
            check_text(name, getattr(self, name), multiline=True)
        check_texts(self.extra, "extra", multiline=True)
        if not self.name.strip():
            raise InvalidValue("name", "Le nom du ménage est obligatoire.")
        phone = self.phone.strip()
        object.__setattr__(self, "phone", phone)
        if phone:
            digits = sum(ch.isdigit() for ch in phone)
            low, high = PHONE_DIGITS
            if not PHONE_CHARACTERS.fullmatch(phone) or not low <= digits <= high:
                raise InvalidValue(
                    "phone",
                    f"Numéro de téléphone invalide « {phone[:40]} » : de {low} à {high} chiffres, "
                    "avec seulement des espaces, points, tirets, parenthèses et un « + » initial.",
                )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["birth_dates"] = list(self.birth_dates)
        return data
