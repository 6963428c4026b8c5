"""Read-model queries for the web layer and the reports: plain functions, plain dicts
and the pages' views, one module per area.

- :mod:`.base`: ``Db``, :func:`connect`, :func:`utc`, positions and instants;
- :mod:`.organisations`: organisations and projects;
- :mod:`.offers`: every SELECT on ``rm_offers`` (lists for reports, the board's pages);
- :mod:`.households`: pseudonymised rows, restricted situation and identity, searches;
- :mod:`.proposals`: proposals, objections, follow-ups;
- :mod:`.journal`: timelines, erasures.

The names callers used before the split (``q.list_households`` …) are re-exported here.
Submodule names (``offers``, ``households`` …) are never reused for a function.
"""

from __future__ import annotations

from relogement.projections.queries.base import (
    REFUSAL_LABELS,
    Db,
    _hex,
    _row,
    _rows,
    _select,
    connect,
    current_position,
    instant_of,
    page_of,
    position_at,
    position_columns,
    positions,
    positions_of,
    utc,
)
from relogement.projections.queries.households import (
    PUBLIC_HOUSEHOLD_COLUMNS,
    get_household_identity,
    get_household_public,
    get_household_situation,
    list_households,
)
from relogement.projections.queries.journal import ERASED_TOPIC, EVENT_LABELS, timeline
from relogement.projections.queries.offers import get_offer, list_offers
from relogement.projections.queries.organisations import (
    get_organisation,
    get_project,
    list_organisations,
    list_projects,
    organisation_names,
)
from relogement.projections.queries.proposals import (
    get_proposal,
    list_follow_ups,
    list_objections,
    list_proposals,
    window_state,
)
from relogement.projections.views import (
    HOUSEHOLD_STATUS_LABELS,
    OBJECTION_STATUS_LABELS,
    OFFER_STATUS_LABELS,
    PROPOSAL_STATUS_LABELS,
)

__all__ = [
    "Db", "REFUSAL_LABELS", "HOUSEHOLD_STATUS_LABELS", "OFFER_STATUS_LABELS", "PROPOSAL_STATUS_LABELS",
    "OBJECTION_STATUS_LABELS", "PUBLIC_HOUSEHOLD_COLUMNS", "ERASED_TOPIC", "EVENT_LABELS",
    "connect", "utc", "page_of", "position_at", "current_position", "positions", "instant_of",
    "position_columns", "positions_of",
    "list_organisations", "organisation_names", "get_organisation", "list_projects", "get_project",
    "list_offers", "get_offer",
    "list_households", "get_household_public", "get_household_situation", "get_household_identity",
    "list_proposals", "list_follow_ups", "get_proposal", "window_state", "list_objections",
    "timeline", "_hex", "_row", "_rows", "_select",
]
