"""The pools the ranking reads (platform/matching.py): a project's available offers, its
households still to relocate with their exact situation, and the offers set aside.

RESTRICTED: :func:`household_pool` returns exact resources and amounts (the situation):
the caller (web policy ``matching.view``) shows them only to those who may see them.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from relogement.projections.machinery import as_of
from relogement.projections.queries.base import Db, _hex, _rows, connect
from relogement.projections.queries.offers import offer_pool

__all__ = ["offer_pool", "household_pool", "set_aside"]
from relogement.projections.read_models import (
    A_RELOGER,
    EN_COURS,
    considered_offers,
    household_situation,
    households,
)

HOUSEHOLD_COLUMNS = (
    "household_id", "reference", "quartier", "bailleur_org", "officer_org", "typology", "surface_m2",
    "qpv", "commune", "wishes", "status",
)
SITUATION_COLUMNS = ("ages", "resources_cents", "apl_cents", "rent_cents", "annex_rent_cents", "charges_cents",
                     "income_quartile")


def household_pool(db: Db, project_id: UUID | str, position: int | None = None,
                   household_id: UUID | str | None = None) -> list[dict]:
    """RESTRICTED: the project's households still to relocate (or one household, any
    status), each with its exact situation (ages, resources, aid, rent, charges)."""
    h, s = households.c, household_situation.c
    if household_id is not None:
        # One household: two lookups on the tables' (id, valid_to) indexes; a join lets
        # SQLite walk the project's rows instead.
        key = _hex(household_id)
        with connect(db) as conn:
            rows = _rows(conn, select(*(h[k] for k in HOUSEHOLD_COLUMNS), h.project_id).where(
                as_of(households, position), h.household_id == key))
            if not rows or rows[0].pop("project_id") != _hex(project_id):
                return []
            found = _rows(conn, select(*(s[k] for k in SITUATION_COLUMNS)).where(
                as_of(household_situation, position), s.household_id == key))
        return [{**rows[0], **found[0]}] if found else []
    where = [as_of(households, position), as_of(household_situation, position),
             s.household_id == h.household_id, h.project_id == _hex(project_id),
             h.status.in_([A_RELOGER, EN_COURS])]
    query = select(*(h[k] for k in HOUSEHOLD_COLUMNS), *(s[k] for k in SITUATION_COLUMNS)).where(*where)
    with connect(db) as conn:
        return _rows(conn, query)


def set_aside(db: Db, project_id: UUID | str, position: int | None = None, *,
              household_id: UUID | str | None = None, offer_id: UUID | str | None = None) -> list[dict]:
    """Offers set aside ("écartées") in the project, for one household or one offer."""
    c = considered_offers.c
    where = [as_of(considered_offers, position), c.set_aside.is_(True)]
    # By the household's (or offer's) index alone: the project's index would walk its rows.
    if household_id is not None:
        where.append(c.household_id == _hex(household_id))
    elif offer_id is not None:
        where.append(c.offer_id == _hex(offer_id))
    else:
        where.append(c.project_id == _hex(project_id))
    query = select(c.household_id, c.offer_id, c.motive, c.set_aside_at, c.set_aside_by_org).where(*where)
    with connect(db) as conn:
        return _rows(conn, query)
