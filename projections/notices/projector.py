"""The in-app inbox of each organisation, as a projection of the events.

What lands in an organisation's inbox (``kind``):

- ``nouvelle_offre``: a partner of one of its projects published a dwelling (offers
  published together, by one command such as an import, make one notice: "5 nouvelles
  offres");
- ``proposition_a_examiner``: a proposal was made in one of its projects (not by itself):
  it may object until the deadline;
- ``opposition``: a partner objected to a proposal it made, or that concerns its
  tenant or its dwelling;
- ``echeance_12h``: the objection window of a proposal it was asked to examine ends
  within 12 hours;
- ``proposition_validee`` / ``delai_clos_avec_opposition``: the window of a proposal
  concerning it closed (cleared, or blocked by an open objection);
- ``bail_signe``: a lease was signed in one of its projects.

Reproducibility. Every stored notification is derived from one event (its key is
the event's position and the recipient), so dropping the tables and replaying
gives the same inbox.

Fan-out at read time. An event that notifies is stored once, as a *notice*: its
text and its audience, either "the partners of the project" (minus its author, and
for a proposal minus the officer's organisation) or a short list of parties (a
proposal's stakeholders). Who was a partner when is recorded with the position at
which it joined, so an organisation's inbox is the notices addressed to it, joined
at read time: the same items as one stored row per recipient, but a rebuild writes
one row per notice instead of one per partner (about twenty).

The 12-hour reminder depends on time, not on an event: it is
*derived at read time* from the proposals table, as a pure function of the events
and the instant asked about (it appears at ``max(made_at, deadline - 12 h)`` unless
the proposal ended before). So the inbox "as of t" is reproducible too, and no
process has to be up at the right minute for the reminder to exist.

User state lives outside the projection: which user read what
(``notification_reads``), which mails were sent (``notification_mail_log``) and
the organisations' mail addresses. A rebuild never touches those tables, and the
deterministic keys make the read marks and the mail log still apply afterwards.
"""

from __future__ import annotations

import logging
import os
import smtplib
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

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
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from relogement.events import offer as offer_facts
from relogement.events import organisation as org_facts
from relogement.events import project as project_facts
from relogement.events import proposal as facts
from relogement.platform.deadline import PARIS
from relogement.projections.machinery import bulk_insert, metadata
from relogement.projections.queries import connect

log = logging.getLogger(__name__)

REMINDER_BEFORE = timedelta(hours=12)

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


def _ensure_user_tables(engine: Engine | Connection) -> None:
    # Once per engine, not once per request (the header asks on every page).
    if isinstance(engine, Connection):
        engine = engine.engine
    if engine not in _ready:
        create_user_tables(engine)
        _ready.add(engine)


# -- helpers --------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def paris(value: datetime) -> str:
    """A UTC instant as French users read it: ``04/03/2026 à 10 h 00``."""
    local = value.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H} h {local:%M}"


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else value


def _org_name(conn: Connection, org_id: str) -> str:
    name = conn.execute(select(notif_orgs.c.name).where(notif_orgs.c.org_id == org_id)).scalar()
    return name or "Une organisation"


def _offer_label(dwelling: dict, reference: str) -> str:
    where = dwelling.get("commune") or dwelling.get("quartier") or ""
    surface = dwelling.get("surface_m2")
    size = f" de {surface} m²" if surface not in (None, "") else ""
    return f"{dwelling.get('typology', '')}{size} à {where} ({reference})".strip()


def _stakeholders(proposal: dict[str, Any]) -> list[str]:
    """Who a proposal concerns: the officer's organisation and both bailleurs."""
    return sorted(
        {proposal["officer_org"], proposal["household_bailleur"], proposal["offer_bailleur"]}
    )


# -- the projector ----------------------------------------------------------------


