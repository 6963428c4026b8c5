"""The header's unread count as of a position, and moved between positions (issue 19).

On random valid histories (the command sequences of test_projections_properties.py), on
both databases, the inbox is read after every command, as the read models then stood (the
tables held exactly the events up to that position). At the end, with some items marked
read, and again after a rebuild:
- ``unread_count(…, upto=p)`` equals the unread items of the inbox read at p;
- the count at p moved by ``unread_change(p, q)`` equals the count at q, for random pairs;
- ``next_inbox_change(…, upto=p)`` equals the next change seen at p, and the one among the
  events in between only is never later than the one at q.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_projections_properties import _play, commands
from test_projections_properties import fresh_url_factory as fresh_url_factory  # noqa: F401 (the fixture)

from relogement.projections import notices as notif
from relogement.projections import queries as q

USERS = ("alice", "bob")


def _observed(runner, orgs, clock) -> dict:
    """{(org, instant): (keys of the inbox, next change)} as the read models stand now."""
    engine, seen = runner.engine, {}
    for org in orgs:
        for at in (clock.now, clock.now + timedelta(hours=13), clock.now + timedelta(days=9)):
            keys = frozenset(n.key for n in notif.list_inbox(engine, org, "nobody", at, limit=None))
            seen[(org, at)] = (keys, notif.next_inbox_change(engine, org, at))
    return seen


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands, seed=st.integers(0, 10_000))
def test_unread_count_as_of_a_position_and_moved_between_positions(fresh_url_factory, ops, seed):
    app, runner, driver, clock = _play(fresh_url_factory(), ops, 50)
    try:
        engine, draw = runner.engine, random.Random(seed)
        orgs = draw.sample(sorted(driver.world.orgs.values()), 3)  # each org's inbox is read at every step
        inboxes: dict[int, dict] = {}
        for op, a, b in ops:
            driver.run(op, a, b)
            clock.advance(minutes=7)
            runner.catch_up()
            inboxes[q.current_position(runner.engine)] = _observed(runner, orgs, clock)
        everything = {key for seen in inboxes.values() for keys, _ in seen.values() for key in keys}
        marked = {user: set(draw.sample(sorted(everything), len(everything) // 3)) for user in USERS}
        for user in USERS:
            for org in orgs:
                keys = sorted(k for k in marked[user] if k.endswith(org.hex))
                notif.mark_read(engine, org, user, keys, clock.now + timedelta(days=30))
        with engine.connect() as conn:  # what could be marked: what the inbox shows now
            marks = conn.execute(select(notif.reads.c.login, notif.reads.c.key)).all()
        marked = {user: {key for login, key in marks if login == user} for user in USERS}
        assert any(marked.values())
        positions = sorted(inboxes)
        for rebuilt in (False, True):
            if rebuilt:
                runner.rebuild()
            for position in positions:
                for (org, at), (keys, grows) in inboxes[position].items():
                    for user in USERS:
                        expected = len(keys - marked[user])
                        assert notif.unread_count(engine, org, user, at, upto=position) == expected, (position, user)
                    assert notif.next_inbox_change(engine, org, at, upto=position) == grows
            for _ in range(25):
                after, upto = sorted(draw.sample(positions, 2)) if len(positions) > 1 else (positions[0],) * 2
                org, at = draw.choice(sorted(inboxes[after]))
                user = draw.choice(USERS)
                moved = notif.unread_count(engine, org, user, at, upto=after) + notif.unread_change(
                    engine, org, user, at, after, upto)
                assert moved == notif.unread_count(engine, org, user, at, upto=upto), (after, upto)
                grows = notif.next_inbox_change(engine, org, at, after=after, upto=upto)
                full = notif.next_inbox_change(engine, org, at, upto=upto)
                assert grows is None or full is None or grows >= full
    finally:
        runner.close()
