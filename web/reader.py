"""What the pages read: the projections' views, with the web policy's resources, memoised.

The web layer's one reader of the read side. It speaks no SQL: every read is a function
of :mod:`relogement.projections.queries` (given ``db``, an opaque handle on the read
models' database), and every view a class of :mod:`relogement.projections.views`. What
it adds is the web's: per-request and per-position memos, and each view's ``resource``
(``web.policy``), from which the policy decides who sees and does what.

"As of": every method takes ``position`` (None = now). An auditor's instant maps to
a position with :meth:`ReadModels.position_at` (the event journal), and the same
queries filtered by ``valid_from <= N < valid_to`` give what the live pages showed
right after event N, by construction.

Pseudonymisation: views built for someone who may not see a household's identity are
``HouseholdPseudo`` objects, which have no identity fields at all; identity comes only
from :meth:`ReadModels._identities`, which reads the identities of the ids the caller's
policy allowed and reports them to the ``audit`` callback (the privacy layer's access
log). Templates therefore cannot leak what they never receive, and no identity is shown
without a log entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from relogement.projections import queries as q
from relogement.projections.queries import households as hq
from relogement.projections.queries import journal as jq
from relogement.projections.queries import offers as oq
from relogement.projections.queries import organisations as orgq
from relogement.projections.queries import proposals as pq
from relogement.projections.views import (
    PAGE_SIZE,
    HouseholdPseudo,
    OfferView,
    OrgView,
    Page,
    ProjectView,
    ProposalView,
    TimelineEntry,
)
from relogement.web.cache import Cache as SharedCache
from relogement.web.narration import narrate
from relogement.web.policy import Resource, household_resource, offer_resource, proposal_resource
from relogement.web.read_positions import ReadPositions

Audit = Callable[[list[UUID], str], None]
IdentityFor = Callable[[Resource], bool]
Db = Any  # relogement.projections.queries.Db: opaque here (the web speaks no SQL)
# Rows and views of single records kept per process (≈ 1–2 kB each; 3 per household):
# the ranking pages read one each, over the largest programme's 1,085 households and 2,352 offers.
RECORDS = 16384


def _uuid(value: str | UUID | None) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(hex=value)


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else UUID(str(value)).hex


class ReadModels(ReadPositions):
    """Queries used by the pages; every method takes the position to read at.

    ``db`` is an engine for reads only (on SQLite a plain, deferred-transaction
    engine: readers never take the write lock the projection runner takes).
    """

    def __init__(
        self,
        db: Db,
        memo: Callable[[], dict | None] = lambda: None,
        request_connection: Callable[[], Db | None] = lambda: None,
        events_table: Any = None,
    ) -> None:
        self.db = db
        self._events = events_table  # the event store's records, read with the position
        self._request_connection = request_connection
        # Per-request memo (organisations and projects are read by almost every page).
        self._memo_store = memo
        self._shared = SharedCache(32)
        # Rows read at a position (a list page, a proposal, a timeline): they never
        # change at that position, so each is read once for every request and reader.
        self._fixed_rows = SharedCache(1024)
        # One household's or offer's rows and view, apart: a programme's every record fits.
        self._record_rows = SharedCache(RECORDS)

    def _memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        store = self._memo_store()
        if store is None:
            return compute()
        if key not in store:
            store[key] = compute()
        return store[key]

    def _fixed(self, name: str, position: int | None, args: tuple, compute: Callable[[], Any],
               record: bool = False) -> Any:
        """A read that cannot change at a position, shared by every request of the
        process (callers must not mutate it); who may see it is decided per request."""
        cache = self._record_rows if record else self._fixed_rows  # one household's or offer's
        return cache.get((name, self.position(position), position is None, *args), compute)

    @property
    def reader(self) -> Db:
        """What a page reads through: the request's one connection when there is one.

        A checkout per statement cost more than the statement on PostgreSQL (the pool's
        liveness ping, then the rollback on return: three round trips for one query).
        """
        conn = self._request_connection()
        return self.db if conn is None else conn

    # -- organisations and projects -----------------------------------------
    def _shared_at(self, name: str, position: int | None, compute: Callable[[int], Any]) -> Any:
        """A small result read at a position, shared by every request of the process.

        Organisations and projects are read by almost every page and change rarely: the
        live page reads them at the last applied position (one indexed MAX), and what
        was read at a position never changes, so it is computed once per position.
        """
        pos = self.position(position)
        return self._shared.get((name, pos), lambda: compute(pos))

    def organisations(self, position: int | None = None) -> list[OrgView]:
        return self._memo(
            ("orgs", position),
            lambda: self._shared_at("orgs", position, lambda pos: orgq.organisation_views(self.reader, pos)),
        )

    def _names(self, position: int | None = None) -> dict[str, str]:
        return self._memo(
            ("names", position), lambda: {o.id.hex: o.name for o in self.organisations(position)}
        )

    def org_name(self, org_id: UUID | str | None, position: int | None = None) -> str:
        if org_id is None:
            return ""
        key = _hex(org_id)
        if key == UUID(int=0).hex:
            return "Système"
        return self._names(position).get(key, "Organisation inconnue")

    def _namer(self, position: int | None) -> Callable[[Any], str]:
        return lambda org_id: self.org_name(org_id, position)

    def organisation(self, org_id: UUID) -> OrgView | None:
        return next((o for o in self.organisations() if o.id == org_id), None)

    def organisation_by_code(self, code: str) -> OrgView | None:
        wanted = code.strip().lower()
        return next((o for o in self.organisations() if o.code.lower() == wanted), None)

    def projects(self, position: int | None = None) -> list[ProjectView]:
        def compute(pos: int) -> list[ProjectView]:
            return orgq.project_views(self.reader, self.organisations(pos), pos)

        return self._memo(("projects", position), lambda: self._shared_at("projects", position, compute))

    def project(self, project_id: UUID, position: int | None = None) -> ProjectView | None:
        return next((p for p in self.projects(position) if p.id == project_id), None)

    def project_created_at(self, project_id: UUID, position: int | None = None) -> datetime | None:
        return self._fixed(
            "project_created_at", position, (project_id,),
            lambda: orgq.project_created_at(self.reader, project_id, position),
        )

    def _project(self, project_id: str | UUID, position: int | None) -> ProjectView | None:
        return self.project(_uuid(project_id), position)  # type: ignore[arg-type]

    # -- offers -------------------------------------------------------------
    def _offer(self, row: dict, position: int | None) -> OfferView:
        resource = offer_resource(self._project(row["project_id"], position), UUID(hex=row["bailleur_org"]))
        return oq.offer_view(row, self._namer(position), resource)

    def offers(
        self, position: int | None = None, *, project_id: UUID | None = None, **filters: Any
    ) -> list[OfferView]:
        """Offers, newest first, filtered in SQL (see :meth:`offers_page`)."""
        if project_id is not None:
            filters["project_ids"] = [project_id]
        _, _, rows = oq.search_offers(self.reader, position, **filters)
        return [self._offer(r, position) for r in rows]

    def offers_page(
        self, position: int | None = None, *, page: int = 1, size: int = PAGE_SIZE, **filters: Any
    ) -> Page:
        """A page of offers, newest first. Filters: project_ids, status (codes), typology,
        qpv, bailleur, max_rent_cents, commune (case-insensitive substring)."""
        # The same for every reader (the projects they see are a filter): once per position and filters.
        filters = {k: tuple(v) if isinstance(v, list | tuple | set | frozenset) else v for k, v in filters.items()}

        def read() -> Page:
            total, number, rows = oq.search_offers(self.reader, position, page=page, size=size, **filters)
            return Page([self._offer(r, position) for r in rows], number, size, total)

        return self._fixed("offers_page", position, (page, size, *sorted(filters.items())), read)

    def offer_bailleurs(self, position: int | None = None) -> list[tuple[UUID, str]]:
        """The bailleurs that have offers (for the board's filter), once per position."""
        def read() -> list[tuple[UUID, str]]:
            ids = oq.offer_bailleur_ids(self.reader, position)
            return sorted(((UUID(hex=i), self.org_name(i, position)) for i in ids), key=lambda b: b[1])

        return self._fixed("offer_bailleurs", position, (), read)

    def offer(self, offer_id: UUID, position: int | None = None) -> OfferView | None:
        row = self._fixed("offer", position, (offer_id,), lambda: q.get_offer(self.reader, offer_id, position=position),
                          record=True)
        return self._offer(row, position) if row else None

    # -- households ---------------------------------------------------------
    def _household_resource(self, row: dict, position: int | None) -> Resource:
        return household_resource(
            self._project(row["project_id"], position), UUID(hex=row["bailleur_org"]), UUID(hex=row["officer_org"])
        )

    def erased(self, household_ids: Iterable[UUID | str], position: int | None = None) -> set[UUID]:
        """Which of these households had their personal data erased (as of ``position``)."""
        ids = {UUID(hex=_hex(i)) for i in household_ids}
        if not ids:
            return set()
        return ids & self._shared_at("erased_ids", position, lambda pos: jq.erased_ids(self.reader, pos))

    def erased_references(self, position: int | None = None) -> frozenset[str]:
        """References of every household erased as of ``position`` (for lists that
        carry references only: reports, access log)."""
        return self._shared_at(
            "erased_references", position, lambda pos: jq.erased_references(self.reader, pos)
        )

    def _situations(self, ids: list[str], position: int | None) -> dict[str, dict]:
        if not ids:
            return {}
        return self._fixed(
            "situations", position, tuple(sorted(ids)), lambda: hq.situations_of(self.reader, ids, position),
            record=len(ids) == 1,
        )

    def _identities(self, ids: list[str], audit: Audit, purpose: str) -> dict[str, dict]:
        """The identity rows of these households (current), each view logged via ``audit``.

        The only place that reads identities: callers pass only the ids the policy
        allowed (household.identity).
        """
        if not ids:
            return {}
        found = hq.identities_of(self.reader, ids)
        if found:
            audit([UUID(hex=h) for h in found], purpose)
        return found

    def _household(
        self,
        row: dict,
        position: int | None,
        erased: bool,
        situation: dict | None,
        identity: dict | None | bool,
        resource: Resource | None = None,
    ) -> HouseholdPseudo:
        """``identity``: False = pseudonymised view; a dict or None (erased) = full view."""
        return hq.household_view(
            row, self._namer(position), erased, situation, identity,
            resource or self._household_resource(row, position),
        )

    def _views(
        self,
        rows: list[dict],
        position: int | None,
        identity_for: IdentityFor,
        situation_for: IdentityFor,
        audit: Audit,
        purpose: str,
    ) -> list[HouseholdPseudo]:
        """Household views for rows: 3 batch queries at most (erased, situations, identities)."""
        erased = self.erased([r["household_id"] for r in rows], position)
        by_project: dict[str, ProjectView | None] = {}
        # A page's rows share a few (project, bailleur, officer) triples: each resource is
        # made, and the policy asked about it, once (50 rows asked it 100 times).
        by_triple: dict[tuple[str, str, str], Resource] = {}
        resources = {}
        for r in rows:
            triple = (r["project_id"], r["bailleur_org"], r["officer_org"])
            if triple not in by_triple:
                if r["project_id"] not in by_project:
                    by_project[r["project_id"]] = self._project(r["project_id"], position)
                by_triple[triple] = household_resource(
                    by_project[r["project_id"]], UUID(hex=r["bailleur_org"]), UUID(hex=r["officer_org"])
                )
            resources[r["household_id"]] = by_triple[triple]
        shown = {res: (identity_for(res), situation_for(res)) for res in set(by_triple.values())}
        who = {h for h, res in resources.items() if shown[res][0]}
        with_situation = [h for h, res in resources.items() if h in who or shown[res][1]]
        situations = self._situations(with_situation, position)
        identities = self._identities(
            [h for h in who if UUID(hex=h) not in erased], audit, purpose
        )
        out = []
        for r in rows:
            hid = r["household_id"]
            gone = UUID(hex=hid) in erased
            situation = situations.get(hid)
            if hid in who:
                out.append(self._household(r, position, gone, situation, identities.get(hid), resources[hid]))
                continue

            def pseudonymised(r: dict = r, gone: bool = gone, situation: dict | None = situation) -> HouseholdPseudo:
                return self._household(r, position, gone, situation, False, resources[r["household_id"]])

            # Without identity a view is the same for every reader at a position: built once.
            out.append(self._fixed("household_view", position, (hid, gone, situation is not None), pseudonymised,
                                   record=True))
        return out

    def households_page(
        self,
        identity_for: IdentityFor,
        situation_for: IdentityFor,
        audit: Audit,
        position: int | None = None,
        *,
        project_ids: Iterable[UUID] | None = None,
        status: str | None = None,
        reference: str = "",
        name_matches: Iterable[str] | None = None,
        page: int = 1,
        size: int = PAGE_SIZE,
        assigned_officer: str | None = None,
    ) -> Page:
        """A page of households by reference, filtered in SQL.

        ``reference``: case-insensitive substring; ``name_matches`` (hex ids whose
        identity matched a name search) widens it.
        """
        # The rows hold no identity and never change at a position: one query per
        # (position, filters, page) for every reader; who sees what is decided below.
        filters = (
            None if project_ids is None else tuple(sorted(p.hex for p in project_ids)),
            status, reference, None if name_matches is None else tuple(sorted(name_matches)), page, size,
            assigned_officer,
        )
        total, page, rows = self._fixed(
            "households_page", position, filters,
            lambda: hq.households_page_rows(
                self.reader, position, project_ids=project_ids, status=status, reference=reference,
                name_matches=name_matches, page=page, size=size, assigned_officer=assigned_officer,
            ),
        )
        items = self._views(rows, position, identity_for, situation_for, audit, "liste des ménages")
        return Page(items, page, size, total)

    def search_names(self, text: str, org: UUID, project_mous: Iterable[UUID]) -> list[str]:
        """Ids (hex) of the households whose name contains ``text`` among those ``org``
        may identify (its own, the ones it follows, or all the project's if it is its MOUS).

        The search reads names but shows none: results are then shown by the normal
        (logged) path, only for the households the policy lets the user identify.
        """
        return hq.search_names(self.reader, text, org, project_mous)

    def household(
        self,
        household_id: UUID,
        identity_for: IdentityFor,
        situation_for: IdentityFor,
        audit: Audit,
        position: int | None = None,
        purpose: str = "fiche ménage",
    ) -> HouseholdPseudo | None:
        row = self._fixed(
            "household", position, (household_id,),
            lambda: q.get_household_public(self.reader, household_id, position=position), record=True,
        )
        if row is None:
            return None
        return self._views([row], position, identity_for, situation_for, audit, purpose)[0]

    def household_resource(self, household_id: UUID, position: int | None = None) -> Resource | None:
        row = q.get_household_public(self.reader, household_id, position=position)
        return self._household_resource(row, position) if row else None

    def households_for(
        self, project_id: UUID, org: UUID, statuses: Iterable[str], position: int | None = None
    ) -> list[HouseholdPseudo]:
        """Pseudonymised households of a project that ``org`` follows (own bailleur or officer)."""
        rows = hq.households_followed_by(self.reader, project_id, org, statuses, position)
        erased = self.erased([r["household_id"] for r in rows], position)
        return [self._household(r, position, UUID(hex=r["household_id"]) in erased, None, False) for r in rows]

    def household_references(self, project_id: UUID) -> dict[str, UUID]:
        """reference → bailleur of every household of a project (imports)."""
        return hq.household_references(self.reader, project_id)

    def household_references_by_id(self, ids: Iterable[UUID]) -> dict[UUID, str]:
        """id → reference (the access log shows references, never names)."""
        return hq.household_references_by_id(self.reader, ids)

    def household_by_reference(self, reference: str) -> UUID | None:
        return hq.household_by_reference(self.reader, reference)

    # -- proposals ----------------------------------------------------------
    def _proposal(self, row: dict, at: datetime, position: int | None, erased: bool = False) -> ProposalView:
        resource = proposal_resource(
            self._project(row["project_id"], position),
            UUID(hex=row["offer_bailleur"]), UUID(hex=row["household_bailleur"]), UUID(hex=row["officer_org"]),
        )
        return pq.proposal_view(row, at, self._namer(position), resource, erased)

    def _with_officers(self, views: list[ProposalView], position: int | None) -> list[ProposalView]:
        """Fill the households' officer org into each proposal's resource (one query)."""
        ids = list({v.household_id.hex for v in views})
        if not ids:
            return views
        officers = self._fixed(
            "officers", position, tuple(sorted(ids)), lambda: hq.household_officers(self.reader, ids, position)
        )
        return [
            replace(v, resource=replace(v.resource, household_officer=_uuid(officers.get(v.household_id.hex))))
            for v in views
        ]

    def proposals_page(
        self,
        at: datetime,
        position: int | None = None,
        *,
        project_ids: Iterable[UUID] | None = None,
        live: bool | None = None,
        household_id: UUID | None = None,
        status: Iterable[str] | None = None,
        page: int = 1,
        size: int = PAGE_SIZE,
    ) -> Page:
        # Rows read once per position and filters; views once more per instant's effect on
        # them (which objection windows are open: all a view takes from ``at``).
        args = (None if project_ids is None else tuple(project_ids), live, household_id,
                None if status is None else tuple(status), page, size)
        total, number, rows = self._fixed("proposal_rows", position, args, lambda: pq.proposals_page_rows(
            self.reader, position, project_ids=args[0], live=live, household_id=household_id, status=args[3],
            page=page, size=size))

        def views() -> Page:
            erased = self.erased({r["household_id"] for r in rows}, position)
            found = [self._proposal(r, at, position, UUID(hex=r["household_id"]) in erased) for r in rows]
            return Page(self._with_officers(found, position), number, size, total)

        return self._fixed("proposals_page", position, (*args, pq.windows_open(rows, at)), views)

    def proposals_of(self, household_id: UUID, at: datetime, position: int | None = None) -> list[ProposalView]:
        rows = q.list_proposals(self.reader, household_id=household_id, position=position)
        views = [self._proposal(r, at, position) for r in sorted(rows, key=lambda r: r["rank"])]
        return self._with_officers(views, position)

    def follow_ups_of(self, household_id: UUID, position: int | None = None) -> list[dict]:
        """Measures after relocation (restricted: exact amounts; policy household.situation)."""
        return q.list_follow_ups(self.reader, household_id, position)

    def proposal(self, proposal_id: UUID, at: datetime, position: int | None = None) -> ProposalView | None:
        """One proposal with its objections, its offer and who made it."""
        row = self._fixed(
            "proposal", position, (proposal_id,), lambda: q.get_proposal(self.reader, proposal_id, position=position)
        )
        if row is None:
            return None
        erased = bool(self.erased([row["household_id"]], position))
        view = self._with_officers([self._proposal(row, at, position, erased)], position)[0]
        objections = tuple(pq.objection_view(o, self._namer(position)) for o in row["objections"])
        by_user = self._fixed(
            "proposal_author", position, (proposal_id,), lambda: pq.proposal_author(self.reader, row["proposal_id"])
        )
        return replace(
            view, objections=objections, offer=self.offer(view.offer_id, position), by_user=by_user or ""
        )

    # -- timelines ----------------------------------------------------------
    def timeline(self, app: Any, aggregate_ids: list[UUID], identity: bool, position: int | None = None,
                 situation: bool = False) -> list[TimelineEntry]:
        """Every fact of these aggregates, oldest first, with who and when.

        Positions, instants and authors come from the event journal (as of
        ``position``); the details from the stored events (``app.events``), never
        identity: free texts about the household only when ``identity``, exact
        amounts only when ``situation``.
        """
        def narrated() -> tuple:
            return tuple(narrate(self.reader, app, aggregate_ids, self._namer(position), identity, position, situation))

        return list(self._fixed("timeline", position, (tuple(aggregate_ids), identity, situation), narrated))


__all__ = ["ReadModels"]
