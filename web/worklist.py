"""The user's work list ("À traiter") for the pages: its items and the header's count.

Reads :mod:`relogement.projections.queries.worklist` at the viewpoint's position and
instant. The header shows the count on every page: it is kept per (user, position,
minute, scope), so a page costs one list per user and minute at most, and a new event
(a new position) counts again at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from uuid import UUID

from flask import g, has_request_context

from relogement.projections.queries import worklist as wq
from relogement.web.cache import Cache
from relogement.web.context import can, principal, readmodels, viewpoint
from relogement.web.policy import CHARGE, project_resource

KINDS = wq.KINDS
_lists = Cache(2048)


def work_projects(position: int | None) -> list[wq.WorkProject]:
    """The projects the user's organisation is a partner of, with their settings."""
    out = []
    for p in readmodels().projects(position):
        if not can("worklist.view", project_resource(p)):
            continue
        s = p.settings
        out.append(wq.WorkProject(
            project_id=p.id.hex, pilot_org=p.pilot_org.hex,
            answer_reminder_days=int(s.get("answer_reminder_days", 15)),
            follow_up_months=tuple(int(m) for m in s.get("follow_up_months", (6, 12))),
            blocked_days=int(s.get("blocked_days", 90)),
        ))
    return out


@dataclass(frozen=True)
class WorkList:
    """A work list as kept: its items, the count of each kind (in the items' order) and
    how many are due now (the header's badge), counted once per kept list."""

    items: tuple[wq.WorkItem, ...]
    counts: Mapping[str, int]
    due: int

    @classmethod
    def of(cls, items: tuple[wq.WorkItem, ...]) -> WorkList:
        counts: dict[str, int] = {}
        for item in items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        return cls(items, MappingProxyType(counts), sum(1 for i in items if i.action_now))


_EMPTY = WorkList.of(())


def items(login: str, org: UUID, mine: bool = True) -> list[wq.WorkItem]:
    """The work list of ``login`` at the viewpoint (a copy of the kept tuple)."""
    return list(work_list(login, org, mine).items)


def work_list(login: str, org: UUID, mine: bool = True) -> WorkList:
    """The work list of ``login`` at the viewpoint, kept (shared, immutable)."""
    me = principal()
    if me is None:
        return _EMPTY
    vp = viewpoint()
    position = vp.position if vp.position is not None else readmodels().last_position()
    at: datetime = vp.at
    minute = at.replace(second=0, microsecond=0)
    key = (org, login, me.role, position, minute, mine, vp.position is None)

    def compute() -> WorkList:
        projects = work_projects(vp.position)
        return WorkList.of(tuple(wq.work_list(
            readmodels().reader, org.hex, login, projects, at, vp.position,
            officer=me.role == CHARGE, mine=mine,
        )))

    return _lists.get(key, compute)


def due_count(login: str, org: UUID) -> int:
    """What is due now for the user (their own list): the header's badge."""
    if has_request_context() and "due_count" in g:
        return g.due_count
    count = work_list(login, org, True).due
    if has_request_context():
        g.due_count = count
    return count
