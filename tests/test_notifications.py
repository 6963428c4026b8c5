"""The in-app inbox (a projection of the events) and the mail, on SQLite and PostgreSQL."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import Message

import pytest
from sqlalchemy import select

from relogement.projections import build_runner
from relogement.projections import notices as notif
from relogement.projections.machinery import table_snapshot
from relogement.runtime.mailer import SmtpSettings
from relogement.runtime.scheduler import DeadlineScheduler
from relogement.simulation import sample

INBOX_TABLES = [
    notif.notices,
    notif.notice_recipients,
    notif.notif_orgs,
    notif.notif_partners,
    notif.notif_offers,
    notif.notif_proposals,
]


def _kinds(engine, world, code, at, user="agent"):
    return [n.kind for n in notif.list_inbox(engine, world.orgs[code], user, at, limit=1000)]


def _all_inboxes(engine, world, at, user="agent"):
    return {
        code: notif.list_inbox(engine, org, user, at, limit=10_000) for code, org in world.orgs.items()
    }


def _lifecycle(app, clock, runner, world, catch_up=lambda: None):
    """A relocation from offer to lease, with an objection lifted on the way."""
    household = sample.register(world, bailleur="LMH")
    catch_up()
    clock.advance(minutes=5)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    catch_up()
    clock.advance(minutes=5)
    proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    catch_up()
    clock.advance(hours=2)
    objection = app.raise_objection(proposal, "Reste à charge trop élevé", world.actor("VLS"))
    catch_up()
    clock.advance(hours=3)
    app.lift_objection(proposal, objection, "APL recalculée : d'accord", world.actor("VLS"))
    catch_up()
    return household, offer, proposal


def test_inbox_follows_the_lifecycle_and_read_state_is_per_user(app, clock):
    world = sample.build_world(app)
    runner = build_runner(app)
    scheduler = DeadlineScheduler(app, runner=runner)
    try:
        made_at_offset = timedelta(minutes=10)
        start = clock.now
        household, offer, proposal = _lifecycle(app, clock, runner, world)
        runner.catch_up()
        engine = runner.engine
        deadline = app.proposal(proposal).objection_deadline
        assert deadline == start + made_at_offset + timedelta(hours=48)

        # Nobody is told about what it did itself. Each partner was told it joined the
        # project (the pilot, who added them, was not: its own act).
        # The offer's bailleur: told of the proposal and of the objection, not of its own offer.
        joined = "nouveau_partenaire"
        assert _kinds(engine, world, "VCL", clock.now) == ["opposition", "proposition_a_examiner", joined]
        assert _kinds(engine, world, "LMH", clock.now) == ["opposition", "nouvelle_offre", joined]
        assert _kinds(engine, world, "VLS", clock.now) == ["proposition_a_examiner", "nouvelle_offre", joined]
        assert _kinds(engine, world, "DEP59", clock.now) == ["proposition_a_examiner", "nouvelle_offre", joined]
        assert joined not in _kinds(engine, world, "MEL", clock.now)
        assert _kinds(engine, world, "ANRU", clock.now) == []  # auditors are not partners
        told = notif.list_inbox(engine, world.orgs["VLS"], "agent", clock.now, limit=100)[-1]
        assert told.title == "Votre organisation est partenaire du projet NPNRU Lille Sud"

        [examine] = [
            n for n in notif.list_inbox(engine, world.orgs["DEP59"], "a", clock.now)
            if n.kind == "proposition_a_examiner"
        ]
        assert examine.proposal_id == proposal
        assert "heure de Paris" in examine.body and household.hex not in examine.body

        # The 12-hour reminder exists from deadline - 12 h on, derived from events and time.
        reminder_at = deadline - timedelta(hours=12)
        assert "echeance_12h" not in _kinds(engine, world, "DEP59", reminder_at - timedelta(seconds=1))
        assert _kinds(engine, world, "DEP59", reminder_at)[0] == "echeance_12h"
        assert "echeance_12h" not in _kinds(engine, world, "LMH", reminder_at)  # its own proposal

        # Read state: per user, in a table of its own.
        org = world.orgs["DEP59"]
        # (the reminder, the proposal to examine, the new offer, the project joined)
        assert notif.unread_count(engine, org, "alice", reminder_at) == 4
        assert notif.mark_read(engine, org, "alice", [examine.key], reminder_at) == 1
        assert notif.unread_count(engine, org, "alice", reminder_at) == 3
        assert notif.unread_count(engine, org, "bob", reminder_at) == 4
        assert notif.mark_read(engine, org, "alice", at=reminder_at) == 3
        assert notif.unread_count(engine, org, "alice", reminder_at) == 0
        assert notif.mark_read(engine, org, "alice", at=reminder_at) == 0  # idempotent

        # The deadline passes: the scheduler closes the window, the inboxes say so.
        clock.now = deadline
        assert scheduler.tick().closed == 1
        assert _kinds(engine, world, "LMH", clock.now)[0] == "proposition_validee"
        assert _kinds(engine, world, "VCL", clock.now)[0] == "proposition_validee"
        assert "proposition_validee" not in _kinds(engine, world, "VLS", clock.now)

        clock.advance(days=1)
        app.accept_proposal(proposal, date(2026, 3, 5), world.actor("LMH"))
        app.decide_caleol(proposal, "attribution", date(2026, 3, 6), "", world.actor("VCL"))
        app.sign_lease(
            proposal, 48_000, 10_000, 21_000, date(2026, 3, 9), date(2026, 3, 15), world.actor("VCL")
        )
        runner.catch_up()
        for code in ("LMH", "MEL", "VLS", "DEP59", "MOUS"):
            assert _kinds(engine, world, code, clock.now)[0] == "bail_signe", code
        assert "bail_signe" not in _kinds(engine, world, "VCL", clock.now)
        assert notif.unread_count(engine, org, "alice", clock.now) == 1  # only the lease
    finally:
        runner.close()


def test_rebuilt_inbox_equals_the_incremental_one_and_keeps_read_marks(app, clock, monkeypatch):
    world = sample.build_world(app)
    runner = build_runner(app, batch_size=3)  # small batches: many incremental steps
    try:
        runner.catch_up()
        _, _, kept = _lifecycle(app, clock, runner, world, catch_up=runner.catch_up)
        h2 = sample.register(world, bailleur="VCL", name="Famille Benali")
        o2 = app.publish_offer(world.project_id, sample.dwelling(typology="T3"), world.actor("PDC"))
        withdrawn = app.make_proposal(h2, o2, 15_000, world.actor("VCL"))
        runner.catch_up()
        clock.advance(hours=1)
        app.withdraw_proposal(withdrawn, "Logement retiré par le bailleur", world.actor("VCL"))
        runner.catch_up()
        clock.advance(hours=48)
        DeadlineScheduler(app, runner=runner).tick()
        at = clock.now

        engine = runner.engine
        for org in world.orgs.values():
            notif.mark_read(engine, org, "lecteur", at=at)  # read everything...
        notif.mark_unread(engine, world.orgs["VLS"], "lecteur", [
            n.key for n in notif.list_inbox(engine, world.orgs["VLS"], "lecteur", at)[:1]
        ])  # ...but one
        incremental_tables = table_snapshot(engine, INBOX_TABLES)
        incremental = _all_inboxes(engine, world, at, "lecteur")
        assert sum(1 for n in incremental["VLS"] if not n.read) == 1

        # Pages cut the same list (stored rows and derived reminders merged).
        for code in ("VLS", "DEP59"):
            whole = incremental[code]
            assert len(whole) >= 4
            org = world.orgs[code]
            pages = [notif.list_inbox(engine, org, "lecteur", at, limit=2, offset=i) for i in (0, 2, 4)]
            assert [n for page in pages for n in page] == whole[:6]
            unread = notif.list_inbox(engine, org, "lecteur", at, unread_only=True)
            assert unread == [n for n in whole if not n.read]
            assert notif.unread_count(engine, org, "lecteur", at) == len(unread)

        runner.rebuild()
        assert table_snapshot(engine, INBOX_TABLES) == incremental_tables
        assert _all_inboxes(engine, world, at, "lecteur") == incremental
        # Offers and proposals wait in memory until their batch ends: a cache dropped
        # mid-batch (past MAX_CACHED) must not lose them.
        monkeypatch.setattr(notif.NotificationProjector, "MAX_CACHED", 1)
        runner.rebuild()
        assert table_snapshot(engine, INBOX_TABLES) == incremental_tables
        # A withdrawn proposal gets no reminder; the kept one got its reminder (before closing).
        dep = [n for n in incremental["DEP59"] if n.kind == "echeance_12h"]
        assert [n.proposal_id for n in dep] == [kept]
    finally:
        runner.close()


def test_inbox_as_of_an_instant_shows_what_existed_then(app, clock):
    world = sample.build_world(app)
    runner = build_runner(app)
    try:
        before = clock.now
        household = sample.register(world)
        clock.advance(minutes=10)
        offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
        clock.advance(hours=1)
        app.make_proposal(household, offer, 20_000, world.actor("LMH"))
        runner.catch_up()
        assert _kinds(runner.engine, world, "VLS", before) == ["nouveau_partenaire"]
        assert _kinds(runner.engine, world, "VLS", before + timedelta(minutes=30)) == [
            "nouvelle_offre", "nouveau_partenaire"
        ]
        assert _kinds(runner.engine, world, "VLS", clock.now) == [
            "proposition_a_examiner",
            "nouvelle_offre",
            "nouveau_partenaire",
        ]
    finally:
        runner.close()


# -- mail ---------------------------------------------------------------------------


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages from smtplib (a local debugging server)."""

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 sink ESMTP")
        envelope: dict = {"rcpt": []}
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink")
            elif verb == "MAIL":
                envelope = {"from": command, "rcpt": []}
                self._reply("250 OK")
            elif verb == "RCPT":
                envelope["rcpt"].append(command.split(":", 1)[1].strip("<> "))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with .")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.messages.append((envelope["rcpt"], message_from_bytes(b"".join(lines), policy=policy.default)))
                self._reply("250 OK queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 OK")


