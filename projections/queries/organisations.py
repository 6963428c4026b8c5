"""Organisations and projects: lists as dicts, and as the pages' views (as of a position)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from relogement.projections.queries.base import Db, _hex, _rows, _select, connect
from relogement.projections.read_models import organisations, projects
from relogement.projections.views import OrgView, ProjectView


def list_organisations(db: Db, *, kind: str | None = None, position: int | None = None) -> list[dict]:
    where = [] if kind is None else [organisations.c.kind == kind]
    with connect(db) as conn:
        rows = _rows(conn, _select(organisations, position, *where).order_by(organisations.c.name))
    return rows


def organisation_names(db: Db, position: int | None = None) -> dict[str, str]:
    """org id (hex) → name."""
    return {o["org_id"]: o["name"] for o in list_organisations(db, position=position)}


def get_organisation(db: Db, org_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(organisations, position, organisations.c.org_id == _hex(org_id)))
    return rows[0] if rows else None


def list_projects(db: Db, position: int | None = None) -> list[dict]:
    with connect(db) as conn:
        return _rows(conn, _select(projects, position).order_by(projects.c.name))


def get_project(db: Db, project_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(projects, position, projects.c.project_id == _hex(project_id)))
    return rows[0] if rows else None


def project_created_at(db: Db, project_id: UUID, position: int | None = None) -> datetime | None:
    row = get_project(db, project_id, position=position)
    return row["created_at"] if row else None


def organisation_views(db: Db, position: int | None = None) -> list[OrgView]:
    """Every organisation, by kind then name."""
    rows = list_organisations(db, position=position)
    orgs = [OrgView(UUID(hex=o["org_id"]), o["name"], o["kind"], o["code"]) for o in rows]
    return sorted(orgs, key=lambda o: (o.kind, o.name))


def project_views(db: Db, orgs: list[OrgView], position: int | None = None) -> list[ProjectView]:
    """Every project, by name; ``orgs`` (as of the same position) tell the MOUS partners."""
    kinds = {o.id: o.kind for o in orgs}
    out = []
    for p in list_projects(db, position=position):
        # JSON as in the events: [{"org_id": hex, "role": ...}] (or bare ids).
        partners = frozenset(UUID(hex=x["org_id"] if isinstance(x, dict) else x) for x in p["partners"])
        out.append(
            ProjectView(
                id=UUID(hex=p["project_id"]),
                name=p["name"],
                code=p["code"],
                pilot_org=UUID(hex=p["pilot_org"]),
                partners=partners,
                mous=frozenset(x for x in partners if kinds.get(x) == "mous"),
                quartiers=tuple(p["quartiers"]),
                operations=tuple(p["operations"]),
                settings=dict(p["settings"]),
            )
        )
    return sorted(out, key=lambda p: p.name)
