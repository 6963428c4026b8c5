"""The header's unread count after a new event: moved by what the events in between
changed, not counted again in full, and equal to the count in full (issue 19)."""

from __future__ import annotations

import re
from datetime import timedelta

from relogement.projections import notices as notif
from relogement.simulation import sample

BADGE = re.compile(r'id="notifications-entete"[^>]*>Notifications(?: <span class="compteur"[^>]*>(\d+)<)?')


def _badge(page: str) -> int:
    found = BADGE.search(page)
    assert found, "no notifications link in the header"
    return int(found.group(1) or 0)


def test_the_badge_is_moved_by_each_new_event_and_counted_again_once_time_changes_it(
    world, client_for, web_app, clock, monkeypatch
):
    app = world.app.extensions["relogement"]
    engine = web_app.extensions["relogement.readmodels"].db
    city_org, user = world.world.orgs["VLS"], "vls.partenaire"
    city = client_for(user)
    start = _badge(city.get("/offres").text)
    assert start == notif.unread_count(engine, city_org, user, clock.now)

    counted = []
    full = notif.unread_count
    monkeypatch.setattr(notif, "unread_count", lambda *a, **k: counted.append(a) or full(*a, **k))

    def shown() -> int:
        return _badge(city.get("/offres").text)

    # A proposal: one "proposition à examiner" for the city, moved in.
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, world.world.actor("VCL"))
    assert shown() == start + 1 == full(engine, city_org, user, clock.now)
    # An objection by another partner (not told to the city), then a new offer (told).
    app.raise_objection(proposal, "Loyer trop élevé", world.world.actor("DEP59"))
    app.publish_offer(world.world.project_id, sample.dwelling(), world.world.actor("PDC"))
    assert shown() == start + 2 == full(engine, city_org, user, clock.now)
    assert counted == []  # every step moved, none counted in full
    # The 12-hour reminder comes due with no event: the kept count no longer holds.
    deadline = app.proposal(proposal).objection_deadline
    clock.advance(seconds=(deadline - timedelta(hours=12) - clock.now).total_seconds() + 60)
    assert shown() == start + 3 == full(engine, city_org, user, clock.now)
    assert len(counted) == 1
    # Withdrawn after its reminder came due: the reminder stays, moved again.
    app.withdraw_proposal(proposal, "Retirée", world.world.actor("VCL"))
    assert shown() == full(engine, city_org, user, clock.now) == start + 3
    assert len(counted) == 1
