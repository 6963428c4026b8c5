"""The objection deadline and the scheduler that closes windows, on SQLite and PostgreSQL.

No test sleeps for a deadline: the clock is injected and moved.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from click.testing import CliRunner
from conftest import FakeClock

from relogement.events.proposal import ObjectionWindowClosed
from relogement.platform.deadline import PARIS
from relogement.platform.errors import DomainError
from relogement.projections import deadlines
from relogement.runtime.application import RelocationApp
from relogement.runtime.cli import main as cli
from relogement.runtime.scheduler import JOB_ID, DeadlineScheduler
from relogement.simulation import sample


def _proposals(world: sample.SampleWorld, n: int) -> list[UUID]:
    """``n`` live proposals, one household and one offer each, made by LMH."""
    app = world.app
    out = []
    for i in range(n):
        household = sample.register(world, bailleur="LMH", name=f"Famille {i}")
        offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
        out.append(app.make_proposal(household, offer, 20_000, world.actor("LMH")))
    return out


def _closed_events(app: RelocationApp) -> dict[UUID, int]:
    """ObjectionWindowClosed per proposal, counted over the whole notification log."""
    counts: dict[UUID, int] = {}
    start = 1
    while True:
        page = list(app.notification_log.select(start=start, limit=1000))
        if not page:
            return counts
        for notification in page:
            if notification.topic.endswith(".ObjectionWindowClosed"):
                event = app.mapper.to_domain_event(notification)
                assert isinstance(event, ObjectionWindowClosed)
                counts[event.originator_id] = counts.get(event.originator_id, 0) + 1
        start = page[-1].id + 1


def test_deadline_is_48_hours_objection_one_second_before_accepted_after_refused(app, clock):
    world = sample.build_world(app)
    made_at = clock.now
    [proposal_id] = _proposals(world, 1)
    deadline = app.proposal(proposal_id).objection_deadline
    assert deadline == made_at + timedelta(hours=48)

    clock.now = deadline - timedelta(seconds=1)
    objection = app.raise_objection(proposal_id, "Typologie inadaptée", world.actor("VLS"))
    assert objection in app.proposal(proposal_id).objections

    for late in (deadline, deadline + timedelta(seconds=1)):
        clock.now = late
        with pytest.raises(DomainError) as refused:
            app.raise_objection(proposal_id, "Loyer trop élevé", world.actor("DEP59"))
        assert refused.value.code == "objection_window_closed"
        assert "délai d'opposition est écoulé" in refused.value.message


def test_scheduler_closes_at_the_deadline_not_a_second_before(app, clock):
    world = sample.build_world(app)
    quiet, contested = _proposals(world, 2)
    deadline = app.proposal(quiet).objection_deadline
    app.raise_objection(contested, "Reste à charge trop élevé", world.actor("VLS"))
    scheduler = DeadlineScheduler(app)
    try:
        clock.now = deadline - timedelta(seconds=1)
        report = scheduler.tick()
        assert (report.due, report.closed) == (0, 0)
        assert not app.proposal(quiet).window_closed
        with pytest.raises(DomainError) as early:  # the domain refuses an early closing too
            app.close_objection_window(quiet)
        assert early.value.code == "window_not_due"

        clock.now = deadline + timedelta(seconds=1)  # both made at the same instant
        report = scheduler.tick()
        assert (report.due, report.closed, report.errors) == (2, 2, 0)
        assert app.proposal(quiet).cleared_at(clock.now)
        assert not app.proposal(contested).cleared_at(clock.now)
        closed = [e for e in app.history(contested) if isinstance(e, ObjectionWindowClosed)]
        assert [(e.cleared, e.open_objections) for e in closed] == [(False, 1)]

        # Later passes, and the command itself, record nothing more.
        assert scheduler.tick().closed == 0
        assert app.close_objection_window(quiet) is False
        assert _closed_events(app) == {quiet: 1, contested: 1}
        assert deadlines.due_windows(scheduler.runner.engine, clock.now) == []
    finally:
        scheduler.shutdown()


def test_restart_closes_every_window_that_passed_while_down(database_url, clock):
    app = RelocationApp(database_url, clock=clock)
    world = sample.build_world(app)
    first = _proposals(world, 3)
    clock.advance(hours=30)
    second = _proposals(world, 2)
    withdrawn = second[1]
    app.withdraw_proposal(withdrawn, "Logement finalement non disponible", world.actor("LMH"))
    running = DeadlineScheduler(app, interval_seconds=3600)
    running.start()
    running.shutdown()  # the process goes down before any deadline
    app.close()
    assert _closed_events(RelocationApp(database_url, clock=clock)) == {}

    clock.advance(hours=40)  # first batch overdue by 22 h, second still running
    fresh_app = RelocationApp(database_url, clock=clock)
    fresh = DeadlineScheduler(fresh_app, interval_seconds=3600)
    try:
        fresh.start()  # the start-up pass, before the first interval
        job = fresh._scheduler.get_job(JOB_ID)
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time is None
        assert _closed_events(fresh_app) == dict.fromkeys(first, 1)
        assert not fresh_app.proposal(second[0]).window_closed

        clock.advance(hours=20)
        fresh.tick()
        assert _closed_events(fresh_app) == {**dict.fromkeys(first, 1), second[0]: 1}
        assert withdrawn not in _closed_events(fresh_app)  # nothing to close on a withdrawn one
        assert deadlines.due_windows(fresh.runner.engine, clock.now) == []
    finally:
        fresh.shutdown()
        fresh_app.close()


@pytest.mark.slow
def test_two_schedulers_racing_on_500_due_windows_close_each_exactly_once(database_url, clock):
    setup = RelocationApp(database_url, clock=clock)
    world = sample.build_world(setup)
    proposals = _proposals(world, 500)
    setup.close()
    clock.advance(hours=49)

    # Two applications with their own engines stand for two processes.
    apps = [RelocationApp(database_url, clock=clock) for _ in range(2)]
    schedulers = [DeadlineScheduler(a) for a in apps]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def race(scheduler: DeadlineScheduler) -> None:
        try:
            barrier.wait()
            reports.append(scheduler.tick())
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=race, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        closed = _closed_events(apps[0])
        assert sum(closed.values()) == 500
        assert set(closed) == set(proposals)
        assert all(n == 1 for n in closed.values())
        # Every close was recorded by exactly one of the two; the retried passes add nothing.
        assert sum(r.closed for r in reports) == 500
        assert sum(r.errors for r in reports) == 0
        assert sum(s.tick().closed for s in schedulers) == 0
        assert sum(_closed_events(apps[1]).values()) == 500
    finally:
        for s in schedulers:
            s.shutdown()
        for a in apps:
            a.close()


@pytest.mark.parametrize(
    "made_at, paris_hours",
    [
        # Spring forward (29 March 2026): 48 real hours are 49 hours on Paris clocks.
        (datetime(2026, 3, 28, 10, 0, tzinfo=UTC), 49),
        # Fall back (25 October 2026): 48 real hours are 47 hours on Paris clocks.
        (datetime(2026, 10, 24, 10, 0, tzinfo=UTC), 47),
    ],
)
def test_window_spanning_the_daylight_saving_change_lasts_48_real_hours(
    database_url, made_at, paris_hours
):
    clock = FakeClock(made_at)
    app = RelocationApp(database_url, clock=clock)
    scheduler = DeadlineScheduler(app)
    try:
        world = sample.build_world(app)
        [proposal_id] = _proposals(world, 1)
        deadline = app.proposal(proposal_id).objection_deadline
        assert (deadline - made_at).total_seconds() == 48 * 3600
        local_made = made_at.astimezone(PARIS).replace(tzinfo=None)
        local_deadline = deadline.astimezone(PARIS).replace(tzinfo=None)
        assert local_deadline - local_made == timedelta(hours=paris_hours)

        clock.now = deadline - timedelta(seconds=1)
        assert scheduler.tick().closed == 0
        app.raise_objection(proposal_id, "Étage élevé sans ascenseur", world.actor("VLS"))
        clock.now = deadline
        assert scheduler.tick().closed == 1
        assert _closed_events(app) == {proposal_id: 1}
    finally:
        scheduler.shutdown()
        app.close()


def test_working_days_only_stops_the_clock_on_weekends(database_url):
    # Friday 6 March 2026, 16:00 in Paris: 48 working hours end Tuesday 16:00.
    clock = FakeClock(datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
    app = RelocationApp(database_url, clock=clock)
    scheduler = DeadlineScheduler(app)
    try:
        world = sample.build_world(app, settings={"working_days_only": True})
        [proposal_id] = _proposals(world, 1)
        deadline = app.proposal(proposal_id).objection_deadline
        assert deadline.astimezone(PARIS).replace(tzinfo=None) == datetime(2026, 3, 10, 16, 0)
        clock.now = datetime(2026, 3, 8, 15, 0, tzinfo=UTC) + timedelta(hours=1)  # 48 calendar h
        assert scheduler.tick().closed == 0
        clock.now = deadline
        assert scheduler.tick().closed == 1
    finally:
        scheduler.shutdown()
        app.close()


def test_cli_scheduler_once_closes_overdue_windows(database_url):
    # Proposals made three days ago by the real clock: overdue for the CLI's real clock.
    clock = FakeClock(datetime.now(tz=UTC) - timedelta(days=3))
    app = RelocationApp(database_url, clock=clock)
    world = sample.build_world(app)
    proposals = _proposals(world, 2)
    app.close()
    result = CliRunner().invoke(cli, ["--database", database_url, "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 clos" in result.output
    check = RelocationApp(database_url)
    try:
        assert _closed_events(check) == dict.fromkeys(proposals, 1)
    finally:
        check.close()


def test_a_failing_read_model_does_not_stop_the_closing_of_known_windows(app, clock, monkeypatch):
    world = sample.build_world(app)
    [proposal_id] = _proposals(world, 1)
    scheduler = DeadlineScheduler(app)
    try:
        scheduler.tick()  # the deadline table knows the proposal

        def broken(*args, **kwargs):
            raise RuntimeError("a projector failed")

        monkeypatch.setattr(scheduler.runner, "catch_up", broken)
        clock.advance(hours=48)
        assert scheduler.tick().closed == 1
        assert _closed_events(app) == {proposal_id: 1}
    finally:
        scheduler.shutdown()


def test_scheduler_starts_on_a_fresh_empty_store(app, clock, caplog):
    # First thing on a fresh file: no command has touched the store yet.
    scheduler = DeadlineScheduler(app)
    try:
        with caplog.at_level("ERROR"):
            assert scheduler.tick().due == 0
        assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
        world = sample.build_world(app)
        [proposal_id] = _proposals(world, 1)
        clock.advance(hours=48)
        assert scheduler.tick().closed == 1
    finally:
        scheduler.shutdown()


def test_the_scheduler_stores_each_projects_states_so_no_first_request_reads_every_row(app, clock):
    """After a rebuild no state is stored, and a page's first request would read every row
    of the programme (seconds at national scale). The scheduler stores them, at most every
    STATES_EVERY_SECONDS, and only where the last is EVERY events behind."""
    from relogement.projections import dashboard_snapshots, residual_state
    from relogement.projections.dashboard import dashboard
    from relogement.runtime import scheduler as module

    world = sample.build_world(app)
    _proposals(world, 2)
    scheduler = DeadlineScheduler(app, interval_seconds=3600)
    try:
        engine = scheduler.runner.engine
        pid = world.project_id.hex
        scheduler._catch_up()
        assert dashboard_snapshots.last_stored(engine, pid) is None
        assert residual_state.last_stored(engine, pid) is None

        scheduler.tick()
        head = app.recorder.max_notification_id()
        assert dashboard_snapshots.last_stored(engine, pid) == head
        assert residual_state.last_stored(engine, pid) == head
        # The stored state gives the figures computed from every row.
        state = dashboard_snapshots.nearest(engine, pid, head)
        assert dashboard(engine, pid, position=head, tallies=state) == dashboard(engine, pid, position=head)

        # New events, fewer than EVERY: nothing more is stored; nor within the interval.
        _proposals(world, 1)
        assert scheduler.store_states() == 0
        clock.advance(seconds=module.STATES_EVERY_SECONDS + 1)
        scheduler.tick()
        assert dashboard_snapshots.last_stored(engine, pid) == head

        # A failing pass is logged; the windows are closed all the same.
        scheduler.store_states = lambda: 1 / 0
        clock.advance(seconds=module.STATES_EVERY_SECONDS + 1)
        assert scheduler.tick().errors == 0
    finally:
        scheduler.shutdown()


def test_a_rebuild_ends_with_each_projects_states_stored(database_url, clock):
    from relogement.projections import dashboard_snapshots, residual_state
    from relogement.projections.machinery import make_engine

    app = RelocationApp(database_url, clock=clock)
    try:
        world = sample.build_world(app)
        _proposals(world, 1)
        head = app.recorder.max_notification_id()
    finally:
        app.close()
    result = CliRunner().invoke(cli, ["--database", database_url, "projections", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "États des tableaux de bord enregistrés : 1 projet(s)." in result.output
    engine = make_engine(database_url)
    try:
        assert dashboard_snapshots.last_stored(engine, world.project_id.hex) == head
        assert residual_state.last_stored(engine, world.project_id.hex) == head
    finally:
        engine.dispose()


def test_the_scheduler_stores_the_follow_ups_past_states_a_part_at_each_pass(app, clock, monkeypatch):
    """After a deploy the reste-à-vivre's states of the past (named by the code's version)
    are missing, and an as-of page far from the head would read every row. Each pass of the
    scheduler stores those missing, within HISTORY_SECONDS; the next pass goes on."""
    from sqlalchemy import select

    from relogement.projections import residual_state
    from relogement.runtime import scheduler as module

    monkeypatch.setattr(residual_state, "EVERY", 3)
    monkeypatch.setattr(residual_state, "HISTORY_CHANGED", 0)
    world = sample.build_world(app)
    _proposals(world, 2)
    scheduler = DeadlineScheduler(app, interval_seconds=3600)
    try:
        engine = scheduler.runner.engine
        c = residual_state.snapshots.c

        def grid() -> set[int]:
            with engine.connect() as conn:
                found = conn.execute(select(c.position).where(c.format == residual_state.FORMAT)).scalars()
                return {position for position in found if position % 3 == 0}

        monkeypatch.setattr(module, "HISTORY_SECONDS", 0)  # a pass with no time left for it
        scheduler.tick()
        head = app.recorder.max_notification_id()
        assert grid() <= {head}  # at most the head's own state, stored by store_current
        monkeypatch.setattr(module, "HISTORY_SECONDS", 60)
        clock.advance(seconds=module.STATES_EVERY_SECONDS + 1)
        scheduler.tick()
        assert grid() == set(range(3, head + 1, 3))
    finally:
        scheduler.shutdown()