class NotificationProjector:
    """Turns events into notices, each addressed to its recipient organisations."""

    tables = (
        notif_orgs, notif_projects, notif_partners, notif_offers, notif_proposals, notices, notice_recipients
    )
    # One row per recipient, before the fan-out moved to read time.
    retired_tables = ("notifications",)

    # Offers' (reference, label) and proposals' rows kept across batches (the runner
    # calls forget() when another process wrote in between or a batch failed); after a
    # rebuild an id never written is known absent. Bounded: past MAX_CACHED entries the
    # cache is dropped and lookups go back to the database.
    MAX_CACHED = 300_000

    def __init__(self) -> None:
        self.forget()
        self.begin_batch(None)

    def forget(self) -> None:
        self._offers: dict[str, tuple[str, str]] = {}
        self._proposals: dict[str, dict[str, Any]] = {}
        self._complete = False
        # The notice of the last offers published together (see _offer_published), and
        # whether that is known without asking the database.
        self._offer_group: dict[str, Any] | None = None
        self._group_known = False

    def start_empty(self) -> None:
        self.forget()
        self._complete = True
        self._group_known = True

    def _trim(self) -> None:
        if len(self._offers) + len(self._proposals) > self.MAX_CACHED:
            self.forget()

    def _offer(self, conn: Connection, offer_id: str) -> tuple[str, str] | None:
        pending = self._new_offers.get(offer_id)  # not in the table before the batch ends
        if pending is not None:
            return pending["reference"], pending["label"]
        cached = self._offers.get(offer_id)
        if cached is not None or self._complete:
            return cached
        row = conn.execute(
            select(notif_offers.c.reference, notif_offers.c.label).where(notif_offers.c.offer_id == offer_id)
        ).first()
        if row is None:
            return None
        found = (row[0], row[1])
        self._offers[offer_id] = found
        self._trim()
        return found

    # -- runner hooks: one batch = one transaction; caches live for one batch only
    def begin_batch(self, conn: Connection | None) -> None:
        self._rows: list[dict[str, Any]] = []
        self._recipients: list[dict[str, Any]] = []
        # Offers and proposals first seen in this batch (inserted at its end: the row
        # dicts are the cached ones, so later events of the batch amend them in place),
        # and the proposals of earlier batches that ended in this one.
        self._new_offers: dict[str, dict[str, Any]] = {}
        self._new_proposals: dict[str, dict[str, Any]] = {}
        self._ended_rows: list[dict[str, Any]] = []
        self._name_cache: dict[str, str] = {}

    def end_batch(self, conn: Connection) -> None:
        # Multi-row statements per batch instead of one statement per event.
        if self._new_offers:
            bulk_insert(conn, notif_offers, list(self._new_offers.values()))
        if self._new_proposals:
            bulk_insert(conn, notif_proposals, list(self._new_proposals.values()))
        if self._ended_rows:
            conn.execute(
                notif_proposals.update()
                .where(
                    notif_proposals.c.proposal_id == bindparam("p_id"),
                    notif_proposals.c.ended_at.is_(None),
                )
                .values(ended_at=bindparam("p_ended_at")),
                self._ended_rows,
            )
        if self._rows:
            bulk_insert(conn, notices, self._rows)
        if self._recipients:
            bulk_insert(conn, notice_recipients, self._recipients)
        if self._offer_group is not None:
            self._offer_group["row"] = None  # written: later members update it
        self.begin_batch(None)

    def _org_name(self, conn: Connection, org_id: str) -> str:
        if org_id not in self._name_cache:
            self._name_cache[org_id] = _org_name(conn, org_id)
        return self._name_cache[org_id]

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None:
        # Stored events are subclasses of the classes in events/: match by isinstance,
        # cached per concrete class.
        kind = type(domain_event)
        if kind not in _dispatch:
            _dispatch[kind] = next(
                (m for cls, m in self._handlers.items() if issubclass(kind, cls)), None
            )
        handler = _dispatch[kind]
        if handler is not None:
            handler(self, conn, position, domain_event)

    # -- reference data -------------------------------------------------------
    def _organisation(self, conn: Connection, position: int, e: Any) -> None:
        conn.execute(notif_orgs.insert(), {"org_id": e.originator_id.hex, "name": e.name, "code": e.code})
        self._name_cache.pop(e.originator_id.hex, None)

    def _project_created(self, conn: Connection, position: int, e: Any) -> None:
        conn.execute(
            notif_partners.insert().values(
                project_id=e.originator_id.hex, org_id=e.pilot_org.hex, joined_position=position
            )
        )
        conn.execute(notif_projects.insert().values(project_id=e.originator_id.hex, name=e.name))

    def _partner_joined(self, conn: Connection, position: int, e: Any) -> None:
        key = {"project_id": e.originator_id.hex, "org_id": e.org_id.hex}
        exists = conn.execute(
            select(func.count()).select_from(notif_partners).where(
                notif_partners.c.project_id == key["project_id"],
                notif_partners.c.org_id == key["org_id"],
            )
        ).scalar()
        if not exists:
            conn.execute(notif_partners.insert().values(**key, joined_position=position))
            name = conn.execute(
                select(notif_projects.c.name).where(notif_projects.c.project_id == key["project_id"])
            ).scalar() or "de renouvellement urbain"
            # Told once, by name: from now on it sees the project and hears of what happens.
            self._notify(
                position, e, "nouveau_partenaire", f"Votre organisation est partenaire du projet {name}",
                "Vous voyez désormais ses offres, ses ménages à reloger (pseudonymisés) et ses "
                "propositions, et recevez ses notifications.",
                project_id=key["project_id"], parties=[key["org_id"]],
            )

    # -- notifications ----------------------------------------------------------
    def _notify(
        self,
        position: int,
        e: Any,
        kind: str,
        title: str,
        body: str,
        project_id: str,
        proposal_id: str | None = None,
        offer_id: str | None = None,
        *,
        parties: Iterable[str] | None = None,
        excluded: str | None = None,
    ) -> None:
        """A notice to the project's partners (``parties=None``) or to ``parties``."""
        author = _hex(e.by_org) if getattr(e, "by_org", None) else None
        self._rows.append(
            dict(
                position=position,
                kind=kind,
                created_at=_utc(e.timestamp),
                project_id=project_id,
                proposal_id=proposal_id,
                offer_id=offer_id,
                title=title,
                body=body,
                audience=PARTNERS if parties is None else PARTIES,
                author=author,
                excluded=excluded,
            )
        )
        for org in sorted(set(parties or ()) - {author}):  # nobody is told what they just did
            self._recipients.append({"position": position, "org_id": org})

    def _offer_published(self, conn: Connection, position: int, e: Any) -> None:
        label = _offer_label(e.dwelling, e.reference)
        self._new_offers[e.originator_id.hex] = {
            "offer_id": e.originator_id.hex, "reference": e.reference, "label": label
        }
        self._offers[e.originator_id.hex] = (e.reference, label)
        self._trim()
        project = e.project_id.hex
        bailleur = self._org_name(conn, e.bailleur_org.hex)
        # Offers saved by one command (an import of hundreds of rows) follow each other in
        # the log with one instant and one author: one notice for them all, not one per row.
        together = (project, _hex(e.by_org), _utc(e.timestamp))
        group = self._group_before(conn, position, together)
        if group is not None:
            group["count"] += 1
            group["last"] = position
            values = {
                "title": f"{group['count']} nouvelles offres : {bailleur}",
                "body": f"{bailleur} met {group['count']} logements à disposition des relogements "
                        "(publiés ensemble, par import).",
                "offer_id": None,
                "grouped": group["count"],
            }
            if group["row"] is not None:
                group["row"].update(values)
            else:
                conn.execute(notices.update().where(notices.c.position == group["anchor"]).values(**values))
            return
        self._notify(
            position,
            e,
            "nouvelle_offre",
            f"Nouvelle offre : {label}",
            f"{bailleur} met ce logement à disposition des relogements.",
            project_id=project,
            offer_id=e.originator_id.hex,
        )
        self._offer_group = {
            "key": together, "anchor": position, "last": position, "count": 1, "row": self._rows[-1]
        }
        self._group_known = True

    def _group_before(self, conn: Connection, position: int, together: tuple) -> dict[str, Any] | None:
        """The notice of offers published together that the event at ``position`` joins:
        the previous event published an offer with the same instant and author."""
        group = self._offer_group
        if self._group_known:
            if group is not None and group["key"] == together and group["last"] == position - 1:
                return group
            return None
        # After forget() (another process projected the events before): ask the table.
        project, author, created_at = together
        row = conn.execute(
            select(notices.c.position, notices.c.grouped)
            .where(
                notices.c.project_id == project,
                notices.c.created_at == created_at,
                notices.c.kind == "nouvelle_offre",
                notices.c.author == author,
                notices.c.position < position,
            )
            .order_by(notices.c.position.desc())
            .limit(1)
        ).first()
        self._group_known = True
        if row is None or row[0] + row[1] != position:
            return None
        self._offer_group = {"key": together, "anchor": row[0], "last": position - 1, "count": row[1], "row": None}
        return self._offer_group

    def _offer_updated(self, conn: Connection, position: int, e: Any) -> None:
        offer = self._offer(conn, e.originator_id.hex)
        if offer is not None:
            reference = offer[0]
            label = _offer_label(e.dwelling, reference)
            pending = self._new_offers.get(e.originator_id.hex)
            if pending is not None:
                pending["label"] = label
            else:
                conn.execute(
                    notif_offers.update()
                    .where(notif_offers.c.offer_id == e.originator_id.hex)
                    .values(label=label)
                )
            self._offers[e.originator_id.hex] = (reference, label)

    def _proposal_made(self, conn: Connection, position: int, e: Any) -> None:
        proposal = e.originator_id.hex
        project = e.project_id.hex
        offer = self._offer(conn, e.offer_id.hex)
        offer_label = (offer[1] if offer else None) or "logement"
        row = {
            "proposal_id": proposal,
            "project_id": project,
            "household_reference": e.household_reference,
            "offer_label": offer_label,
            "officer_org": e.officer_org.hex,
            "household_bailleur": e.household_bailleur.hex,
            "offer_bailleur": e.offer_bailleur.hex,
            "made_at": _utc(e.timestamp),
            "deadline": _utc(e.objection_deadline),
            "ended_at": None,
            "reminder_at": reminder_time(_utc(e.timestamp), _utc(e.objection_deadline)),
        }
        self._new_proposals[proposal] = row
        self._proposals[proposal] = row
        self._trim()
        self._notify(
            position,
            e,
            "proposition_a_examiner",
            f"Proposition à examiner : ménage {e.household_reference} → {offer_label}",
            f"{self._org_name(conn, row['officer_org'])} propose ce logement au ménage "
            f"{e.household_reference}. Vous pouvez vous y opposer, avec un motif, "
            f"jusqu'au {paris(e.objection_deadline)} (heure de Paris).",
            project_id=project,
            proposal_id=proposal,
            offer_id=e.offer_id.hex,
            excluded=row["officer_org"],
        )

    def _proposal(self, conn: Connection, proposal_id: str) -> dict[str, Any] | None:
        pending = self._new_proposals.get(proposal_id)  # not in the table before the batch ends
        if pending is not None:
            return pending
        cached = self._proposals.get(proposal_id)
        if cached is not None or self._complete:
            return cached
        row = conn.execute(
            select(notif_proposals).where(notif_proposals.c.proposal_id == proposal_id)
        ).mappings().first()
        if row is None:
            return None
        self._proposals[proposal_id] = dict(row)
        self._trim()
        return self._proposals.get(proposal_id, dict(row))

    def _objection_raised(self, conn: Connection, position: int, e: Any) -> None:
        proposal = self._proposal(conn, e.originator_id.hex)
        if proposal is None:
            return
        self._notify(
            position,
            e,
            "opposition",
            f"Opposition sur la proposition au ménage {proposal['household_reference']}",
            f"{self._org_name(conn, _hex(e.by_org))} s'oppose à la proposition "
            f"({proposal['offer_label']}). Motif : {e.motive}",
            project_id=proposal["project_id"],
            proposal_id=proposal["proposal_id"],
            parties=_stakeholders(proposal),
        )

    def _ended(self, conn: Connection, position: int, e: Any) -> None:
        """Refused, withdrawn or objection upheld: no reminder any more."""
        if isinstance(e, facts.ObjectionArbitrated) and e.decision != "maintenue":
            return
        proposal = e.originator_id.hex
        pending = self._new_proposals.get(proposal)
        if pending is not None:
            if pending["ended_at"] is None:
                pending["ended_at"] = _utc(e.timestamp)
            return
        self._ended_rows.append({"p_id": proposal, "p_ended_at": _utc(e.timestamp)})
        cached = self._proposals.get(proposal)
        if cached is not None and cached.get("ended_at") is None:
            cached["ended_at"] = _utc(e.timestamp)

    def _window_closed(self, conn: Connection, position: int, e: Any) -> None:
        proposal = self._proposal(conn, e.originator_id.hex)
        if proposal is None:
            return
        reference = proposal["household_reference"]
        if e.cleared:
            kind = "proposition_validee"
            title = f"Proposition validée : ménage {reference}"
            body = (
                f"Le délai d'opposition s'est achevé le {paris(_aware(proposal['deadline']))} "
                f"sans opposition ouverte : la proposition ({proposal['offer_label']}) est "
                "validée par les partenaires."
            )
        else:
            kind = "delai_clos_avec_opposition"
            title = f"Délai clos avec opposition : ménage {reference}"
            body = (
                f"Le délai d'opposition s'est achevé le {paris(_aware(proposal['deadline']))} ; "
                f"{e.open_objections} opposition(s) reste(nt) ouverte(s) : la proposition "
                "attend leur levée ou un arbitrage du pilote."
            )
        self._notify(
            position,
            e,
            kind,
            title,
            body,
            project_id=proposal["project_id"],
            proposal_id=proposal["proposal_id"],
            parties=_stakeholders(proposal),
        )

    def _lease_signed(self, conn: Connection, position: int, e: Any) -> None:
        proposal = self._proposal(conn, e.originator_id.hex)
        if proposal is None:
            return
        self._notify(
            position,
            e,
            "bail_signe",
            f"Bail signé : ménage {proposal['household_reference']} relogé",
            f"{self._org_name(conn, _hex(e.by_org))} a signé le bail ({proposal['offer_label']}), "
            f"entrée dans les lieux le {e.move_in_date:%d/%m/%Y}.",
            project_id=proposal["project_id"],
            proposal_id=proposal["proposal_id"],
        )

    _handlers = {
        org_facts.OrganisationRegistered: _organisation,
        project_facts.ProjectCreated: _project_created,
        project_facts.PartnerJoined: _partner_joined,
        offer_facts.OfferPublished: _offer_published,
        offer_facts.OfferUpdated: _offer_updated,
        facts.ProposalMade: _proposal_made,
        facts.ObjectionRaised: _objection_raised,
        facts.ObjectionArbitrated: _ended,
        facts.ProposalRefused: _ended,
        facts.ProposalWithdrawn: _ended,
        facts.ObjectionWindowClosed: _window_closed,
        facts.LeaseSigned: _lease_signed,
    }


