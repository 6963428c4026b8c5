"""A small, hand-checkable programme: organisations, one project, a few households.

Used by the tests, by ``relogement demo --small`` and as the seed that the
realistic generator (``relogement.simulation.demo``) builds upon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from relogement.platform.application import Actor, RelocationApp
from relogement.platform.values import Dwelling, PersonalData, Situation, Wishes


@dataclass
class SampleWorld:
    """Ids and actors of the sample programme, by role."""

    app: RelocationApp
    orgs: dict[str, UUID] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    project_id: UUID | None = None

    def actor(self, code: str) -> Actor:
        return self.actors[code]


ORGANISATIONS = [
    # code, name, kind
    ("MEL", "Métropole Européenne de Lille", "epci"),
    ("VLS", "Ville de Lille", "ville"),
    ("DEP59", "Département du Nord", "departement"),
    ("ETAT", "Préfecture du Nord (contingent préfectoral)", "reservataire"),
    ("AL", "Action Logement Services", "reservataire"),
    ("MOUS", "MOUS relogement Lille Sud", "mous"),
    ("LMH", "Lille Métropole Habitat", "bailleur"),
    ("VCL", "Vilogia", "bailleur"),
    ("PDC", "Partenord Habitat", "bailleur"),
    ("ANRU", "Mission d'évaluation ANRU", "audit"),
]

QUARTIERS = [
    {"code": "LS-FAU", "name": "Faubourg de Béthune", "commune": "Lille", "qpv": True},
    {"code": "LS-MOU", "name": "Moulins", "commune": "Lille", "qpv": True},
    {"code": "LS-VAU", "name": "Vauban", "commune": "Lille", "qpv": False},
]

OPERATIONS = [
    {"code": "DEM-FAU-1", "name": "Démolition tour Mont-de-Terre", "kind": "demolition", "quartier": "LS-FAU"},
    {"code": "DEM-MOU-1", "name": "Démolition barre Arras", "kind": "demolition", "quartier": "LS-MOU"},
]


def build_world(app: RelocationApp, settings: dict | None = None) -> SampleWorld:
    world = SampleWorld(app=app)
    for code, name, kind in ORGANISATIONS:
        org_id = app.register_organisation(name, kind, code, by_user="admin")
        world.orgs[code] = org_id
        world.actors[code] = Actor(f"agent.{code.lower()}", org_id)
    mel = world.actor("MEL")
    world.project_id = app.create_project(
        "NPNRU Lille Sud", "LS", QUARTIERS, OPERATIONS, mel, settings=settings
    )
    for code, _, kind in ORGANISATIONS:
        if code != "MEL" and kind != "audit":  # auditors read, they are not partners
            app.add_partner(world.project_id, world.orgs[code], mel)
    return world


def situation(
    ages: tuple[int, ...] = (38, 36, 9, 5),
    resources_cents: int = 180_000,
    rent_cents: int = 42_000,
    charges_cents: int = 9_000,
    apl_cents: int = 21_000,
    typology: str = "T3",
    surface: str = "62",
    income_quartile: int | None = 1,
) -> Situation:
    return Situation(
        ages=ages,
        resources_cents=resources_cents,
        apl_cents=apl_cents,
        income_quartile=income_quartile,
        dwelling=Dwelling(typology, surface, rent_cents, charges_cents, commune="Lille"),
    )


def dwelling(
    typology: str = "T4",
    surface: str = "78",
    rent_cents: int = 48_000,
    charges_cents: int = 10_000,
    qpv: bool = False,
    quartier: str = "Lomme-Centre",
    commune: str = "Lomme",
    construction_year: int = 2023,
    individual: bool = False,
    financing: str = "PLUS",
    annex_rent_cents: int = 0,
) -> Dwelling:
    return Dwelling(
        typology,
        surface,
        rent_cents,
        charges_cents,
        annex_rent_cents=annex_rent_cents,
        quartier=quartier,
        qpv=qpv,
        commune=commune,
        address="12 rue des Tilleuls",
        financing=financing,
        construction_year=construction_year,
        individual=individual,
    )


def register(
    world: SampleWorld,
    bailleur: str = "LMH",
    operation: str = "DEM-FAU-1",
    name: str = "Famille Martin",
    **situation_kwargs,
) -> UUID:
    return world.app.register_household(
        world.project_id,
        operation,
        world.orgs[bailleur],
        situation(**situation_kwargs),
        PersonalData(name=name, phone="06 12 34 56 78", notes="Suivi social en cours."),
        world.actor(bailleur),
        wishes=Wishes(communes=("Lille", "Lomme"), typologies=("T3", "T4")),
    )