class _SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSink)
        self.messages: list[tuple[list[str], Message]] = []


@pytest.fixture
def smtp_sink() -> Iterator[_SinkServer]:
    server = _SinkServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_mail_is_off_by_default_and_configured_by_environment():
    assert SmtpSettings.from_env({}) is None
    settings = SmtpSettings.from_env(
        {
            "RELOGEMENT_SMTP_HOST": "smtp.example.org",
            "RELOGEMENT_SMTP_PORT": "2525",
            "RELOGEMENT_SMTP_FROM": "relogement@example.org",
        }
    )
    assert (settings.host, settings.port, settings.sender) == ("smtp.example.org", 2525, "relogement@example.org")


def test_mail_sent_for_a_new_proposal_once_and_for_the_reminder(app, clock, smtp_sink):
    world = sample.build_world(app)
    settings = SmtpSettings.from_env(
        {
            "RELOGEMENT_SMTP_HOST": "127.0.0.1",
            "RELOGEMENT_SMTP_PORT": str(smtp_sink.server_address[1]),
            "RELOGEMENT_SMTP_FROM": "relogement@example.org",
        }
    )
    runner = build_runner(app)
    scheduler = DeadlineScheduler(app, runner=runner, smtp=settings)
    try:
        household = sample.register(world)
        offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
        notif.set_mail_addresses(runner.engine, world.orgs["VLS"], ["relogement@lille.fr"])
        assert scheduler.tick().mailed == 0  # first pass: history is never mailed
        assert smtp_sink.messages == []

        clock.advance(minutes=10)
        proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
        assert scheduler.tick().mailed == 1
        [(rcpt, message)] = smtp_sink.messages
        assert rcpt == ["relogement@lille.fr"]
        assert message["From"] == "relogement@example.org"
        assert message["Subject"].startswith("[Relogement] Proposition à examiner")
        assert "heure de Paris" in message.get_content()

        assert scheduler.tick().mailed == 0  # logged: never sent twice
        clock.now = app.proposal(proposal).objection_deadline - timedelta(hours=12)
        assert scheduler.tick().mailed == 1
        assert "12 heures" in smtp_sink.messages[-1][1]["Subject"]

        # A rebuild does not resend anything: keys are deterministic.
        runner.rebuild()
        assert scheduler.tick().mailed == 0
        with runner.engine.connect() as conn:
            statuses = dict(conn.execute(select(notif.mail_log.c.key, notif.mail_log.c.status)).all())
        assert sorted(statuses.values()).count("envoye") == 2
    finally:
        runner.close()


