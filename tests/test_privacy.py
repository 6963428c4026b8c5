"""Personal data: sealed per household, crypto-shredding erasure, access log, retention.

Every test runs on SQLite and PostgreSQL (fixtures in conftest.py).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import event, inspect, text

from relogement.platform import privacy, sealing
from relogement.platform.application import Actor
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.values import PersonalData
from relogement.projections import build_runner
from relogement.projections.machinery import make_engine, table_snapshot
from relogement.runtime import keystore
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample

# Values that must never be found in the database once the household is erased.
SECRETS = {
    "name": "Famille Quennehen-Ydrissi",
    "phone": "07 98 76 54 32",
    "email": "quennehen.ydrissi@example.org",
    "address": "14 allée des Glycines, Lille",
    "notes": "Suivi CCAS pour surendettement, rendez-vous le mardi",
    "constraints": "Rez-de-chaussée indispensable (fauteuil)",
    "birth": "1979-05-17",
}
UPDATED_NOTES = "Nouvelle note confidentielle Zyxwvu"
NEIGHBOURS = "Famille Voisine-Pqrst"


@pytest.fixture
def world(app):
    return sample.build_world(app)


def _personal(**over: object) -> PersonalData:
    values = dict(
        name=SECRETS["name"],
        phone=SECRETS["phone"],
        email=SECRETS["email"],
        address=SECRETS["address"],
        birth_dates=(SECRETS["birth"],),
        notes=SECRETS["notes"],
        constraints=SECRETS["constraints"],
    )
    values.update(over)
    return PersonalData(**values)  # type: ignore[arg-type]


def _register(world, name_suffix: str = "") -> UUID:
    app = world.app
    return app.register_household(
        world.project_id,
        "DEM-FAU-1",
        world.orgs["LMH"],
        sample.situation(),
        _personal(name=SECRETS["name"] + name_suffix),
        world.actor("LMH"),
    )


def _relocate(world, clock, household_id: UUID) -> UUID:
    app = world.app
    lmh, vcl = world.actor("LMH"), world.actor("VCL")
    offer_id = app.publish_offer(world.project_id, sample.dwelling(), vcl)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, lmh)
    clock.advance(hours=49)
    app.close_objection_window(proposal_id)
    app.accept_proposal(proposal_id, date(2026, 3, 5), lmh)
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 12), "Dossier complet", vcl)
    app.sign_lease(
        proposal_id,
        rent_cents=47_500,
        charges_cents=10_000,
        apl_cents=20_500,
        signed_on=date(2026, 3, 22),
        move_in_date=date(2026, 4, 1),
        actor=vcl,
    )
    return proposal_id


def _stored_states(app: RelocationApp, household_id: UUID) -> list[bytes]:
    return [bytes(n.state) for n in app.recorder.select_notifications(start=1, limit=10_000)
            if n.originator_id == household_id]


def _scan_database(engine, needles: list[bytes]) -> list[str]:
    """Every value of every row of every table, as bytes: where does a needle appear?

    Raw driver rows (no SQLAlchemy type processing), every column of every table the
    database has, whoever created it.
    """
    found = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            result = conn.exec_driver_sql(f'SELECT * FROM "{name}"')
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, bytes | bytearray | memoryview):
                        data = bytes(value)
                    elif isinstance(value, dict | list):
                        data = json.dumps(value, ensure_ascii=False).encode()
                    else:
                        data = str(value).encode()
                    for needle in needles:
                        if needle in data:
                            found.append(f"{name}.{column}: {needle!r}")
    return found


def _sqlite_files(database_url: str) -> list[Path]:
    path = Path(database_url.removeprefix("sqlite:///"))
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]


# -- sealing --------------------------------------------------------------------


def test_personal_data_is_sealed_in_the_store_and_opens_for_live_households(app, world):
    household_id = _register(world)
    app.update_personal_data(household_id, _personal(notes=UPDATED_NOTES), world.actor("LMH"))

    stored = b"".join(_stored_states(app, household_id))
    for value in [*SECRETS.values(), UPDATED_NOTES]:
        assert value.encode() not in stored
    # ...while what projections need stays in clear.
    assert b'"resources_cents":180000' in stored
    assert b'"sealed":"aes-256-gcm/v1"' in stored

    personal = app.household(household_id).personal
    assert personal["name"] == SECRETS["name"]
    assert personal["notes"] == UPDATED_NOTES
    assert personal["birth_dates"] == [SECRETS["birth"]]
    history = app.history(household_id)
    assert history[0].personal["phone"] == SECRETS["phone"]

    status = app.privacy.keys.status(household_id)
    assert status is not None and status["destroyed"] is False


def test_other_households_keep_their_own_key(app, world):
    first, second = _register(world, " A"), _register(world, " B")
    keys = app.privacy.keys
    assert keys.key_for_reading(first) != keys.key_for_reading(second)
    app.erase_household(first, world.actor("MEL"), "demande", "Demande écrite du ménage")
    assert app.household(second).personal["name"] == SECRETS["name"] + " B"


def test_a_ciphertext_moved_to_another_event_does_not_open(app, world, database_url):
    household_id = _register(world)
    app.update_personal_data(household_id, _personal(notes=UPDATED_NOTES), world.actor("LMH"))
    states = _stored_states(app, household_id)
    sealed_v1 = json.loads(states[0])["personal"]
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT id, state FROM relogement_events WHERE originator_version = 2 "
                     "AND originator_id = :o"),
                {"o": household_id if engine.dialect.name == "postgresql" else household_id.bytes},
            ).one()
            state = json.loads(bytes(row.state))
            state["personal"] = sealed_v1  # same household, other version: AAD differs
            conn.execute(
                text("UPDATE relogement_events SET state = :s WHERE id = :i"),
                {"s": json.dumps(state).encode(), "i": row.id},
            )
    finally:
        engine.dispose()
    with pytest.raises(sealing.PersonalDataUnreadable):
        app.history(household_id)


# -- erasure --------------------------------------------------------------------


def test_erasure_leaves_no_personal_value_anywhere_and_no_figure_changes(
    app, world, clock, database_url
):
    household_id = _register(world)
    other_id = app.register_household(
        world.project_id,
        "DEM-FAU-1",
        world.orgs["LMH"],
        sample.situation(),
        PersonalData(name=NEIGHBOURS, phone="06 00 00 00 01"),
        world.actor("LMH"),
    )
    app.update_personal_data(household_id, _personal(notes=UPDATED_NOTES), world.actor("LMH"))
    proposal_id = _relocate(world, clock, household_id)
    key = app.privacy.keys.key_for_reading(household_id)
    assert key is not None

    runner = build_runner(app)  # every read model: identity, inboxes, deadlines...
    try:
        runner.catch_up()
        identity_rows = _scan_database(runner.engine, [SECRETS["name"].encode()])
        assert any(r.startswith("rm_household_identity.") for r in identity_rows)
        if database_url.startswith("sqlite"):  # the file scan below can see plaintext
            assert any(UPDATED_NOTES.encode() in p.read_bytes() for p in _sqlite_files(database_url))
        dashboard = _dashboard_or_none(runner.engine, world.project_id)
        read_models = [t for t in runner._tables() if t.name != "rm_household_identity"]
        before_tables = table_snapshot(runner.engine, read_models)
        household_before = app.household(household_id)
        proposal_before = app.proposal(proposal_id)
        view_before = (
            household_before.proposals,
            household_before.relocated_by,
            household_before.situation,
            proposal_before.outcome,
            proposal_before.indicators,
        )

        clock.advance(days=30)
        assert app.erase_household(
            household_id, world.actor("MEL"), "demande", "Demande écrite (art. 17)"
        )

        # The facts stay, the identity is gone.
        household = app.household(household_id)
        assert household.erased and household.personal == privacy.erased_personal()
        assert household.personal["name"] == "ménage effacé"
        proposal = app.proposal(proposal_id)
        assert (
            household.proposals,
            household.relocated_by,
            household.situation,
            proposal.outcome,
            proposal.indicators,
        ) == view_before
        assert app.history(household_id)[-1].reason == "demande"
        assert app.household(other_id).personal["name"] == NEIGHBOURS

        runner.catch_up()
        # Not one byte of it in any table (the destroyed key's bytes included)...
        needles = [v.encode() for v in [*SECRETS.values(), UPDATED_NOTES]] + [key]
        assert _scan_database(runner.engine, needles) == []
        # ...while the neighbours' identity is still there (the scan does see it).
        assert _scan_database(runner.engine, [NEIGHBOURS.encode()]) != []

        # Report figures unchanged: read models (identity aside), dashboard, and a rebuild.
        after_tables = table_snapshot(runner.engine, read_models)
        assert _without_journal(after_tables) == _without_journal(before_tables)
        if dashboard is not None:
            assert _figures(_dashboard_or_none(runner.engine, world.project_id)) == _figures(dashboard)
        runner.rebuild()
        assert _without_journal(table_snapshot(runner.engine, read_models)) == _without_journal(
            before_tables
        )
        assert app.replay_all()[1][household_id].personal == privacy.erased_personal()
    finally:
        runner.close()

    if database_url.startswith("sqlite"):
        # The file bytes too: deleted rows and the old key were zeroed (secure_delete)
        # and the write-ahead log was truncated.
        for path in _sqlite_files(database_url):
            data = path.read_bytes()
            assert key not in data, path
            for needle in [*SECRETS.values(), UPDATED_NOTES]:
                assert needle.encode() not in data, (path, needle)


def test_a_rebuild_leaves_no_identity_in_the_pages_it_frees(app, world, database_url):
    """Dropping the read models before a replay wipes the identities' pages (SQLite).

    The other tables are dropped without zeroing their pages (a rebuild's drop went
    from 6 s to 0.2 s on the 6,000-household programme): they hold nothing an erasure
    removes. A copy of an identity left in a free page would outlive its erasure.
    """
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL gives a dropped table's files back to the system")
    _register(world)
    runner = build_runner(app)
    try:
        runner.catch_up()
        file = _sqlite_files(database_url)[0]
        with closing(sqlite3.connect(file)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        name = SECRETS["name"].encode()
        assert name in file.read_bytes()
        runner.drop_tables()
        with closing(sqlite3.connect(file)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            # The pages of the other tables were freed as they were (cheap), not zeroed.
            assert db.execute("PRAGMA freelist_count").fetchone()[0] > 0
        for path in _sqlite_files(database_url):
            assert name not in path.read_bytes(), path
    finally:
        runner.close()


def _without_journal(tables: dict) -> dict:
    # The journal and the tracking position gain the HouseholdErased fact; every read model behind a
    # figure must be equal.
    return {k: v for k, v in tables.items() if k not in ("event_journal", "projection_tracking")}


def _dashboard_or_none(engine, project_id):
    try:
        from relogement.projections.dashboard import dashboard
    except ImportError:  # pragma: no cover - projections not landed
        return None
    return dashboard(engine, project_id)


def _figures(board: dict) -> dict:
    return {k: v for k, v in board.items() if k not in ("position", "instant")}


def test_erasure_rules(app, world, clock):
    household_id = _register(world)
    lmh = world.actor("LMH")
    with pytest.raises(DomainError) as err:
        app.erase_household(household_id, lmh, "demande", "Demande du ménage")
    assert err.value.code == "not_allowed_to_erase"
    with pytest.raises(InvalidValue):
        app.erase_household(household_id, world.actor("MEL"), "demande", "  ")
    with pytest.raises(InvalidValue):
        app.erase_household(household_id, world.actor("MEL"), "parce_que", "x")
    # Retention: not before relocation + the period.
    with pytest.raises(DomainError) as err:
        app.erase_household(household_id, world.actor("MEL"), "duree_conservation", "")
    assert err.value.code == "retention_not_elapsed"
    _relocate(world, clock, household_id)  # move-in 2026-04-01
    clock.now = clock.now.replace(year=2028, month=3, day=31)
    with pytest.raises(DomainError) as err:
        app.erase_household(household_id, world.actor("MEL"), "duree_conservation", "")
    assert "01/04/2028" in err.value.message
    clock.advance(days=1)
    admin = Actor("admin", world.orgs["LMH"])
    assert app.erase_household(household_id, admin, "duree_conservation", "", administrator=True)
    # Re-running completes and says it was already done; personal data is frozen.
    assert app.erase_household(household_id, admin, "duree_conservation", "", administrator=True) is False
    with pytest.raises(DomainError) as err:
        app.update_personal_data(household_id, _personal(), lmh)
    assert err.value.code == "household_erased"
    status = app.privacy.keys.status(household_id)
    assert status["destroyed"] and status["destroyed_by"] == "admin"
    assert status["created_at"] is not None and status["destroyed_at"] is not None


def test_another_process_sees_the_erasure(database_url, clock, monkeypatch):
    monkeypatch.setenv("RELOGEMENT_KEY_CACHE_SECONDS", "0")
    first = RelocationApp(database_url, clock=clock)
    second = RelocationApp(database_url, clock=clock)
    try:
        world = sample.build_world(first)
        household_id = _register(world)
        assert second.household(household_id).personal["name"] == SECRETS["name"]
        first.erase_household(household_id, world.actor("MEL"), "demande", "Demande orale")
        assert second.household(household_id).personal == privacy.erased_personal()
        # A third, fresh process replays everything without a key for it.
        third = RelocationApp(database_url, clock=clock)
        try:
            count, aggregates = third.replay_all()
            assert aggregates[household_id].erased
            assert count == third.recorder.max_notification_id()
        finally:
            third.close()
    finally:
        second.close()
        first.close()


@pytest.fixture
def key_stores(database_url, clock):  # noqa: ANN001, ANN201
    """A reader's key cache with a clock it is told, and a writer (another process)."""
    engine = keystore.make_privacy_engine(database_url)
    tick = [0.0]
    reader = keystore.KeyStore(engine, clock, cache_seconds=1, monotonic=lambda: tick[0])
    writer = keystore.KeyStore(engine, clock, cache_seconds=1)
    reader.create_tables()
    try:
        yield engine, tick, reader, writer
    finally:
        engine.dispose()