_dispatch: dict[type, Any] = {}

# Projector classes of this module, for the projections' ``build_runner``: instantiate
# one per runner (they cache rows for the duration of a batch).
PROJECTORS = [NotificationProjector]


# -- reading the inbox ------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    key: str
    org_id: UUID
    kind: str
    created_at: datetime
    title: str
    body: str
    project_id: UUID | None = None
    proposal_id: UUID | None = None
    offer_id: UUID | None = None
    read: bool = False
    position: int | None = None  # None for the time-derived reminders
    deadline: datetime | None = field(default=None, compare=False)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def _uuid(value: str | None) -> UUID | None:
    return UUID(hex=value) if value else None


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(tz=UTC)
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return at.astimezone(UTC)


def reminder_time(made_at: datetime, deadline: datetime) -> datetime:
    """When the 12-hour reminder appears (at once for windows shorter than 12 h)."""
    return max(made_at, deadline - REMINDER_BEFORE)


Audience = list[tuple[str, int]]  # an organisation's projects, with the position it joined at


def _audience(conn: Connection, org: str) -> Audience:
    return [
        (row[0], int(row[1]))
        for row in conn.execute(
            select(notif_partners.c.project_id, notif_partners.c.joined_position)
            .where(notif_partners.c.org_id == org)
            .order_by(notif_partners.c.project_id)
        )
    ]


