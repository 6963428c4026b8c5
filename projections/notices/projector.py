"""The projector of the inbox: turns events into notices, each addressed to its recipients.

See :mod:`relogement.projections.notices` for what lands in an inbox and why the
fan-out to recipient organisations happens at read time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from relogement.events import offer as offer_facts
from relogement.events import organisation as org_facts
from relogement.events import project as project_facts
from relogement.events import proposal as facts
from relogement.projections.machinery import bulk_insert
from relogement.projections.notices.tables import (
    PARTIES,
    PARTNERS,
    notice_recipients,
    notices,
    notif_offers,
    notif_orgs,
    notif_partners,
    notif_projects,
    notif_proposals,
)
from relogement.projections.notices.times import aware as _aware
from relogement.projections.notices.times import paris, reminder_time
from relogement.projections.notices.times import utc as _utc

# -- helpers --------------------------------------------------------------------


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
        # Organisations' names by id, kept across batches like the rows above (a batch
        # rolled back calls forget()): per batch, a national rebuild asked for each of
        # its ≈ 800 organisations again, 8 % of its time on PostgreSQL.
        self._name_cache: dict[str, str] = {}

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
                .values(ended_at=bindparam("p_ended_at"), ended_position=bindparam("p_ended_position")),
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
            "made_position": position,
            "ended_position": None,
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
                pending["ended_at"], pending["ended_position"] = _utc(e.timestamp), position
            return
        self._ended_rows.append({"p_id": proposal, "p_ended_at": _utc(e.timestamp), "p_ended_position": position})
        cached = self._proposals.get(proposal)
        if cached is not None and cached.get("ended_at") is None:
            cached["ended_at"], cached["ended_position"] = _utc(e.timestamp), position

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
