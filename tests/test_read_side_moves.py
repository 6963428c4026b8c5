"""What moved from web/ into projections/ (plan 24, WP3): same results, and the web
files that only consume the read side import no SQL toolkit."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from relogement.projections import build_runner, report_queries
from relogement.projections import notices as notif
from relogement.simulation import sample

ROOT = Path(__file__).resolve().parents[1]


def test_mark_all_read_marks_everything_unread_once_and_bumps_the_version(app, clock):
    world = sample.build_world(app)
    household = sample.register(world, bailleur="LMH")
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    runner = build_runner(app)
    try:
        runner.catch_up()
        engine, org, at = runner.engine, world.orgs["DEP59"], clock.now
        unread = notif.unread_count(engine, org, "alice", at)
        assert unread >= 2
        first = notif.list_inbox(engine, org, "alice", at, limit=None)[0]
        assert notif.mark_read(engine, org, "alice", [first.key], at) == 1
        before = notif.read_version(engine, org, "alice")
        # The other tab's mark is not counted twice; one transaction, one version bump.
        assert notif.mark_all_read(engine, org, "alice", at) == unread - 1
        assert notif.unread_count(engine, org, "alice", at) == 0
        assert notif.read_version(engine, org, "alice") == before + 1
        assert notif.mark_all_read(engine, org, "alice", at) == 0
        assert notif.unread_count(engine, org, "bob", at) == unread  # read marks are per user
    finally:
        runner.close()


def test_deadlines_passed_counts_live_proposals_past_their_deadline_at_a_position(app, clock):
    world = sample.build_world(app)
    household = sample.register(world, bailleur="LMH")
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    before_proposal = app.recorder.max_notification_id()
    proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    runner = build_runner(app)
    try:
        runner.catch_up()
        deadline = app.proposal(proposal).objection_deadline
        position = runner.position()
        count = report_queries.deadlines_passed
        assert count(runner.engine, world.project_id, position, deadline - timedelta(seconds=1)) == 0
        assert count(runner.engine, world.project_id, position, deadline) == 1
        assert count(runner.engine, world.project_id, None, deadline) == 1
        assert count(runner.engine, world.project_id, before_proposal, deadline) == 0  # not made yet
        app.withdraw_proposal(proposal, "Retirée", world.actor("LMH"))
        runner.catch_up()
        assert count(runner.engine, world.project_id, None, deadline) == 0  # no longer live
        assert count(runner.engine, world.project_id, position, deadline) == 1  # as of then
    finally:
        runner.close()


def test_the_inbox_and_report_web_files_import_no_sqlalchemy():
    for name in ("web/inbox.py", "web/reports.py", "web/blueprints/notifications.py"):
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        modules = [
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [m for m in modules if m.split(".")[0] == "sqlalchemy"], name