def _inbox_rows(
    org: str | None = None,
    kind: str | None = None,
    name: str = "inbox",
    audience: Audience | None = None,
    *,
    newest: int | None = None,
    at: datetime | None = None,
    unread_by: str | None = None,
):
    """Every (notice, recipient) pair: of one organisation (its ``audience``), or of all.

    The columns of one inbox row: ``key`` (``position:org``), ``position``, ``org_id``,
    ``kind``, ``created_at``, the ids, ``title``, ``body``. For one organisation, each of
    its projects is a branch of its own (project and position as constants), so that
    each branch reads the (project, created_at) index in order. ``newest``: only the
    ``newest`` items of each branch dated at or before ``at`` (a page stops early
    instead of sorting the whole inbox); ``unread_by``: only the items that user has
    not read (checked in each branch, before its limit).
    """

    def columns(recipient: Any) -> list[Any]:
        return [
            (cast(notices.c.position, String) + literal(":") + recipient).label("key"),
            notices.c.position,
            recipient.label("org_id"),
            notices.c.kind,
            notices.c.created_at,
            notices.c.project_id,
            notices.c.proposal_id,
            notices.c.offer_id,
            notices.c.title,
            notices.c.body,
        ]

    def told(recipient: Any) -> Any:  # not the author, not the excluded organisation
        return and_(
            notices.c.audience == PARTNERS,
            or_(notices.c.author.is_(None), notices.c.author != recipient),
            or_(notices.c.excluded.is_(None), notices.c.excluded != recipient),
        )

    partner = notif_partners
    if org is None:
        branches = [
            select(*columns(partner.c.org_id))
            .join(
                partner,
                and_(partner.c.project_id == notices.c.project_id, partner.c.joined_position < notices.c.position),
            )
            .where(told(partner.c.org_id))
        ]
        parties = select(*columns(notice_recipients.c.org_id)).join(
            notice_recipients, notice_recipients.c.position == notices.c.position
        )
    else:
        if audience is None:
            raise ValueError("an organisation's inbox needs its audience (_audience)")
        me = literal(org, String)
        branches = [
            select(*columns(me)).where(
                notices.c.project_id == project, notices.c.position > joined, told(me)
            )
            for project, joined in audience
        ]
        parties = (
            select(*columns(me))
            .join(notice_recipients, notice_recipients.c.position == notices.c.position)
            .where(notice_recipients.c.org_id == org)
        )
    branches.append(parties)
    if kind is not None:
        branches = [b.where(notices.c.kind == kind) for b in branches]
    if unread_by is not None:
        branches = [
            b.where(
                ~select(reads.c.key)
                .where(reads.c.key == b.selected_columns.key, reads.c.login == unread_by)
                .exists()
            )
            for b in branches
        ]
    if newest is not None:
        branches = [
            select(
                b.where(notices.c.created_at <= at)
                .order_by(notices.c.created_at.desc(), notices.c.position.desc())
                .limit(newest)
                .subquery()
            )
            for b in branches
        ]
    return union_all(*branches).subquery(name)


