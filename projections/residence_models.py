"""Read models of residences: the residences, every survey year, and which residence each
offered dwelling and each household's current dwelling is in. All versioned (as-of).

- ``rm_residences``: identity, the latest survey (by year), the note, the objectives.
- ``rm_residence_surveys``: one row per residence and survey year (a new import of a year
  replaces it from its position on; the earlier versions stay readable as of before).
- ``rm_residence_links``: one row per offer and per household: the residence code and id
  of its dwelling (empty: none named), its surface, and for a household the adults in work.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, String, Table, Text
from sqlalchemy.engine import Connection

from relogement.events import household as household_facts
from relogement.events import offer as offer_facts
from relogement.events import residence as residence_facts
from relogement.platform.peuplement import residence_id
from relogement.projections.dispatching import HandlerCache
from relogement.projections.machinery import metadata, versioned_columns
from relogement.projections.versioned import BatchWriter

residences = Table(
    "rm_residences",
    metadata,
    Column("residence_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("bailleur_org", String(32), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", String(200), nullable=False),
    Column("commune", String(200), nullable=False),
    Column("quartier", String(200), nullable=False),
    Column("qpv", Boolean, nullable=False),
    Column("dwellings", Integer, nullable=False),
    Column("survey_year", Integer, nullable=True),
    Column("survey_source", String(200), nullable=True),
    Column("survey_households", Integer, nullable=True),
    Column("survey_shares", JSON, nullable=True),
    Column("note_text", Text, nullable=False),
    Column("note_by_org", String(32), nullable=True),
    Column("objectives", JSON, nullable=False),
    Column("objectives_comment", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    *versioned_columns(),
)

residence_surveys = Table(
    "rm_residence_surveys",
    metadata,
    Column("survey_key", String(40), nullable=False, index=True),
    Column("residence_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("source", String(200), nullable=False),
    Column("households", Integer, nullable=False),
    Column("shares", JSON, nullable=False),
    Column("import_id", String(32), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("by_org", String(32), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    *versioned_columns(),
)

residence_links = Table(
    "rm_residence_links",
    metadata,
    Column("link_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # offre | menage
    Column("bailleur_org", String(32), nullable=False),
    Column("residence_code", String(40), nullable=False),
    Column("residence_id", String(32), nullable=True, index=True),
    Column("surface_m2", String(20), nullable=False),
    Column("adults_in_work", Integer, nullable=True),
    *versioned_columns(),
)

TABLES = (residences, residence_surveys, residence_links)
KEYS = {
    "rm_residences": ("residence_id",),
    "rm_residence_surveys": ("survey_key",),
    "rm_residence_links": ("link_id",),
}
for _table in TABLES:
    Index(f"ix_{_table.name}_current", *(_table.c[k] for k in KEYS[_table.name]), _table.c.valid_to)


class ResidenceProjector:
    """Residence facts, and the residence of offers' and households' dwellings."""

    tables = TABLES

    def __init__(self) -> None:
        self.writer = BatchWriter(list(TABLES), KEYS)

    def begin_batch(self, conn: Connection) -> None:
        self.writer.begin()

    def forget(self) -> None:
        self.writer.forget()

    def start_empty(self) -> None:
        self.writer.start_empty()

    def end_batch(self, conn: Connection) -> None:
        self.writer.flush(conn)

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None:
        self._conn, self._pos = conn, position
        _handle(self, domain_event)

    def _get(self, table: str, key: str) -> dict | None:
        return self.writer.get(self._conn, table, {KEYS[table][0]: key})

    def _put(self, table: str, key: str, values: dict) -> None:
        self.writer.put(self._conn, table, {KEYS[table][0]: key}, values, self._pos)

    @singledispatchmethod
    def on(self, domain_event: Any) -> None:
        """Any other fact: nothing to do."""

    @on.register(residence_facts.ResidenceRegistered)
    def _registered(self, e: Any) -> None:
        self._put("rm_residences", e.originator_id.hex, {
            "project_id": e.project_id.hex, "bailleur_org": e.bailleur_org.hex, "code": e.code,
            "name": e.name, "address": e.address, "commune": e.commune, "quartier": e.quartier,
            "qpv": bool(e.qpv), "dwellings": e.dwellings, "survey_year": None, "survey_source": None,
            "survey_households": None, "survey_shares": None, "note_text": "", "note_by_org": None,
            "objectives": [], "objectives_comment": "", "created_at": e.timestamp,
        })

    @on.register(residence_facts.OccupancySurveyRecorded)
    def _surveyed(self, e: Any) -> None:
        rid = e.originator_id.hex
        residence = self._get("rm_residences", rid)
        assert residence is not None
        self._put("rm_residence_surveys", f"{rid}:{e.year}", {
            "residence_id": rid, "project_id": residence["project_id"], "year": e.year,
            "source": e.source, "households": e.households, "shares": dict(e.shares),
            "import_id": e.import_id.hex, "file_name": e.file_name, "by_org": e.by_org.hex,
            "recorded_at": e.timestamp,
        })
        if residence["survey_year"] is None or e.year >= residence["survey_year"]:
            self._put("rm_residences", rid, {
                "survey_year": e.year, "survey_source": e.source,
                "survey_households": e.households, "survey_shares": dict(e.shares),
            })

    @on.register(residence_facts.ResidenceNoteWritten)
    def _noted(self, e: Any) -> None:
        self._put("rm_residences", e.originator_id.hex, {"note_text": e.text, "note_by_org": e.by_org.hex})

    @on.register(residence_facts.ResidenceObjectivesSet)
    def _objectives(self, e: Any) -> None:
        self._put("rm_residences", e.originator_id.hex, {
            "objectives": list(e.objectives), "objectives_comment": e.comment,
        })

    def _link(self, ident: UUID, project_id: str, kind: str, bailleur_org: str, dwelling: dict,
              adults_in_work: int | None) -> None:
        code = str(dwelling.get("residence", "") or "").strip()
        rid = residence_id(UUID(project_id), UUID(bailleur_org), code).hex if code else None
        self._put("rm_residence_links", ident.hex, {
            "project_id": project_id, "kind": kind, "bailleur_org": bailleur_org,
            "residence_code": code, "residence_id": rid, "surface_m2": str(dwelling["surface_m2"]),
            "adults_in_work": adults_in_work,
        })

    @on.register(offer_facts.OfferPublished)
    def _offer_published(self, e: Any) -> None:
        self._link(e.originator_id, e.project_id.hex, "offre", e.bailleur_org.hex, e.dwelling, None)

    @on.register(offer_facts.OfferUpdated)
    def _offer_updated(self, e: Any) -> None:
        link = self._get("rm_residence_links", e.originator_id.hex)
        assert link is not None
        self._link(e.originator_id, link["project_id"], "offre", link["bailleur_org"], e.dwelling, None)

    @on.register(household_facts.HouseholdRegistered)
    def _household_registered(self, e: Any) -> None:
        self._link(e.originator_id, e.project_id.hex, "menage", e.bailleur_org.hex,
                   e.situation["dwelling"], e.situation.get("adults_in_work"))

    @on.register(household_facts.HouseholdSituationUpdated)
    def _situation_updated(self, e: Any) -> None:
        link = self._get("rm_residence_links", e.originator_id.hex)
        assert link is not None
        self._link(e.originator_id, link["project_id"], "menage", link["bailleur_org"],
                   e.situation["dwelling"], e.situation.get("adults_in_work"))


_handle = HandlerCache(ResidenceProjector)
