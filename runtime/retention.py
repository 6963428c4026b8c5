"""Retention: the households whose retention period is over, from the stored states.

Reads the application's recorder directly and decodes the states WITHOUT opening the
sealed fields (:func:`raw_states`): the administrator's listing needs no key and shows
no identity. The rule itself (``RELOGEMENT_RETENTION_MONTHS`` after move-in or
departure) is the domain's (``platform/privacy.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from relogement.platform.privacy import DueHousehold, add_months, retention_months

__all__ = ["DueHousehold", "households_due", "raw_states"]

_HOUSEHOLD_TOPIC = "relogement.platform.household:Household."


def raw_states(app: Any, prefix: str = "") -> Iterator[tuple[int, str, Any, dict]]:
    """(position, topic, originator_id, state) from the log, decoded WITHOUT opening
    the sealed fields: admin listings need no key and show no identity."""
    mapper = app.mapper
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=1000)
        if not notifications:
            return
        for n in notifications:
            if n.topic.startswith(prefix):
                state = n.state
                if mapper.cipher:
                    state = mapper.cipher.decrypt(state)
                if mapper.compressor:
                    state = mapper.compressor.decompress(state)
                yield n.id, n.topic, n.originator_id, mapper.transcoder.decode(state)
        start = notifications[-1].id + 1


def households_due(app: Any, at: datetime | None = None, months: int | None = None) -> list[DueHousehold]:
    """Households relocated (move-in) or gone more than ``months`` ago at ``at``,
    not erased yet: the list the administrator erases from (``relogement privacy due``)."""
    months = retention_months() if months is None else months
    today = (at or app.clock()).astimezone(UTC).date()
    references: dict[UUID, str] = {}
    ended: dict[UUID, tuple[date, str]] = {}
    erased: set[UUID] = set()
    for _, topic, hid, state in raw_states(app, _HOUSEHOLD_TOPIC):
        name = topic.rsplit(".", 1)[-1]
        if name == "HouseholdRegistered":
            references[hid] = state.get("reference", "")
        elif name == "HouseholdRelocated":
            ended[hid] = (state["move_in_date"], "relogé")
        elif name == "HouseholdDeparted":
            ended[hid] = (state["timestamp"].astimezone(UTC).date(), "sorti")
        elif name == "HouseholdErased":
            erased.add(hid)
    due = []
    for hid, (ended_on, how) in ended.items():
        due_on = add_months(ended_on, months)
        if hid not in erased and due_on <= today:
            due.append(DueHousehold(hid, references.get(hid, ""), ended_on, how, due_on))
    return sorted(due, key=lambda d: (d.due_on, d.reference))