def _asked_to_examine(org: str | None, audience: Audience | None) -> tuple[Any, Any, Any]:
    """(from, where, recipient): the proposals each organisation (or ``org``) was asked to examine.

    Those whose ``proposition_a_examiner`` it received, so that reminders follow the same
    partner rule as that notice.
    """
    if org is None:
        examine = _inbox_rows(None, "proposition_a_examiner", "examine")
        recipient = examine.c.org_id
        source = notif_proposals.join(examine, examine.c.proposal_id == notif_proposals.c.proposal_id)
        condition = true()
    else:
        # One organisation: each proposal of its projects whose "proposition à examiner"
        # it was told of (always a partners' notice), checked per proposal so that the
        # newest reminders come from the reminder_at index and stop early.
        if audience is None:
            raise ValueError("an organisation's reminders need its audience (_audience)")
        recipient = literal(org, String)
        asked = (
            select(notices.c.position)
            .where(
                notices.c.proposal_id == notif_proposals.c.proposal_id,
                notices.c.kind == "proposition_a_examiner",
                notices.c.audience == PARTNERS,
                or_(notices.c.author.is_(None), notices.c.author != recipient),
                or_(notices.c.excluded.is_(None), notices.c.excluded != recipient),
                # Told of it: a partner since before the notice (the proposal's project is
                # the notice's; compared per proposal, so SQLite keeps the proposal index).
                notices.c.position
                > select(notif_partners.c.joined_position)
                .where(
                    notif_partners.c.project_id == notif_proposals.c.project_id,
                    notif_partners.c.org_id == org,
                )
                .correlate(notif_proposals)
                .scalar_subquery(),
            )
            .correlate(notif_proposals)
            .exists()
        )
        source = notif_proposals
        condition = and_(notif_proposals.c.project_id.in_([p for p, _ in audience]), asked)
    return source, condition, recipient