def test_the_key_cache_refreshes_from_the_tombstones_only(key_stores):
    engine, tick, reader, writer = key_stores
    first, second, later = uuid4(), uuid4(), uuid4()
    first_key, second_key = writer.key_for_writing(first), writer.key_for_writing(second)
    assert reader.key_for_reading(first) == first_key  # loads the table
    later_key = writer.key_for_writing(later)
    assert reader.key_for_reading(later) == later_key  # created since: asked for
    writer.destroy(first, "test")
    assert reader.key_for_reading(first) == first_key  # within cache_seconds
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    tick[0] = 1.5
    assert reader.key_for_reading(first) is None  # the erasure reached this process
    assert reader.key_for_reading(second) == second_key
    assert reader.key_for_reading(later) == later_key
    # One query, for the tombstones: not every key again.
    assert len(statements) == 1
    assert "destroyed_at IS NOT NULL" in statements[0]
    assert reader.key_for_reading(uuid4()) is None  # never had a key


def test_the_key_cache_reads_the_tombstones_again_only_when_there_are_new_ones(key_stores):
    _, tick, reader, writer = key_stores
    households = [uuid4() for _ in range(5)]
    keys = [writer.key_for_writing(h) for h in households]
    for h in households[:3]:
        writer.destroy(h, "test")
    assert reader.key_for_reading(households[4]) == keys[4]  # loads the table

    class Recorded(dict):
        written: list[str] = []

        def __setitem__(self, key: str, value: object) -> None:
            self.written.append(key)
            super().__setitem__(key, value)

    reader._cache = Recorded(reader._cache)
    tick[0] = 1.5
    assert reader.key_for_reading(households[3]) == keys[3]
    assert Recorded.written == []  # the same three tombstones: none sent again
    writer.destroy(households[3], "test")
    tick[0] = 3.0
    assert reader.key_for_reading(households[3]) is None  # the new one reached it
    assert sorted(Recorded.written) == sorted(h.hex for h in households[:4])
    assert [reader.key_for_reading(h) for h in households] == [None] * 4 + [keys[4]]


