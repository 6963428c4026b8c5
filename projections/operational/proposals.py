"""Operational read models: the handlers of the proposals, objections, CALEOL and leases events."""

from __future__ import annotations

from typing import Any

from relogement.projections.operational.base import Handlers
from relogement.projections.operational.rows import (
    jsonable,
    utc,
)


class ProposalHandlers(Handlers):
    """Mixin of :class:`~relogement.projections.operational.OperationalProjector`."""

    def _proposal_made(self, e: Any) -> None:
        household = self._get("rm_households", e.household_id)
        offer = self._get("rm_offers", e.offer_id)
        assert household is not None and offer is not None
        self._put(
            "rm_proposals",
            e.originator_id,
            {
                "project_id": e.project_id.hex,
                "household_id": e.household_id.hex,
                "household_reference": e.household_reference,
                "household_quartier": household["quartier"],
                "household_operation": household["operation"],
                "household_bailleur": e.household_bailleur.hex,
                "offer_id": e.offer_id.hex,
                "offer_reference": offer["reference"],
                "offer_bailleur": e.offer_bailleur.hex,
                "offer_typology": offer["typology"],
                "offer_commune": offer["commune"],
                "offer_quartier": offer["quartier"],
                "offer_qpv": offer["qpv"],
                "officer_org": e.officer_org.hex,
                "rank": e.rank,
                "max_proposals": e.max_proposals,
                "last_allowed": e.rank == e.max_proposals,
                "beyond_legal_count": e.rank > e.max_proposals,
                "window_hours": e.window_hours,
                "objection_deadline": utc(e.objection_deadline),
                "made_at": utc(e.timestamp),
                "status": "en_cours",
                "live": True,
                "accepted": False,
                "window_closed": False,
                "cleared": None,
                "open_objections": 0,
                "objections_count": 0,
                "indicators": jsonable(e.indicators),
                "aid": jsonable(e.aid),
            },
        )
        self._put("rm_households", e.household_id, {"max_proposals": e.max_proposals})
        self._set_live_count(e.household_id.hex, +1)

    def _close_proposal(self, e: Any, status: str, values: dict) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        was_live = proposal["live"]
        self._put(
            "rm_proposals",
            e.originator_id,
            {**values, "status": status, "live": False, "closed_at": utc(e.timestamp)},
        )
        if was_live:
            self._set_live_count(proposal["household_id"], -1)

    def _objection_raised(self, e: Any) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        self._put(
            "rm_objections",
            e.objection_id,
            {
                "proposal_id": e.originator_id.hex,
                "project_id": proposal["project_id"],
                "household_id": proposal["household_id"],
                "by_org": e.by_org.hex,
                "by_user": e.by_user,
                "motive": e.motive,
                "status": "ouverte",
                "raised_at": utc(e.timestamp),
            },
        )
        self._put(
            "rm_proposals",
            e.originator_id,
            {
                "open_objections": proposal["open_objections"] + 1,
                "objections_count": proposal["objections_count"] + 1,
            },
        )

    def _end_objection(self, e: Any, status: str) -> dict:
        self._put(
            "rm_objections",
            e.objection_id,
            {
                "status": status,
                "closed_at": utc(e.timestamp),
                "closed_by_org": e.by_org.hex,
                "comment": e.comment,
            },
        )
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        return self._put(
            "rm_proposals", e.originator_id, {"open_objections": proposal["open_objections"] - 1}
        )

    def _objection_lifted(self, e: Any) -> None:
        self._end_objection(e, "levee")

    def _objection_arbitrated(self, e: Any) -> None:
        if e.decision == "maintenue":
            self._end_objection(e, "maintenue")
            self._close_proposal(e, "opposee", {})
        else:
            self._end_objection(e, "levee_arbitrage")

    def _window_closed(self, e: Any) -> None:
        self._put("rm_proposals", e.originator_id, {"window_closed": True, "cleared": e.cleared})

    def _proposal_accepted(self, e: Any) -> None:
        self._put(
            "rm_proposals",
            e.originator_id,
            {"accepted": True, "accepted_on": e.accepted_on, "status": "acceptee"},
        )

    def _proposal_refused(self, e: Any) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        self._close_proposal(
            e, "refusee", {"refusal_motive": e.motive_code, "refusal_text": e.motive_text}
        )
        household = self._get("rm_households", proposal["household_id"])
        assert household is not None
        self._put(
            "rm_households",
            proposal["household_id"],
            {"refusals_count": household["refusals_count"] + 1},
        )

    def _proposal_withdrawn(self, e: Any) -> None:
        self._close_proposal(e, "retiree", {"withdrawal_reason": e.reason})

    def _caleol_decided(self, e: Any) -> None:
        values = {"caleol_decision": e.decision, "caleol_on": e.decided_on, "caleol_comment": e.comment}
        if e.decision == "refus":
            self._close_proposal(e, "rejetee_caleol", values)
        else:
            status = "attribuee" if e.decision == "attribution" else "ajournee"
            self._put("rm_proposals", e.originator_id, {**values, "status": status})

    def _lease_signed(self, e: Any) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        self._close_proposal(
            e,
            "bail_signe",
            {
                "lease_rent_cents": e.rent_cents,
                "lease_annex_rent_cents": e.annex_rent_cents,
                "lease_charges_cents": e.charges_cents,
                "lease_apl_cents": e.apl_cents,
                "lease_signed_on": e.signed_on,
                "move_in_date": e.move_in_date,
                "lease_indicators": jsonable(e.indicators),
            },
        )
        self._put("rm_households", proposal["household_id"], {"lease_signed_on": e.signed_on})
