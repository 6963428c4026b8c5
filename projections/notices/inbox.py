"""Reading an organisation's inbox: its pages, and the queries the header's unread count
is made of (:mod:`relogement.projections.notices.badge`).

Stored notices are fanned out to their recipients here (see
:mod:`relogement.projections.notices`), and the 12-hour reminders are derived from the
proposals and the instant asked about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Engine,
    String,
    and_,
    cast,
    literal,
    or_,
    select,
    true,
    union_all,
)

from relogement.projections.notices.tables import (
    KINDS,
    PARTNERS,
    ensure_user_tables,
    notice_recipients,
    notices,
    notif_partners,
    notif_proposals,
    reads,
)
from relogement.projections.notices.times import aware as _aware
from relogement.projections.notices.times import now as _now
from relogement.projections.notices.times import paris
from relogement.projections.queries import connect

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






@dataclass(frozen=True)
class Cursor:
    """Where a page of the feed ends: the last item's (instant, position, key) in the
    feed's order (newest first; a reminder has position 0). The next page starts after it."""

    created_at: datetime
    position: int
    key: str

    @classmethod
    def after(cls, item: Notification) -> Cursor:
        return cls(item.created_at, item.position or 0, item.key)


# What a notice asks of its recipient: an action (examine, answer an objection, a window
# about to close or closed with an objection), or nothing (for information).
ACTION_KINDS = frozenset({"proposition_a_examiner", "opposition", "echeance_12h", "delai_clos_avec_opposition"})
INFORMATION_KINDS = frozenset(KINDS) - ACTION_KINDS

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
    kinds: frozenset[str] | None = None,
    before: Cursor | None = None,
    after: int | None = None,
    upto: int | None = None,
):
    """Every (notice, recipient) pair: of one organisation (its ``audience``), or of all.

    The columns of one inbox row: ``key`` (``position:org``), ``position``, ``org_id``,
    ``kind``, ``created_at``, the ids, ``title``, ``body``. For one organisation, each of
    its projects is a branch of its own (project and position as constants), so that
    each branch reads the (project, created_at) index in order. ``newest``: only the
    ``newest`` items of each branch dated at or before ``at`` (a page stops early
    instead of sorting the whole inbox); ``unread_by``: only the items that user has
    not read (checked in each branch, before its limit). ``after``, ``upto``: only the notices
    of the events after ``after`` and up to ``upto`` (either bound may be None).
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
    if kinds is not None:
        branches = [b.where(notices.c.kind.in_(sorted(kinds))) for b in branches]
    if after is not None:
        branches = [b.where(notices.c.position > after) for b in branches]
    if upto is not None:
        branches = [b.where(notices.c.position <= upto) for b in branches]
    if before is not None:
        # Keyset paging: only what comes after the cursor in the feed's order (newest
        # first), so a page far down reads the same index range as the first one.
        older = or_(
            notices.c.created_at < before.created_at,
            and_(notices.c.created_at == before.created_at, notices.c.position < before.position),
        )
        branches = [b.where(older) for b in branches]
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
    org: str | None, at: datetime, user: str | None, unread_only: bool, audience: Audience | None = None,
    before: Cursor | None = None, *, upto: int | None = None, touched: tuple[int, int] | None = None,
):
    """The reminders that exist at ``at``: a pure function of the events and ``at``.

    Recipients are the organisations asked to examine the proposal (see
    :func:`_asked_to_examine`). A reminder exists from ``reminder_at`` on, unless the
    proposal ended before. ``upto``: as the events up to that position left them (made by
    then, and ended only if ended by then); ``touched`` = (after, upto): only the proposals
    made or ended by an event in between.
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
    still_open = [notif_proposals.c.ended_at.is_(None), notif_proposals.c.ended_at > notif_proposals.c.reminder_at]
    if upto is not None:
        query = query.where(notif_proposals.c.made_position <= upto)
        still_open.append(notif_proposals.c.ended_position > upto)
    if touched is not None:
        query = query.where(or_(
            notif_proposals.c.made_position.between(touched[0] + 1, touched[1]),
            notif_proposals.c.ended_position.between(touched[0] + 1, touched[1]),
        ))
    query = query.where(notif_proposals.c.reminder_at <= at, or_(*still_open))
    if before is not None:
        # A reminder sorts after the stored items of its instant (position 0), then by key.
        at_cursor = notif_proposals.c.reminder_at == before.created_at
        same_instant = at_cursor if before.position > 0 else and_(at_cursor, key < before.key)
        query = query.where(or_(notif_proposals.c.reminder_at < before.created_at, same_instant))
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


def _stored_query(org: str, at: datetime, user: str, unread_only: bool, audience: Audience,
                  kinds: frozenset[str] | None = None, before: Cursor | None = None,
                  after: int | None = None, upto: int | None = None):
    rows = _inbox_rows(org, audience=audience, kinds=kinds, before=before, after=after, upto=upto)
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
    kinds: frozenset[str] | None = None,
    before: Cursor | None = None,
) -> list[Notification]:
    """A page of the inbox of ``org_id`` as it stood at ``at`` (default: now), newest first.

    ``read`` says whether ``user`` has read each item. ``limit=None``: everything.
    ``kinds``: only these kinds (None: all). ``before``: only what follows that cursor
    (keyset paging; combine with ``offset=0``).
    """
    at = _now(at)
    if before is not None:
        before = Cursor(before.created_at.astimezone(UTC), before.position, before.key)
    org = org_id.hex
    ensure_user_tables(engine)
    with connect(engine) as conn:
        audience = _audience(conn, org)
        if limit is None:
            stored = _stored_query(org, at, user, unread_only, audience, kinds, before)
        else:
            # The newest (unread) items first, and only then their read marks: the page
            # comes from the (project, created_at) index instead of sorting the inbox.
            rows = _inbox_rows(
                org, audience=audience, newest=offset + limit, at=at, unread_by=user if unread_only else None,
                kinds=kinds, before=before,
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
        reminders = _reminder_query(org, at, user, unread_only, audience, before).order_by(
            notif_proposals.c.reminder_at.desc(), notif_proposals.c.proposal_id.desc()
        )
        if limit is not None:
            # Each source's first offset+limit rows hold the merged page.
            stored = stored.limit(offset + limit)
            reminders = reminders.limit(offset + limit)
        items = [_stored(row) for row in conn.execute(stored).mappings()]
        if kinds is None or "echeance_12h" in kinds:
            items += [_reminder(row) for row in conn.execute(reminders).mappings()]
    items.sort(key=_order, reverse=True)
    return items[offset:] if limit is None else items[offset : offset + limit]


def inbox(
    engine: Engine, org_id: UUID, user: str, at: datetime | None = None
) -> list[Notification]:
    """The whole inbox of ``org_id`` at ``at`` (default: now), newest first."""
    return list_inbox(engine, org_id, user, at, limit=None)
