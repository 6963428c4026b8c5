"""Use cases of residences: register, import an occupancy survey, note, objectives; and the
residence of a dwelling named by an offer or a household (known, or created on request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from relogement.platform import peuplement
from relogement.platform.actors import Actor
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.project import Project
from relogement.platform.residence import Residence, residence_id
from relogement.platform.values import Dwelling

FIRST_SURVEY_YEAR = 2000


@dataclass(frozen=True)
class NewResidence:
    """A residence to register (a form, or one row of an occupancy import)."""

    code: str
    name: str = ""
    address: str = ""
    commune: str = ""
    quartier: str = ""
    qpv: bool = False
    dwellings: int = 0


@dataclass(frozen=True)
class SurveyRow:
    """One row of an occupancy import: the residence, and its survey figures."""

    residence: NewResidence
    year: int
    households: int
    shares: dict[str, Decimal] = field(default_factory=dict)
    source: str = "OPS"


def _shares(shares: dict[str, Decimal]) -> dict[str, str]:
    return {figure: str(Decimal(shares[figure]).quantize(Decimal("0.1"))) for figure in peuplement.FIGURES}


class ResidenceCommands:
    """Residences. Mixed into ``RelocationApp`` (platform/application.py)."""

    def _residence_of(
        self, project: Project, bailleur_org: UUID, dwelling: Dwelling, create: bool, by: dict
    ) -> Residence | None:
        """The residence a dwelling names: None if it names none; a new one (not saved) when
        unknown and ``create``; unknown without ``create``: a domain error that asks."""
        code = dwelling.residence.strip()
        if not code:
            return None
        rid = residence_id(project.id, bailleur_org, code)
        if self._exists(rid):
            return None
        if not create:
            error = InvalidValue(
                "residence",
                f"Résidence « {code} » inconnue pour ce bailleur : confirmez sa création "
                "(case « créer la résidence ») ou corrigez le code.",
            )
            error.code = "unknown_residence"  # the form asks, then sends create_residence
            raise error
        quartier = dwelling.quartier
        return Residence.register(
            project_id=project.id, bailleur_org=bailleur_org, code=code, name=code,
            address=dwelling.address, commune=dwelling.commune, quartier=quartier,
            qpv=dwelling.qpv, dwellings=0, **by,
        )

    def residence(self, rid: UUID) -> Residence:
        return self._get(Residence, rid, "Résidence")

    def register_residence(self, project_id: UUID, row: NewResidence, actor: Actor) -> UUID:
        def use_case(at: datetime) -> UUID:
            project = self.project(project_id)
            self._check_partner(project, actor)
            self._check_kind(actor, ("bailleur",), "Seul un bailleur enregistre ses résidences.")
            residence = self._new_residence(project, row, actor)
            if self._exists(residence.id):
                raise DomainError("residence_taken", f"La résidence « {row.code} » existe déjà.")
            self.save(residence)
            return residence.id

        return self._run(use_case)

    def _new_residence(self, project: Project, row: NewResidence, actor: Actor) -> Residence:
        quartier, qpv = row.quartier.strip(), row.qpv
        for q in project.quartiers:
            if quartier and quartier.lower() in (q["code"].lower(), q["name"].lower()):
                quartier, qpv = q["code"], bool(q["qpv"])
        return Residence.register(
            project_id=project.id, bailleur_org=actor.org, code=row.code, name=row.name,
            address=row.address, commune=row.commune, quartier=quartier, qpv=qpv,
            dwellings=row.dwellings, **actor.by,
        )

    def import_occupancy(
        self, project_id: UUID, rows: list[SurveyRow], actor: Actor, file_name: str,
        create_missing: bool = False,
    ) -> tuple[UUID, list[str]]:
        """A bailleur's occupancy survey for its residences, all rows or none; one import id
        on every recorded fact. Returns the import id and the codes of residences created."""

        def use_case(at: datetime) -> tuple[UUID, list[str]]:
            project = self.project(project_id)
            self._check_partner(project, actor)
            self._check_kind(actor, ("bailleur",), "Seul un bailleur importe l'occupation de ses résidences.")
            import_id = uuid4()
            changed: dict[UUID, Residence] = {}
            created: list[str] = []
            last_year = at.year
            for row in rows:
                if not FIRST_SURVEY_YEAR <= row.year <= last_year:
                    raise InvalidValue("annee", f"Année d'enquête de {FIRST_SURVEY_YEAR} à {last_year}.")
                peuplement.check_survey(row.households, row.shares)
                rid = residence_id(project.id, actor.org, row.residence.code)
                residence = changed.get(rid)
                if residence is None and self._exists(rid):
                    residence = self.residence(rid)
                if residence is None:
                    if not create_missing:
                        raise DomainError(
                            "unknown_residence",
                            f"Résidence « {row.residence.code} » inconnue : cochez « créer les "
                            "résidences inconnues » pour la créer.",
                        )
                    residence = self._new_residence(project, row.residence, actor)
                    created.append(residence.code)
                residence.record_survey(
                    year=row.year, source=row.source.strip() or "OPS", households=row.households,
                    shares=_shares(row.shares), import_id=import_id, file_name=file_name[:200],
                    **actor.by,
                )
                changed[rid] = residence
            self.save(*changed.values())
            return import_id, created

        return self._run(use_case)

    def write_residence_note(self, rid: UUID, text: str, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            residence = self.residence(rid)
            project = self.project(residence.project_id)
            self._check_partner(project, actor)
            kind = self.organisation(actor.org).kind
            may = actor.org == residence.bailleur_org or kind == "ville"
            residence.write_note(text, may_write=may, **actor.by)
            self.save(residence)

        self._run(use_case)

    def set_residence_objectives(self, rid: UUID, objectives: list[dict], comment: str, actor: Actor) -> None:
        """The groupe de suivi's objectives: set by the project's pilot, the EPCI or the city."""

        def use_case(at: datetime) -> None:
            residence = self.residence(rid)
            project = self.project(residence.project_id)
            self._check_partner(project, actor)
            kind = self.organisation(actor.org).kind
            if actor.org != project.pilot_org and kind not in ("epci", "ville"):
                raise DomainError(
                    "not_groupe_de_suivi",
                    "Les objectifs de rééquilibrage sont fixés par le groupe de suivi "
                    "(pilote du projet, EPCI ou ville).",
                )
            residence.set_objectives(peuplement.check_objectives(objectives), comment, **actor.by)
            self.save(residence)

        self._run(use_case)