def test_offers_published_together_make_one_notice_whoever_projects_them(app, clock):
    """An import of five offers is one notice for each partner, not five — also when one
    process projected the first offers and another, started since, the rest; and the
    rebuild gives the same tables. Offers published later make notices of their own."""
    from relogement.platform.application import NewOffer

    world = sample.build_world(app)
    first = build_runner(app)
    first.catch_up()
    clock.advance(minutes=5)
    rows = [NewOffer(sample.dwelling(typology=f"T{n}")) for n in (1, 2, 3, 4, 5)]
    app.publish_offers(world.project_id, rows, world.actor("LMH"))
    start = first.position()
    first.catch_up(up_to=start + 2)  # the first two offers
    first.close()
    second = build_runner(app)  # another process: knows nothing of the first's batch
    try:
        second.catch_up(batch_size=2)
        clock.advance(minutes=5)
        app.publish_offer(world.project_id, sample.dwelling(), world.actor("LMH"))
        second.catch_up()
        inbox = notif.list_inbox(second.engine, world.orgs["VLS"], "agent", clock.now, limit=100)
        offers = [n for n in inbox if n.kind == "nouvelle_offre"]
        assert len(offers) == 2  # newest first: the later offer, then the five
        assert offers[0].title.startswith("Nouvelle offre : ") and offers[0].offer_id is not None
        assert offers[1].title == "5 nouvelles offres : Lille Métropole Habitat"
        assert offers[1].offer_id is None and "met 5 logements" in offers[1].body
        assert notif.unread_count(second.engine, world.orgs["VLS"], "agent", clock.now) == len(inbox)
        live = table_snapshot(second.engine, INBOX_TABLES)
        second.rebuild()
        assert table_snapshot(second.engine, INBOX_TABLES) == live
    finally:
        second.close()