# -- access log -------------------------------------------------------------------


def test_each_view_of_personal_data_is_logged(app, world, clock):
    household_id = _register(world)
    lmh = world.actor("LMH")
    personal = app.personal_data(household_id, lmh, purpose="fiche ménage", role="charge_relogement")
    assert personal["name"] == SECRETS["name"]
    clock.advance(minutes=5)
    app.record_personal_data_access(household_id, world.actor("MOUS"), "export", role="admin")
    with pytest.raises(DomainError):  # not following the household: refused, not logged
        app.personal_data(household_id, world.actor("VCL"))

    entries = app.access_log(household_id)
    assert [(e.user, e.purpose, e.role) for e in entries] == [
        ("agent.mous", "export", "admin"),
        ("agent.lmh", "fiche ménage", "charge_relogement"),
    ]
    assert entries[1].org == world.orgs["LMH"] and entries[1].household_id == household_id
    assert entries[0].at - entries[1].at == timedelta(minutes=5)
    assert app.access_log(user="agent.lmh")[0].purpose == "fiche ménage"
    assert app.access_log(household_id, since=entries[0].at) == [entries[0]]
    assert "admin" in privacy.ACCESS_LOG_READERS and "auditeur" in privacy.ACCESS_LOG_READERS


# -- retention ---------------------------------------------------------------------