def _reminder_query(
    org: str | None, at: datetime, user: str | None, unread_only: bool, audience: Audience | None = None
):
    """The reminders that exist at ``at``: a pure function of the events and ``at``.

    Recipients are the organisations asked to examine the proposal (see
    :func:`_asked_to_examine`). A reminder exists from ``reminder_at`` on, unless the
    proposal ended before.
    """
    source, condition, recipient = _asked_to_examine(org, audience)
    key = (literal("echeance:") + notif_proposals.c.proposal_id + literal(":") + recipient).label("key")
    query = (
        select(notif_proposals, recipient.label("recipient"), key).select_from(source).where(condition)
    )
    if user is not None:
        query = query.add_columns(reads.c.login.label("read_by")).outerjoin(
            reads, and_(reads.c.key == key, reads.c.login == user)
        )
        if unread_only:
            query = query.where(reads.c.login.is_(None))
    query = query.where(
        notif_proposals.c.reminder_at <= at,
        or_(
            notif_proposals.c.ended_at.is_(None),
            notif_proposals.c.ended_at > notif_proposals.c.reminder_at,
        ),
    )
    return query


def _reminder(row: Any) -> Notification:
    deadline = _aware(row["deadline"])
    return Notification(
        key=row["key"],
        org_id=UUID(hex=row["recipient"]),
        kind="echeance_12h",
        created_at=_aware(row["reminder_at"]),
        title=f"Plus que 12 heures pour examiner la proposition au ménage "
        f"{row['household_reference']}",
        body=f"Le délai d'opposition sur la proposition ({row['offer_label']}) "
        f"s'achève le {paris(deadline)} (heure de Paris). Passé ce délai, aucune "
        "opposition ne sera plus recevable.",
        project_id=_uuid(row["project_id"]),
        proposal_id=_uuid(row["proposal_id"]),
        read=row.get("read_by") is not None,
        deadline=deadline,
    )


def _stored(row: Any) -> Notification:
    return Notification(
        key=row["key"],
        org_id=UUID(hex=row["org_id"]),
        kind=row["kind"],
        created_at=_aware(row["created_at"]),
        title=row["title"],
        body=row["body"],
        project_id=_uuid(row["project_id"]),
        proposal_id=_uuid(row["proposal_id"]),
        offer_id=_uuid(row["offer_id"]),
        read=row.get("read_by") is not None,
        position=row["position"],
    )


def _stored_query(org: str, at: datetime, user: str, unread_only: bool, audience: Audience):
    rows = _inbox_rows(org, audience=audience)
    query = (
        select(rows, reads.c.login.label("read_by"))
        .outerjoin(reads, and_(reads.c.key == rows.c.key, reads.c.login == user))
        .where(rows.c.created_at <= at)
    )
    if unread_only:
        query = query.where(reads.c.login.is_(None))
    return query


def _order(n: Notification) -> tuple:
    return (n.created_at, n.position or 0, n.key)


def list_inbox(
    engine: Engine | Connection,
    org_id: UUID,
    user: str,
    at: datetime | None = None,
    *,
    limit: int | None = 50,
    offset: int = 0,
    unread_only: bool = False,
) -> list[Notification]:
    """A page of the inbox of ``org_id`` as it stood at ``at`` (default: now), newest first.

    ``read`` says whether ``user`` has read each item. ``limit=None``: everything.
    """
    at = _now(at)
    org = org_id.hex
    _ensure_user_tables(engine)
    with connect(engine) as conn:
        audience = _audience(conn, org)
        if limit is None:
            stored = _stored_query(org, at, user, unread_only, audience)
        else:
            # The newest (unread) items first, and only then their read marks: the page
            # comes from the (project, created_at) index instead of sorting the inbox.
            rows = _inbox_rows(
                org, audience=audience, newest=offset + limit, at=at, unread_by=user if unread_only else None
            )
            newest = (
                select(rows)
                # (created_at, position) orders one organisation's items: no key needed.
                .order_by(rows.c.created_at.desc(), rows.c.position.desc())
                .limit(offset + limit)
                .subquery("newest")
            )
            stored = select(newest, reads.c.login.label("read_by")).outerjoin(
                reads, and_(reads.c.key == newest.c.key, reads.c.login == user)
            )
        stored = stored.order_by(
            stored.selected_columns.created_at.desc(),
            stored.selected_columns.position.desc(),
            stored.selected_columns.key.desc(),
        )
        reminders = _reminder_query(org, at, user, unread_only, audience).order_by(
            notif_proposals.c.reminder_at.desc(), notif_proposals.c.proposal_id.desc()
        )
        if limit is not None:
            # Each source's first offset+limit rows hold the merged page.
            stored = stored.limit(offset + limit)
            reminders = reminders.limit(offset + limit)
        items = [_stored(row) for row in conn.execute(stored).mappings()]
        items += [_reminder(row) for row in conn.execute(reminders).mappings()]
    items.sort(key=_order, reverse=True)
    return items[offset:] if limit is None else items[offset : offset + limit]


