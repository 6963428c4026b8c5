"""An offer reserved for the relocations until a day (domain.md: offers "may be withdrawn
or expire"): after that day it is no longer proposed; its bailleur may extend it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from relogement.events.offer import OfferPublished, OfferUpdated
from relogement.platform.errors import DomainError, InvalidValue
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample
from tests.test_upcast import rewrite_state


@pytest.fixture
def world(app):
    return sample.build_world(app)


def test_an_expired_offer_is_no_longer_proposed_until_extended(app, world, clock):
    vcl, lmh = world.actor("VCL"), world.actor("LMH")
    household = sample.register(world)
    today = date(2026, 3, 2)  # the sample clock's Paris day
    offer = app.publish_offer(world.project_id, sample.dwelling(), vcl, available_until=today + timedelta(days=10))
    assert app.offer(offer).available_until == date(2026, 3, 12)
    first = app.make_proposal(household, offer, 20_000, lmh)  # within the reservation
    app.withdraw_proposal(first, "Erreur", lmh)
    clock.advance(days=10)  # 12/03: the last day still counts
    second = app.make_proposal(household, offer, 20_000, lmh)
    app.withdraw_proposal(second, "Erreur", lmh)
    clock.advance(days=1)  # 13/03
    with pytest.raises(DomainError) as expired:
        app.make_proposal(household, offer, 20_000, lmh)
    assert expired.value.code == "offer_expired"
    assert "réservée au relogement jusqu'au 12/03/2026" in expired.value.message
    app.update_offer(offer, sample.dwelling(), vcl, available_until=date(2026, 4, 30))
    app.make_proposal(household, offer, 20_000, lmh)


def test_reservation_dates_are_checked(app, world, clock):
    vcl = world.actor("VCL")
    with pytest.raises(InvalidValue) as past:
        app.publish_offer(world.project_id, sample.dwelling(), vcl, available_until=date(2026, 3, 1))
    assert past.value.field == "available_until" and "01/03/2026) est déjà passée" in past.value.message
    with pytest.raises(InvalidValue) as far:
        app.publish_offer(world.project_id, sample.dwelling(), vcl, available_until=date(2030, 1, 1))
    assert "plus de trois ans" in far.value.message
    offer = app.publish_offer(world.project_id, sample.dwelling(), vcl)  # no end date
    assert app.offer(offer).available_until is None


def test_v1_offer_events_are_read_without_an_end_date(app, database_url, world, clock):
    assert OfferPublished.class_version == OfferUpdated.class_version == 2
    vcl = world.actor("VCL")
    offer = app.publish_offer(world.project_id, sample.dwelling(), vcl, available_until=date(2026, 5, 1))
    app.update_offer(offer, sample.dwelling(rent_cents=45_000), vcl, available_until=date(2026, 6, 1))
    rows = [n for n in app.notification_log.select(start=1, limit=app.log_section_size) if n.originator_id == offer]
    for row in rows:  # what the v1 code wrote: no available_until, no class_version
        state = json.loads(row.state)
        assert state["class_version"] == 2
        del state["available_until"], state["class_version"]
        rewrite_state(app, row.id, state)
    reader = RelocationApp(database_url, clock=clock, env={"AGGREGATE_CACHE_MAXSIZE": ""})
    try:
        old = reader.offer(offer)
        assert old.available_until is None and old.dwelling["rent_cents"] == 45_000
        assert [e.available_until for e in reader.history(offer)] == [None, None]
    finally:
        reader.close()
