"""Verifiable history: hash chain, tampering found at its position, export re-verified
by the standalone stdlib script; the chain is extended by the projection runner's
catch-up, in the batch's transaction, exactly once. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from relogement.projections import build_runner
from relogement.projections.audit import GENESIS, audit_chain, link
from relogement.projections.machinery import make_engine
from relogement.runtime.application import RelocationApp
from relogement.runtime.cli import main
from relogement.simulation import sample

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "verify_export.py"


@pytest.fixture
def runner(app):
    runner = build_runner(app)
    yield runner
    runner.close()


@pytest.fixture
def world(app, runner):
    world = sample.build_world(app)
    for name in ("Famille Martin", "Famille Benali", "M. Lefebvre"):
        sample.register(world, name=name)
    runner.catch_up()  # like the web app after each command: the chain is sealed with the read models
    return world


def _chain_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(audit_chain.select().order_by(audit_chain.c.position))]


def _standalone(*args: str) -> subprocess.CompletedProcess:
    # -I -S: isolated, no site-packages: the script needs nothing but the stdlib.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def _tamper(database_url: str, sql: str, **params) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def _state(database_url: str, position: int) -> bytes:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return bytes(
                conn.execute(
                    text("SELECT state FROM relogement_events WHERE id = :i"), {"i": position}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_the_chain_is_sealed_by_the_catch_up_and_verifies(app, world):
    last = app.recorder.max_notification_id()
    verdict = app.audit_chain.verify()
    assert verdict.ok and verdict.checked == last and verdict.unsealed == 0
    assert verdict.head_position == last
    # The head is the documented formula over the stored bytes.
    prev = GENESIS
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        prev = link(prev, n.id, n.originator_id, n.originator_version, n.topic, n.state)
    assert verdict.head_hash == prev


def test_export_reverifies_elsewhere_and_erasure_keeps_the_chain(app, world, tmp_path):
    households = [
        h for h in app.replay_all()[1].values() if type(h).__name__ == "Household"
    ]
    household_id = households[0].id
    app.erase_household(household_id, world.actor("MEL"), "demande", "Demande écrite")
    assert app.audit_chain.verify().ok

    export = tmp_path / "history.jsonl"
    with export.open("w", encoding="utf-8") as out:
        count, head = app.audit_chain.export(out)
    assert count == app.recorder.max_notification_id()
    assert head == app.audit_chain.head()[1]

    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert [e["position"] for e in lines] == list(range(1, count + 1))
    first = lines[0]
    assert set(first) == {
        "position", "timestamp", "topic", "originator_id", "originator_version",
        "state", "state_b64", "hash",
    }
    assert first["timestamp"].endswith("+00:00")
    registered = [e for e in lines if e["topic"].endswith("HouseholdRegistered")]
    assert registered and all(e["state"]["personal"]["sealed"] == "aes-256-gcm/v1" for e in registered)
    assert "Famille Martin" not in export.read_text(encoding="utf-8")
    assert lines[-1]["topic"].endswith("HouseholdErased")

    result = _standalone(str(export), "--head", head)
    assert result.returncode == 0, result.stderr
    assert f"tête n° {count} = {head}" in result.stdout

    # A kept head that does not match: refused.
    assert _standalone(str(export), "--head", "f" * 64).returncode == 1

    # An exported line altered after the fact: found at its position.
    lines[4]["state"]["by_user"] = "quelqu.un.autre"
    lines[4]["state_b64"] = base64.b64encode(
        json.dumps(lines[4]["state"], separators=(",", ":"), ensure_ascii=False).encode()
    ).decode()
    export.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    result = _standalone(str(export))
    assert result.returncode == 1
    assert "événement n° 5 " in result.stderr


def test_an_updated_stored_event_is_found_at_its_position(app, world, database_url, tmp_path):
    target = 7
    state = _state(database_url, target)
    assert b'"by_user":"' in state
    forged = state.replace(b'"by_user":"', b'"by_user":"x', 1)
    _tamper(database_url, "UPDATE relogement_events SET state = :s WHERE id = :i", s=forged, i=target)

    verdict = app.audit_chain.verify()
    assert not verdict.ok
    assert verdict.break_position == target and "contenu modifié" in verdict.reason
    assert verdict.checked == target - 1

    cli = CliRunner()
    result = cli.invoke(main, ["--database", database_url, "audit", "verify"])
    assert result.exit_code == 1
    assert f"n° {target} " in result.output

    # The export carries the bytes as they are now and the hash as sealed: the
    # standalone verifier finds the same position.
    export = tmp_path / "history.jsonl"
    result = cli.invoke(main, ["--database", database_url, "audit", "export", str(export)])
    assert result.exit_code == 0, result.output
    result = _standalone(str(export))
    assert result.returncode == 1 and f"événement n° {target} " in result.stderr


def test_a_deleted_event_is_found(app, world, database_url):
    _tamper(database_url, "DELETE FROM relogement_events WHERE id = :i", i=11)
    verdict = app.audit_chain.verify()
    assert (verdict.ok, verdict.break_position) == (False, 11)
    assert "supprimé" in verdict.reason


def test_unsealed_tail_is_reported_then_sealed(database_url, clock, tmp_path):
    app = RelocationApp(database_url, clock=clock, env={"RELOGEMENT_AUDIT_SEAL": "0"})
    try:
        world = sample.build_world(app)
        sample.register(world)
        verdict = app.audit_chain.verify()
        assert verdict.ok and verdict.checked == 0
        assert verdict.unsealed == app.recorder.max_notification_id()
    finally:
        app.close()
    cli = CliRunner()
    result = cli.invoke(main, ["--database", database_url, "audit", "seal"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(main, ["--database", database_url, "audit", "verify"])
    assert result.exit_code == 0 and "Chaîne intègre" in result.output
    head = cli.invoke(main, ["--database", database_url, "audit", "head"]).output.split()
    assert int(head[0]) > 0 and len(head[1]) == 64


class _Failing:
    tables = ()

    def __init__(self) -> None:
        self.fail = True

    def apply(self, conn, position, domain_event) -> None:
        if self.fail:
            raise RuntimeError("read model crash")


def test_the_chain_moves_with_the_read_models_in_one_transaction(app, clock):
    world = sample.build_world(app)
    failing = _Failing()
    runner = build_runner(app, extra=[failing])
    try:
        with pytest.raises(RuntimeError):
            runner.catch_up()
        # The batch rolled back whole: neither the position nor the chain moved.
        assert runner.position() == 0
        assert app.audit_chain.head() == (0, GENESIS)
        failing.fail = False
        sample.register(world)
        assert runner.catch_up() == app.recorder.max_notification_id()
        verdict = app.audit_chain.verify()
        assert verdict.ok and verdict.unsealed == 0
        assert verdict.checked == app.recorder.max_notification_id()
    finally:
        runner.close()


def test_rebuild_keeps_the_chain_and_seals_nothing_twice(app, world, runner):
    before = _chain_rows(runner.engine)
    assert len(before) == app.recorder.max_notification_id()
    runner.rebuild()
    assert _chain_rows(runner.engine) == before  # same rows, same sealed_at: not re-sealed
    assert app.audit_chain.verify().ok


def test_a_lagging_chain_is_filled_in_by_the_next_batch(database_url, clock):
    # Written and caught up with sealing off (bulk load): the chain is empty...
    bulk = RelocationApp(database_url, clock=clock, env={"RELOGEMENT_AUDIT_SEAL": "0"})
    try:
        world = sample.build_world(bulk)
        sample.register(world)
        quiet = build_runner(bulk)
        quiet.catch_up()
        quiet.close()
        assert bulk.audit_chain.head() == (0, GENESIS)
    finally:
        bulk.close()
    # ...then one more command and a normal catch-up: the gap and the new event, once.
    app = RelocationApp(database_url, clock=clock)
    runner = build_runner(app)
    try:
        world.app = app
        sample.register(world, name="Famille Tard")
        assert runner.catch_up() > 0
        verdict = app.audit_chain.verify()
        assert verdict.ok and verdict.unsealed == 0
        assert verdict.checked == app.recorder.max_notification_id()
    finally:
        runner.close()
        app.close()


def test_concurrent_seal_and_catch_up_seal_each_event_once(app, runner, clock):
    import threading

    world = sample.build_world(app)
    for i in range(4):
        sample.register(world, name=f"Ménage {i}")
    errors: list[BaseException] = []

    def seal() -> None:
        try:
            for _ in range(5):
                app.audit_chain.extend()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    thread = threading.Thread(target=seal)
    thread.start()
    runner.catch_up()
    thread.join()
    assert not errors
    verdict = app.audit_chain.verify()
    assert verdict.ok and verdict.unsealed == 0
    rows = _chain_rows(runner.engine)
    assert [r[0] for r in rows] == list(range(1, app.recorder.max_notification_id() + 1))
