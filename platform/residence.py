"""A residence (résidence) of a bailleur: its identity, its surveyed occupancy, the note and
the rebalancing objectives of the groupe de suivi peuplement."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from relogement.events import residence as facts
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.peuplement import residence_id
from relogement.platform.values import check_text

__all__ = ["Residence", "check_code", "residence_id"]

MAX_NOTE_LENGTH = 500


def check_code(code: str) -> str:
    clean = check_text("code", code, label="code de la résidence").strip()
    if not clean or len(clean) > 30:
        raise InvalidValue("residence", "Le code de la résidence fait de 1 à 30 caractères.")
    return clean


class Residence(Aggregate):
    id: UUID

    ResidenceRegistered = facts.ResidenceRegistered
    OccupancySurveyRecorded = facts.OccupancySurveyRecorded
    ResidenceNoteWritten = facts.ResidenceNoteWritten
    ResidenceObjectivesSet = facts.ResidenceObjectivesSet

    @event(ResidenceRegistered)
    def __init__(
        self, project_id: UUID, bailleur_org: UUID, code: str, name: str, address: str,
        commune: str, quartier: str, qpv: bool, dwellings: int, by_user: str, by_org: UUID,
    ) -> None:
        self.project_id = project_id
        self.bailleur_org = bailleur_org
        self.code = code
        self.name = name
        self.address = address
        self.commune = commune
        self.quartier = quartier
        self.qpv = qpv
        self.dwellings = dwellings
        self.surveys: dict[int, dict] = {}
        self.objectives: list = []
        self.note = ""

    @classmethod
    def register(
        cls, project_id: UUID, bailleur_org: UUID, code: str, name: str, address: str,
        commune: str, quartier: str, qpv: bool, dwellings: int, by_user: str, by_org: UUID,
    ) -> Residence:
        code = check_code(code)
        for field, value in (("name", name), ("address", address), ("commune", commune), ("quartier", quartier)):
            check_text(field, value)
            if len(value) > 200:
                raise InvalidValue(field, f"Résidence {code} : « {field} » dépasse 200 caractères.")
        if isinstance(dwellings, bool) or not isinstance(dwellings, int) or not 0 <= dwellings <= 10_000:
            raise InvalidValue("dwellings", "Le nombre de logements va de 0 à 10 000.")
        return cls(
            id=residence_id(project_id, bailleur_org, code), project_id=project_id,
            bailleur_org=bailleur_org, code=code, name=name.strip() or code, address=address.strip(),
            commune=commune.strip(), quartier=quartier.strip(), qpv=bool(qpv), dwellings=dwellings,
            by_user=by_user, by_org=by_org,
        )

    def record_survey(
        self, year: int, source: str, households: int, shares: dict, import_id: UUID,
        file_name: str, by_user: str, by_org: UUID,
    ) -> None:
        if by_org != self.bailleur_org:
            raise DomainError(
                "not_residence_owner",
                f"Résidence {self.code} : seul son bailleur importe son occupation.",
            )
        self._surveyed(
            year=year, source=source, households=households, shares=shares, import_id=import_id,
            file_name=file_name, by_user=by_user, by_org=by_org,
        )

    @event(OccupancySurveyRecorded)
    def _surveyed(
        self, year: int, source: str, households: int, shares: dict, import_id: UUID,
        file_name: str, by_user: str, by_org: UUID,
    ) -> None:
        self.surveys[year] = {"source": source, "households": households, "shares": shares}

    def write_note(self, text: str, by_user: str, by_org: UUID, may_write: bool) -> None:
        """``may_write``: the author is the residence's bailleur or its commune (checked by
        the use case, which knows the organisations)."""
        if not may_write:
            raise DomainError(
                "not_note_author", "La note d'une résidence est écrite par son bailleur ou sa commune."
            )
        text = check_text("comment", text, label="note", multiline=True).strip()
        if len(text) > MAX_NOTE_LENGTH:
            raise InvalidValue("text", f"La note fait au plus {MAX_NOTE_LENGTH} caractères.")
        self._noted(text=text, by_user=by_user, by_org=by_org)

    @event(ResidenceNoteWritten)
    def _noted(self, text: str, by_user: str, by_org: UUID) -> None:
        self.note = text

    def set_objectives(self, objectives: list, comment: str, by_user: str, by_org: UUID) -> None:
        check_text("comment", comment, multiline=True)
        self._objectives_set(objectives=objectives, comment=comment.strip(), by_user=by_user, by_org=by_org)

    @event(ResidenceObjectivesSet)
    def _objectives_set(self, objectives: list, comment: str, by_user: str, by_org: UUID) -> None:
        self.objectives = objectives
