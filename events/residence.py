"""Facts about a residence (résidence): a building or group of buildings a bailleur
manages as one programme, under its own code, and what is known of its population."""

from __future__ import annotations

from uuid import UUID

from relogement.events.base import Creation, Fact


class ResidenceRegistered(Creation):
    """A residence of a bailleur in a project (its id derives from project, bailleur, code)."""

    project_id: UUID
    bailleur_org: UUID
    code: str
    name: str
    address: str
    commune: str
    quartier: str
    qpv: bool
    dwellings: int


class OccupancySurveyRecorded(Fact):
    """The residence's occupancy as surveyed (reference data with its year and source).

    shares: {figure: "12.5"} in % (relogement.platform.peuplement.FIGURES); import_id and
    file_name name the import that brought it (one import, one id on all its rows). A new
    survey of the same year replaces that year's figures; earlier years stay readable.
    """

    year: int
    source: str
    households: int
    shares: dict
    import_id: UUID
    file_name: str


class ResidenceNoteWritten(Fact):
    """A short qualitative note on the residence by its bailleur or the commune (objective
    terms only: CNIL). ``text`` empty: the note is removed."""

    text: str


class ResidenceObjectivesSet(Fact):
    """The groupe de suivi's rebalancing objectives (the whole list, not a diff).

    objectives: [{"kind": "max_first_quartile", "limit": 3} | {"kind": "employment_priority"}
    | {"kind": "max_share", "figure": "first_quartile", "percent": "30.0"}]
    """

    objectives: list
    comment: str
