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

Modules: ``tables`` (the tables and ``KINDS``), ``projector`` (events → notices),
``inbox`` (reading an inbox), ``badge`` (the unread count), ``read_marks`` (who read
what), ``mail_queue`` (the mail SQL) and ``mailer`` (SMTP; not re-exported here: it
belongs to the runtime).
"""

from relogement.projections.notices.badge import next_inbox_change, unread_change, unread_count
from relogement.projections.notices.inbox import (
    ACTION_KINDS,
    INFORMATION_KINDS,
    Cursor,
    Notification,
    inbox,
    list_inbox,
)
from relogement.projections.notices.mail_queue import (
    PendingMail,
    log_mail,
    pending_mail,
    set_mail_addresses,
)
from relogement.projections.notices.projector import PROJECTORS, NotificationProjector
from relogement.projections.notices.read_marks import (
    bump_read_version,
    mark_all_read,
    mark_read,
    mark_unread,
    read_version,
)
from relogement.projections.notices.tables import (
    KINDS,
    create_user_tables,
    ensure_user_tables,
    mail_addresses,
    mail_log,
    notice_recipients,
    notices,
    notif_offers,
    notif_orgs,
    notif_partners,
    notif_projects,
    notif_proposals,
    read_versions,
    reads,
)
from relogement.projections.notices.times import REMINDER_BEFORE, paris, reminder_time

__all__ = [
    "ACTION_KINDS",
    "INFORMATION_KINDS",
    "Cursor",
    "KINDS",
    "PROJECTORS",
    "REMINDER_BEFORE",
    "Notification",
    "NotificationProjector",
    "PendingMail",
    "bump_read_version",
    "create_user_tables",
    "ensure_user_tables",
    "inbox",
    "list_inbox",
    "log_mail",
    "mail_addresses",
    "mail_log",
    "mark_all_read",
    "mark_read",
    "mark_unread",
    "next_inbox_change",
    "notice_recipients",
    "notices",
    "notif_offers",
    "notif_orgs",
    "notif_partners",
    "notif_projects",
    "notif_proposals",
    "paris",
    "pending_mail",
    "read_version",
    "read_versions",
    "reads",
    "reminder_time",
    "set_mail_addresses",
    "unread_change",
    "unread_count",
]
