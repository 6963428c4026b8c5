"""Facts about a renewal project (projet de renouvellement urbain)."""

from __future__ import annotations

from uuid import UUID

from relogement.events.base import Creation, Fact


class ProjectCreated(Creation):
    """A project with its quartiers, operations and relocation settings.

    quartiers: [{"code", "name", "commune", "qpv": bool}]
    operations: [{"code", "name", "kind", "quartier"}]
    settings: {"objection_window_hours": int, "max_proposals": int,
               "working_days_only": bool, "rav_convention": "personne"|"uc",
               "rav_threshold": "6.00", and since the proposal letter and its preview
               "max_effort_rate": "30.00"|None, "answer_days": int, "charter_text": str}
    Older events lack the last three: readers complete them with the defaults
    (platform/project.py: ``with_defaults``).
    """

    name: str
    code: str
    pilot_org: UUID
    quartiers: list
    operations: list
    settings: dict


class PartnerJoined(Fact):
    """An organisation becomes a partner of the project (may see and object)."""

    org_id: UUID
    role: str


class ProjectSettingsChanged(Fact):
    settings: dict


class OperationsAdded(Fact):
    """A later phase of the programme: new quartiers (maybe none) and new operations, as
    in ProjectCreated; only the new ones (the project's lists grow, never shrink)."""

    quartiers: list
    operations: list
