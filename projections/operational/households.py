"""Operational read models: the handlers of the households events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from relogement.projections.operational.base import Handlers
from relogement.projections.operational.rows import (
    composition,
    jsonable,
    situation_row,
    utc,
)
from relogement.projections.read_models import (
    A_RELOGER,
    EN_COURS,
    PARIS,
    RELOGE,
    SORTI,
    household_identity,
)


class HouseholdHandlers(Handlers):
    """Mixin of :class:`~relogement.projections.operational.OperationalProjector`."""

    def _household_registered(self, e: Any) -> None:
        project = self._get("rm_projects", e.project_id)
        max_proposals = int((project or {}).get("settings", {}).get("max_proposals", 3))
        at = utc(e.timestamp)
        self._put(
            "rm_households",
            e.originator_id,
            {
                "project_id": e.project_id.hex,
                "reference": e.reference,
                "operation": e.operation,
                "quartier": e.quartier,
                "bailleur_org": e.bailleur_org.hex,
                "officer_org": e.officer_org.hex,
                **composition(e.situation),
                "wishes": jsonable(e.wishes),
                "right_to_return": bool(e.wishes.get("right_to_return", False)),
                "status": A_RELOGER,
                "proposals_count": 0,
                "live_proposals": 0,
                "refusals_count": 0,
                "visits_count": 0,
                "offers_considered": 0,
                "follow_ups_count": 0,
                "max_proposals": max_proposals,
                "last_allowed": False,
                "registered_at": at,
                "registered_on": at.astimezone(PARIS).date(),
                "assigned_officer": None,
                "assigned_officer_org": None,
                "last_proposal_at": None,
            },
        )
        self._put(
            "rm_household_situation",
            e.originator_id,
            {"project_id": e.project_id.hex, **situation_row(e.situation, at)},
        )
        self._write_identity(
            e.originator_id,
            e.personal,
            at,
            project_id=e.project_id.hex,
            bailleur_org=e.bailleur_org.hex,
            officer_org=e.officer_org.hex,
            reference=e.reference,
        )

    def _write_identity(self, household_id: UUID, personal: dict, at: datetime, **meta: Any) -> None:
        if personal.get("erased"):
            # Key destroyed (crypto-shredding): a rebuild must not resurrect a placeholder.
            self._delete_identity(household_id)
            return
        values = {
            "name": personal.get("name", ""),
            "phone": personal.get("phone", ""),
            "email": personal.get("email", ""),
            "address": personal.get("address", ""),
            "birth_dates": jsonable(personal.get("birth_dates", [])),
            "notes": personal.get("notes", ""),
            "constraints": personal.get("constraints", ""),
            "extra": jsonable(personal.get("extra", {})),
            "updated_position": self._pos,
            "updated_at": at,
        }
        if meta:
            # Inserted with the batch's others (base.Handlers._insert_identities).
            self._identities.append({"household_id": household_id.hex, **meta, **values})
            if self._identity_written is not None:
                self._identity_written.add(household_id.hex)
            return
        self._insert_identities(self._conn)
        t = household_identity
        self._conn.execute(t.update().where(t.c.household_id == household_id.hex).values(**values))

    def _delete_identity(self, household_id: UUID) -> None:
        written = self._identity_written
        if written is not None and household_id.hex not in written:
            # Rebuilt from empty and never written since: no row to delete. A household
            # registered already erased cost a DELETE each (a national rebuild: 7 %).
            return
        self._insert_identities(self._conn)
        t = household_identity
        self._conn.execute(t.delete().where(t.c.household_id == household_id.hex))

    def _situation_updated(self, e: Any) -> None:
        at = utc(e.timestamp)
        self._put("rm_households", e.originator_id, composition(e.situation))
        self._put("rm_household_situation", e.originator_id, situation_row(e.situation, at))

    def _personal_updated(self, e: Any) -> None:
        self._write_identity(e.originator_id, e.personal, utc(e.timestamp))

    def _household_erased(self, e: Any) -> None:
        # Erasure (RGPD): the read model forgets the identity; the fact stays in the journal.
        self._delete_identity(e.originator_id)

    def _wishes_recorded(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {"wishes": jsonable(e.wishes), "right_to_return": bool(e.wishes.get("right_to_return", False))},
        )

    def _visit_recorded(self, e: Any) -> None:
        household = self._get("rm_households", e.originator_id)
        assert household is not None
        self._put("rm_households", e.originator_id, {"visits_count": household["visits_count"] + 1})
        self._considered(e.originator_id, e.offer_id, {"visited": True})

    def _offer_set_aside(self, e: Any) -> None:
        self._considered(e.originator_id, e.offer_id, {
            "set_aside": True, "motive": e.motive, "set_aside_at": utc(e.timestamp),
            "set_aside_by_org": e.by_org.hex,
        })

    def _considered(self, household_id: UUID, offer_id: UUID, values: dict) -> None:
        """The household was considered for the offer (a new offer counts once)."""
        key = f"{household_id.hex}:{offer_id.hex}"
        if self._get("rm_considered_offers", key) is None:
            household = self._get("rm_households", household_id)
            assert household is not None
            self._put("rm_households", household_id,
                      {"offers_considered": (household.get("offers_considered") or 0) + 1})
            values = {
                "household_id": household_id.hex, "project_id": household["project_id"],
                "offer_id": offer_id.hex, "proposed": False, "visited": False, "set_aside": False,
                **values,
            }
        self._put("rm_considered_offers", key, values)

    def _proposal_received(self, e: Any) -> None:
        household = self._get("rm_households", e.originator_id)
        assert household is not None
        self._put(
            "rm_households",
            e.originator_id,
            {
                "proposals_count": e.rank,
                "last_allowed": e.rank >= household["max_proposals"],
                "last_proposal_at": utc(e.timestamp),
            },
        )
        self._considered(e.originator_id, e.offer_id, {"proposed": True})

    def _officer_assigned(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {
                "assigned_officer": e.officer or None,
                "assigned_officer_org": e.officer_org.hex if e.officer and e.officer_org else None,
            },
        )

    def _household_relocated(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {
                "status": RELOGE,
                "relocated_at": utc(e.timestamp),
                "relocated_proposal_id": e.proposal_id.hex,
                "relocated_offer_id": e.offer_id.hex,
                "move_in_date": e.move_in_date,
            },
        )

    def _household_departed(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {"status": SORTI, "departed_at": utc(e.timestamp), "departure_reason": e.reason},
        )

    def _follow_up_recorded(self, e: Any) -> None:
        household = self._get("rm_households", e.originator_id)
        assert household is not None
        self._put(
            "rm_households", e.originator_id, {"follow_ups_count": household["follow_ups_count"] + 1}
        )
        self._put(
            "rm_follow_ups",
            f"{e.originator_id.hex}:{e.originator_version}",
            {
                "household_id": e.originator_id.hex,
                "project_id": household["project_id"],
                "measured_on": e.measured_on,
                "recorded_at": utc(e.timestamp),
                "indicators": jsonable(e.indicators),
            },
        )

    def _set_live_count(self, household_id: str, delta: int) -> None:
        household = self._get("rm_households", household_id)
        assert household is not None
        live = household["live_proposals"] + delta
        values: dict[str, Any] = {"live_proposals": live}
        if household["status"] in (A_RELOGER, EN_COURS):
            values["status"] = EN_COURS if live > 0 else A_RELOGER
        self._put("rm_households", household_id, values)
