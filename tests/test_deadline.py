"""The objection deadline: calendar hours across DST, and the working-days option.

Dates of 2026: DST starts Sunday 29 March (02:00 → 03:00, Paris goes from UTC+1 to
UTC+2) and ends Sunday 25 October. 6 March 2026 is a Friday.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from relogement.platform.deadline import objection_deadline, window_open
from relogement.simulation import sample

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_48_hours_across_spring_dst_are_48_real_hours():
    start = paris(2026, 3, 28, 10, 0)  # Saturday 10:00 CET = 09:00 UTC
    deadline = objection_deadline(start, 48)
    # 09:00 UTC + 48 h = Monday 30 March 09:00 UTC = 11:00 CEST (one hour "later" locally)
    assert deadline == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert deadline.astimezone(PARIS) == paris(2026, 3, 30, 11, 0)
    assert deadline - start == timedelta(hours=48)


def test_48_hours_across_autumn_dst():
    start = paris(2026, 10, 24, 10, 0)  # Saturday 10:00 CEST = 08:00 UTC
    deadline = objection_deadline(start, 48)
    # 08:00 UTC + 48 h = Monday 26 October 08:00 UTC = 09:00 CET
    assert deadline.astimezone(PARIS) == paris(2026, 10, 26, 9, 0)
    assert deadline - start == timedelta(hours=48)


def test_deadline_is_utc_and_needs_an_aware_start():
    assert objection_deadline(paris(2026, 3, 2, 9, 0), 48).tzinfo == UTC
    with pytest.raises(ValueError):
        objection_deadline(datetime(2026, 3, 2, 9, 0), 48)


def test_window_is_open_strictly_before_the_deadline():
    deadline = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert window_open(deadline, deadline - timedelta(seconds=1))
    assert not window_open(deadline, deadline)
    assert not window_open(deadline, deadline + timedelta(seconds=1))


def test_working_days_friday_afternoon_to_tuesday():
    # Friday 15:00: 9 h left on Friday, Saturday and Sunday skipped,
    # 24 h on Monday, then 15 h on Tuesday → Tuesday 15:00.
    start = paris(2026, 3, 6, 15, 0)
    assert objection_deadline(start, 48, working_days_only=True).astimezone(PARIS) == paris(
        2026, 3, 10, 15, 0
    )


def test_working_days_weekday_only_is_calendar_time():
    # Monday 10:00 + 48 h with no weekend in between → Wednesday 10:00.
    start = paris(2026, 3, 2, 10, 0)
    assert objection_deadline(start, 48, working_days_only=True) == objection_deadline(start, 48)


def test_working_days_start_on_saturday_counts_from_monday():
    # Saturday 10:00: the clock starts Monday 00:00; 48 h → Wednesday 00:00.
    start = paris(2026, 3, 7, 10, 0)
    assert objection_deadline(start, 48, working_days_only=True).astimezone(PARIS) == paris(
        2026, 3, 11, 0, 0
    )


def test_working_days_across_dst_weekend():
    # Friday 27 March 15:00 CET; weekend of the DST change skipped; Tuesday 15:00 CEST.
    start = paris(2026, 3, 27, 15, 0)
    deadline = objection_deadline(start, 48, working_days_only=True)
    assert deadline.astimezone(PARIS) == paris(2026, 3, 31, 15, 0)
    assert deadline == datetime(2026, 3, 31, 13, 0, tzinfo=UTC)


def test_proposal_made_across_dst_stores_the_real_48_hour_deadline(app, clock):
    world = sample.build_world(app)
    household = sample.register(world)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    clock.now = paris(2026, 3, 28, 10, 0).astimezone(UTC)
    proposal_id = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    stored = app.history(proposal_id)[0].objection_deadline
    assert stored.astimezone(PARIS) == paris(2026, 3, 30, 11, 0)
    assert app.proposal(proposal_id).window_open_at(datetime(2026, 3, 30, 8, 59, 59, tzinfo=UTC))
    assert not app.proposal(proposal_id).window_open_at(datetime(2026, 3, 30, 9, 0, tzinfo=UTC))


def test_project_with_working_days_only(app, clock):
    world = sample.build_world(app, settings={"working_days_only": True})
    household = sample.register(world)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    clock.now = paris(2026, 3, 6, 15, 0).astimezone(UTC)  # Friday 15:00
    proposal_id = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    made = app.history(proposal_id)[0]
    assert made.objection_deadline.astimezone(PARIS) == paris(2026, 3, 10, 15, 0)
    assert made.window_hours == 48
    # Objections still accepted on Monday evening (calendar time would have closed Sunday).
    clock.now = paris(2026, 3, 9, 20, 0).astimezone(UTC)
    app.raise_objection(proposal_id, "Motif", world.actor("VLS"))
    assert len(app.proposal(proposal_id).open_objections) == 1