def inbox(
    engine: Engine, org_id: UUID, user: str, at: datetime | None = None
) -> list[Notification]:
    """The whole inbox of ``org_id`` at ``at`` (default: now), newest first."""
    return list_inbox(engine, org_id, user, at, limit=None)


def bump_read_version(conn: Connection, org: str, user: str) -> None:
    """Record that ``user``'s read marks in ``org`` changed (call inside the change's transaction)."""
    bump = (
        read_versions.update()
        .where(read_versions.c.org_id == org, read_versions.c.login == user)
        .values(version=read_versions.c.version + 1)
    )
    if not conn.execute(bump).rowcount:
        try:
            with conn.begin_nested():
                conn.execute(read_versions.insert().values(org_id=org, login=user, version=1))
        except IntegrityError:  # inserted meanwhile by another request: bump theirs
            conn.execute(bump)


def read_version(engine: Engine | Connection, org_id: UUID, user: str) -> int:
    """How many times ``user``'s read marks in ``org_id`` changed (0: never)."""
    _ensure_user_tables(engine)
    with connect(engine) as conn:
        value = conn.execute(
            select(read_versions.c.version).where(
                read_versions.c.org_id == org_id.hex, read_versions.c.login == user
            )
        ).scalar()
    return int(value or 0)


def next_inbox_change(engine: Engine | Connection, org_id: UUID, at: datetime) -> datetime | None:
    """The first instant after ``at`` at which the inbox of ``org_id`` grows with no new
    event: a stored item dated later (clocks can differ) or a 12-hour reminder coming due.
    Until then, at the same position and read marks, the unread count cannot change."""
    at = _now(at)
    org = org_id.hex
    with connect(engine) as conn:
        audience = _audience(conn, org)
        rows = _inbox_rows(org, audience=audience)
        stored = conn.execute(select(func.min(rows.c.created_at)).where(rows.c.created_at > at)).scalar()
        source, condition, _ = _asked_to_examine(org, audience)
        reminder = conn.execute(
            select(func.min(notif_proposals.c.reminder_at))
            .select_from(source)
            .where(condition, notif_proposals.c.reminder_at > at)
        ).scalar()
    found = [_aware(v) for v in (stored, reminder) if v is not None]
    return min(found) if found else None


def unread_count(engine: Engine | Connection, org_id: UUID, user: str, at: datetime | None = None) -> int:
    """Unread notifications of ``user`` in the inbox of ``org_id`` (for the header badge)."""
    at = _now(at)
    org = org_id.hex
    _ensure_user_tables(engine)
    with connect(engine) as conn:
        audience = _audience(conn, org)
        stored = conn.execute(
            select(func.count()).select_from(_stored_query(org, at, user, True, audience).subquery())
        ).scalar_one()
        reminders = conn.execute(
            select(func.count()).select_from(_reminder_query(org, at, user, True, audience).subquery())
        ).scalar_one()
    return int(stored) + int(reminders)


def mark_read(
    engine: Engine,
    org_id: UUID,
    user: str,
    keys: Iterable[str] | None = None,
    at: datetime | None = None,
) -> int:
    """Mark ``keys`` (default: everything in the inbox at ``at``) read; returns how many."""
    at = _now(at)
    org = org_id.hex
    visible = {n.key for n in list_inbox(engine, org_id, user, at, limit=None, unread_only=True)}
    wanted = visible if keys is None else visible & set(keys)
    marked = 0
    for key in sorted(wanted):
        try:
            with engine.begin() as conn:
                conn.execute(reads.insert().values(key=key, login=user, org_id=org, read_at=at))
                bump_read_version(conn, org, user)
            marked += 1
        except IntegrityError:  # marked meanwhile from another tab: same outcome
            pass
    return marked


def mark_unread(engine: Engine, org_id: UUID, user: str, keys: Iterable[str]) -> None:
    _ensure_user_tables(engine)
    with engine.begin() as conn:
        conn.execute(
            delete(reads).where(
                reads.c.org_id == org_id.hex, reads.c.login == user, reads.c.key.in_(list(keys))
            )
        )
        bump_read_version(conn, org_id.hex, user)


