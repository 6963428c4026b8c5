"""The inbox's tables: the projection's (replayed on rebuild) and the users' state (kept).

The notice kinds and their French labels are here too (``KINDS``).
"""

from __future__ import annotations

import weakref

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

from relogement.projections.machinery import metadata

KINDS = {
    "nouvelle_offre": "Nouvelle offre",
    "proposition_a_examiner": "Proposition à examiner",
    "opposition": "Opposition",
    "echeance_12h": "Échéance dans 12 heures",
    "proposition_validee": "Proposition validée",
    "delai_clos_avec_opposition": "Délai clos avec opposition",
    "bail_signe": "Bail signé",
    "nouveau_partenaire": "Nouveau projet",
}

# -- projection tables (dropped and replayed on rebuild) ----------------------

PARTNERS, PARTIES = "partenaires", "parties"

# One row per event that notifies (see "Fan-out at read time" above).
notices = Table(
    "notif_notices",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("project_id", String(32), nullable=True),
    Column("proposal_id", String(32), nullable=True),
    Column("offer_id", String(32), nullable=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    # PARTNERS: the project's partners at that position, but not ``author`` (nobody is
    # told what they just did) nor ``excluded``; PARTIES: the rows of notif_recipients.
    Column("audience", String(12), nullable=False),
    Column("author", String(32), nullable=True),
    Column("excluded", String(32), nullable=True),
    # Offers published together (one command: an import) make one notice: how many.
    Column("grouped", Integer, nullable=False, default=1),
)
Index("ix_notif_notices_project", notices.c.project_id, notices.c.created_at, notices.c.position)
Index("ix_notif_notices_proposal", notices.c.proposal_id, notices.c.kind)

notice_recipients = Table(
    "notif_recipients",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("org_id", String(32), primary_key=True),
)
Index("ix_notif_recipients_org", notice_recipients.c.org_id, notice_recipients.c.position)

notif_orgs = Table(
    "notif_orgs",
    metadata,
    Column("org_id", String(32), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("code", String(50), nullable=False),
)

notif_projects = Table(
    "notif_projects",
    metadata,
    Column("project_id", String(32), primary_key=True),
    Column("name", String(300), nullable=False),
)

notif_partners = Table(
    "notif_partners",
    metadata,
    Column("project_id", String(32), primary_key=True),
    Column("org_id", String(32), primary_key=True),
    # A partner hears of the notices after the one that made it a partner.
    Column("joined_position", BigInteger, nullable=False),
)
Index(
    "ix_notif_partners_org", notif_partners.c.org_id, notif_partners.c.project_id, notif_partners.c.joined_position
)

notif_offers = Table(
    "notif_offers",
    metadata,
    Column("offer_id", String(32), primary_key=True),
    Column("reference", String(100), nullable=False),
    Column("label", String(300), nullable=False),
)

notif_proposals = Table(
    "notif_proposals",
    metadata,
    Column("proposal_id", String(32), primary_key=True),
    Column("project_id", String(32), nullable=False),
    Column("household_reference", String(100), nullable=False),
    Column("offer_label", String(300), nullable=False),
    Column("officer_org", String(32), nullable=False),
    Column("household_bailleur", String(32), nullable=False),
    Column("offer_bailleur", String(32), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False, index=True),
    # When the proposal stopped before its deadline (refused, withdrawn, objection
    # upheld): no reminder after that instant.
    Column("ended_at", DateTime(timezone=True), nullable=True),
    # max(made_at, deadline - 12 h): when the 12-hour reminder appears.
    Column("reminder_at", DateTime(timezone=True), nullable=False, index=True),
    # The positions of the events that made and ended it: the header's badge moves from one
    # position to the next by the proposals touched in between (notices.badge).
    Column("made_position", BigInteger, nullable=False, index=True),
    Column("ended_position", BigInteger, nullable=True, index=True),
)

# -- user state (outside the projection: survives rebuilds) -------------------

user_state = MetaData()

reads = Table(
    "notification_reads",
    user_state,
    Column("key", String(80), primary_key=True),
    Column("login", String(80), primary_key=True),
    Column("org_id", String(32), nullable=False, index=True),
    Column("read_at", DateTime(timezone=True), nullable=False),
)

# Bumped in the same transaction as every change of a user's read marks: the header's
# badge is cached per (organisation, user, position, version) across requests and
# worker processes without counting the marks again.
read_versions = Table(
    "notification_read_versions",
    user_state,
    Column("org_id", String(32), primary_key=True),
    Column("login", String(80), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

mail_log = Table(
    "notification_mail_log",
    user_state,
    Column("key", String(80), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("recipients", Text, nullable=False),
    Column("status", String(30), nullable=False),
)

mail_state = Table(
    "notification_mail_state",
    user_state,
    Column("name", String(40), primary_key=True),
    Column("start_position", BigInteger, nullable=False),
    Column("start_at", DateTime(timezone=True), nullable=False),
)

mail_addresses = Table(
    "notification_mail_addresses",
    user_state,
    Column("org_id", String(32), primary_key=True),
    Column("address", String(300), primary_key=True),
)


def create_user_tables(engine: Engine) -> None:
    user_state.create_all(engine, checkfirst=True)


_ready: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_user_tables(engine: Engine | Connection) -> None:
    # Once per engine, not once per request (the header asks on every page).
    if isinstance(engine, Connection):
        engine = engine.engine
    if engine not in _ready:
        create_user_tables(engine)
        _ready.add(engine)