def test_households_due_for_erasure(app, world, clock, monkeypatch):
    relocated = _register(world, " relogée")
    departed = _register(world, " partie")
    _register(world, " suivie")
    _relocate(world, clock, relocated)  # move-in 2026-04-01
    app.record_departure(departed, "Parti dans le parc privé", world.actor("LMH"))
    departed_on = clock.now.date()

    assert app.households_due() == []
    clock.now = clock.now.replace(year=2028, month=4, day=1)
    due = app.households_due()
    assert [(d.household_id, d.how, d.due_on) for d in due] == [
        (departed, "sorti", privacy.add_months(departed_on, 24)),
        (relocated, "relogé", date(2028, 4, 1)),
    ]
    monkeypatch.setenv("RELOGEMENT_RETENTION_MONTHS", "36")
    assert app.households_due() == []
    monkeypatch.delenv("RELOGEMENT_RETENTION_MONTHS")
    app.erase_household(relocated, world.actor("MEL"), "duree_conservation", "")
    assert [d.household_id for d in app.households_due()] == [departed]


def test_privacy_cli(app, world, clock, database_url):
    from click.testing import CliRunner

    from relogement.runtime.cli import main

    household_id = _register(world)
    _relocate(world, clock, household_id)
    app.personal_data(household_id, world.actor("LMH"), purpose="fiche ménage")
    cli = CliRunner()
    base = ["--database", database_url, "privacy"]

    result = cli.invoke(main, [*base, "due", "--at", "2028-04-01"])
    assert result.exit_code == 0, result.output
    assert str(household_id) in result.output and "01/04/2028" in result.output
    result = cli.invoke(main, [*base, "access-log", "--household", str(household_id)])
    assert "agent.lmh" in result.output and "fiche ménage" in result.output
    assert SECRETS["name"] not in result.output

    # The app clock is the real one in the CLI: the retention is not over, a request is.
    result = cli.invoke(main, [*base, "erase", str(household_id), "--reason", "duree_conservation", "--by", "admin"])
    assert result.exit_code == 2 and "conservation" in result.output
    result = cli.invoke(
        main, [*base, "erase", str(household_id), "--reason", "demande", "--motive", "Courrier", "--by", "admin"]
    )
    assert result.exit_code == 0 and "Ménage effacé." in result.output
    assert app.household(household_id).erased
    assert str(household_id) not in cli.invoke(main, [*base, "due", "--at", "2030-01-01"]).output


def test_retention_settings():
    assert privacy.retention_months({}) == 24
    assert privacy.retention_months({"RELOGEMENT_RETENTION_MONTHS": "60"}) == 60
    with pytest.raises(ValueError):
        privacy.retention_months({"RELOGEMENT_RETENTION_MONTHS": "-1"})
    assert privacy.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert privacy.add_months(date(2026, 4, 1), 24) == date(2028, 4, 1)