# -- e-mail -------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes. Off unless ``RELOGEMENT_SMTP_HOST`` is set."""

    host: str
    port: int = 25
    sender: str = "relogement@localhost"
    default_to: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpSettings | None:
        env = dict(os.environ if env is None else env)
        host = env.get("RELOGEMENT_SMTP_HOST", "").strip()
        if not host:
            return None
        to = tuple(a.strip() for a in env.get("RELOGEMENT_SMTP_TO", "").split(",") if a.strip())
        return cls(
            host=host,
            port=int(env.get("RELOGEMENT_SMTP_PORT", "25")),
            sender=env.get("RELOGEMENT_SMTP_FROM", "relogement@localhost"),
            default_to=to,
            user=env.get("RELOGEMENT_SMTP_USER") or None,
            password=env.get("RELOGEMENT_SMTP_PASSWORD") or None,
            starttls=env.get("RELOGEMENT_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        )


def set_mail_addresses(engine: Engine, org_id: UUID, addresses: Iterable[str]) -> None:
    """The addresses that receive an organisation's notifications by mail."""
    _ensure_user_tables(engine)
    clean = sorted({a.strip() for a in addresses if a.strip()})
    with engine.begin() as conn:
        conn.execute(delete(mail_addresses).where(mail_addresses.c.org_id == org_id.hex))
        for address in clean:
            conn.execute(mail_addresses.insert().values(org_id=org_id.hex, address=address))


def _addresses(conn: Connection, org: str) -> list[str]:
    return sorted(
        conn.execute(
            select(mail_addresses.c.address).where(mail_addresses.c.org_id == org)
        ).scalars()
    )


def _message(settings: SmtpSettings, n: Notification, to: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[Relogement] {n.title}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["X-Relogement-Notification"] = n.key
    base = os.environ.get("RELOGEMENT_BASE_URL", "").rstrip("/")
    link = f"\n\nVoir la notification : {base}/notifications" if base else ""
    msg.set_content(
        f"{n.kind_label} — {paris(n.created_at)} (heure de Paris)\n\n{n.body}{link}\n\n"
        "Message automatique de la plateforme Relogement inter-bailleurs."
    )
    return msg


def dispatch_mail(engine: Engine, settings: SmtpSettings, at: datetime | None = None) -> int:
    """Send by mail every notification not mailed yet; returns how many mails were sent.

    Run by the one scheduler process only (never by web workers), after it caught
    up the projections. The first run records a starting point, so switching
    mail on never sends the history. A notification is logged once sent: a
    crash between sending and logging may send it twice (at least once), never
    lose it. Reminders whose deadline already passed (e.g. after a downtime) are
    logged as ``perime`` instead of being sent.
    """
    at = _now(at)
    _ensure_user_tables(engine)
    with engine.begin() as conn:
        state = conn.execute(select(mail_state).where(mail_state.c.name == "mail")).mappings().first()
        if state is None:
            start = conn.execute(select(func.max(notices.c.position))).scalar() or 0
            conn.execute(mail_state.insert().values(name="mail", start_position=start, start_at=at))
            state = {"start_position": start, "start_at": at}
    start_position, start_at = state["start_position"], _aware(state["start_at"])

    with engine.connect() as conn:
        # Anti-joins on the mail log: only what was never handled, however long the history.
        rows = _inbox_rows()
        stored = (
            select(rows)
            .outerjoin(mail_log, mail_log.c.key == rows.c.key)
            .where(
                mail_log.c.key.is_(None),
                rows.c.position > start_position,
                rows.c.created_at <= at,
            )
            .order_by(rows.c.position, rows.c.key)
        )
        pending = [_stored(row) for row in conn.execute(stored).mappings()]
        reminders = _reminder_query(None, at, None, False).subquery()
        due = (
            select(reminders)
            .outerjoin(mail_log, mail_log.c.key == reminders.c.key)
            .where(mail_log.c.key.is_(None), reminders.c.reminder_at >= start_at)
            .order_by(reminders.c.reminder_at, reminders.c.key)
        )
        pending += [_reminder(row) for row in conn.execute(due).mappings()]
        targets = {
            n.key: sorted({*_addresses(conn, n.org_id.hex), *settings.default_to}) for n in pending
        }

    sent = 0
    smtp: smtplib.SMTP | None = None
    try:
        for n in pending:
            to = targets[n.key]
            if not to:
                status = "sans_destinataire"
            elif n.kind == "echeance_12h" and n.deadline is not None and n.deadline <= at:
                status = "perime"
            else:
                if smtp is None:
                    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
                    if settings.starttls:
                        smtp.starttls()
                    if settings.user:
                        smtp.login(settings.user, settings.password or "")
                smtp.send_message(_message(settings, n, to))
                status = "envoye"
                sent += 1
            with engine.begin() as conn:
                conn.execute(
                    mail_log.insert().values(
                        key=n.key, sent_at=at, recipients=", ".join(to), status=status
                    )
                )
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except smtplib.SMTPException:
                log.warning("SMTP QUIT failed", exc_info=True)
    return sent
