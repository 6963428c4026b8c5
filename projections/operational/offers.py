"""Operational read models: the handlers of the offers events."""

from __future__ import annotations

from typing import Any

from relogement.projections.operational.base import Handlers
from relogement.projections.operational.rows import (
    utc,
)


class OfferHandlers(Handlers):
    """Mixin of :class:`~relogement.projections.operational.OperationalProjector`."""

    @staticmethod
    def _dwelling(d: dict) -> dict:
        return {
            "typology": d["typology"],
            "surface_m2": str(d["surface_m2"]),
            "rent_cents": d["rent_cents"],
            "charges_cents": d["charges_cents"],
            "annex_rent_cents": d.get("annex_rent_cents", 0),
            "quartier": d.get("quartier", ""),
            "qpv": bool(d.get("qpv", False)),
            "commune": d.get("commune", ""),
            "address": d.get("address", ""),
            "financing": d.get("financing", "PLUS"),
            "construction_year": int(d.get("construction_year", 1970)),
            "individual": bool(d.get("individual", False)),
            "floor": int(d.get("floor", 0)),
            "lift": bool(d.get("lift", False)),
            "accessible": bool(d.get("accessible", False)),
            "dpe_label": d.get("dpe_label", ""),
            "heating": d.get("heating", ""),
            "energy_cost_min_euros": d.get("energy_cost_min_euros"),
            "energy_cost_max_euros": d.get("energy_cost_max_euros"),
        }

    def _offer_published(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "project_id": e.project_id.hex,
                "bailleur_org": e.bailleur_org.hex,
                "reference": e.reference,
                "reservataire": e.reservataire,
                **self._dwelling(e.dwelling),
                "status": "publiee",
                "live_proposal_id": None,
                "household_id": None,
                "published_at": utc(e.timestamp),
                "updated_at": utc(e.timestamp),
                "withdrawn_reason": None,
                "proposals_count": 0,
                "available_until": e.available_until,
            },
        )

    def _offer_updated(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                **self._dwelling(e.dwelling), "reservataire": e.reservataire, "updated_at": utc(e.timestamp),
                "available_until": e.available_until,
            },
        )

    def _offer_withdrawn(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {"status": "retiree", "withdrawn_reason": e.reason, "updated_at": utc(e.timestamp)},
        )

    def _offer_proposed(self, e: Any) -> None:
        offer = self._get("rm_offers", e.originator_id)
        assert offer is not None
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "status": "proposee",
                "live_proposal_id": e.proposal_id.hex,
                "household_id": e.household_id.hex,
                "proposals_count": offer["proposals_count"] + 1,
                "updated_at": utc(e.timestamp),
            },
        )

    def _offer_released(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "status": "publiee",
                "live_proposal_id": None,
                "household_id": None,
                "updated_at": utc(e.timestamp),
            },
        )

    def _offer_let(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "status": "louee",
                "live_proposal_id": None,
                "household_id": e.household_id.hex,
                "updated_at": utc(e.timestamp),
            },
        )
