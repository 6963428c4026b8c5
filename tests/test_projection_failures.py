"""A bad event must not stop the world: the runner stops just before it, logs where and
how (never what the event holds), backs off, and the lag is visible; events recorded
with a NUL before the entry refused it still project (PostgreSQL cannot store NUL)."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from relogement.platform import values
from relogement.projections import build_runner
from relogement.projections.lag import ProjectionFailed, lag
from relogement.projections.read_models import household_identity
from relogement.runtime.cli import main
from relogement.simulation import sample

SECRET_NAME = "Famille Secrète-Dupont"
SECRET_PHONE = "06 99 88 77 66"


class Exploding:
    """Fails on the household's registration, quoting its identity in the error's text
    (as PostgreSQL's error quotes the values it refuses)."""

    tables = ()

    def apply(self, conn, position, domain_event) -> None:  # noqa: ANN001
        personal = getattr(domain_event, "personal", None)
        if isinstance(personal, dict) and personal.get("name") == SECRET_NAME:
            raise ValueError(f"cannot store {personal['name']} {personal['phone']}")


def _world_with_secret(app):
    world = sample.build_world(app)
    sample.register(world, name="Famille Martin")
    household = world.app.register_household(
        world.project_id, "DEM-FAU-1", world.orgs["LMH"], sample.situation(),
        values.PersonalData(name=SECRET_NAME, phone=SECRET_PHONE), world.actor("LMH"),
    )
    app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    return world, household


def test_a_failing_projector_stops_just_before_its_event_and_logs_no_state(app, caplog):
    _world_with_secret(app)
    head = app.recorder.max_notification_id()
    runner = build_runner(app, extra=[Exploding()])
    try:
        with pytest.raises(ProjectionFailed) as failed:
            runner.catch_up()
        failure = failed.value
        # Every event before the bad one is applied; the failure names it, not its content.
        assert runner.position() == failure.position - 1 < head
        assert failure.topic.endswith("HouseholdRegistered")
        assert failure.error_class == "builtins.ValueError"
        assert failure.__cause__ is None and failure.__suppress_context__
        assert SECRET_NAME not in str(failure) and SECRET_PHONE not in str(failure)

        clock = [1000.0]
        runner.clock = lambda: clock[0]
        waits: list[float] = []

        def wait(seconds: float) -> bool:  # the poller's sleep: recorded, never slept
            waits.append(seconds)
            clock[0] += seconds
            return len(waits) > 9

        with caplog.at_level(logging.DEBUG):
            runner.poll(0.5, wait)
        # Exponential, capped back-off between attempts (one log line per attempt).
        assert waits == [0.5, 1, 2, 4, 8, 16, 32, 60, 60, 60]
        attempts = [r for r in caplog.records if "projections arrêtées" in r.getMessage()]
        assert len(attempts) == 9
        line = attempts[0].getMessage()
        assert f"n° {failure.position}" in line and "HouseholdRegistered" in line
        assert "builtins.ValueError" in line
        assert SECRET_NAME not in caplog.text and SECRET_PHONE not in caplog.text
        assert all(r.exc_info is None for r in caplog.records)  # no traceback, no chained text

        # While backing off, a command's catch-up returns at once; the lag is visible.
        assert runner.try_catch_up() is False
        state = lag(runner)
        assert state.blocked and state.events == head - runner.position()
        assert state.last_error["position"] == failure.position
        assert state.last_error["attempts"] >= 10
    finally:
        runner.close()


def test_status_command_prints_position_lag_and_last_error(app, database_url):
    _world_with_secret(app)
    runner = build_runner(app, extra=[Exploding()])
    try:
        with pytest.raises(ProjectionFailed):
            runner.catch_up()
        position, head = runner.position(), app.recorder.max_notification_id()
    finally:
        runner.close()
    result = CliRunner().invoke(main, ["--database", database_url, "projections", "status"])
    assert result.exit_code == 0, result.output
    assert f"Position des vues : événement n° {position}" in result.output
    assert f"Retard : {head - position} événement(s)" in result.output
    assert f"Dernière erreur : événement n° {position + 1}" in result.output
    assert "builtins.ValueError" in result.output and "bloque les vues" in result.output
    assert SECRET_NAME not in result.output
    # The plain catch-up (without the failing projector) gets past it: no longer blocking.
    result = CliRunner().invoke(main, ["--database", database_url, "projections", "catch-up"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["--database", database_url, "projections", "status"])
    assert "Retard : 0 événement(s)" in result.output and "dépassée depuis" in result.output


def test_catch_up_command_fails_in_french_without_the_events_content(app, database_url, monkeypatch):
    _world_with_secret(app)
    import relogement.projections as projections

    real = projections.projectors
    monkeypatch.setattr(projections, "projectors", lambda: [*real(), Exploding()])
    result = CliRunner().invoke(main, ["--database", database_url, "projections", "catch-up"])
    assert result.exit_code != 0
    assert "n'a pu être appliqué" in result.output and "builtins.ValueError" in result.output
    assert SECRET_NAME not in result.output and SECRET_PHONE not in result.output


def _record_before_the_rule(app, monkeypatch, name: str, address: str):
    """Record events holding NUL as the code before the fix did (no entry check)."""
    import relogement.platform.sealing as sealing

    with monkeypatch.context() as patched:
        patched.setattr(values, "check_text", lambda field, value, **kwargs: value)
        patched.setattr(sealing, "check_recorded_text", lambda state: None)
        world = sample.build_world(app)
        household = sample.register(world, name=name)
        offer = app.publish_offer(
            world.project_id, replace(sample.dwelling(), address=address), world.actor("VCL")
        )
    return household, offer


def test_events_recorded_with_nul_before_the_fix_still_project(app, monkeypatch):
    household, offer = _record_before_the_rule(app, monkeypatch, "Famille\x00Nul", "3 rue\x00 de Douai")
    runner = build_runner(app)
    try:
        runner.catch_up()  # PostgreSQL refused these rows before the fix
        assert runner.position() == app.recorder.max_notification_id()
        from relogement.projections import queries as q

        with runner.engine.connect() as conn:
            name = conn.execute(
                select(household_identity.c.name).where(household_identity.c.household_id == household.hex)
            ).scalar_one()
        assert name == "FamilleNul"
        assert q.get_offer(runner.engine, offer.hex)["address"] == "3 rue de Douai"
    finally:
        runner.close()
