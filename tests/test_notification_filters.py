"""The notifications feed in volume: filters by kind and by what is expected, "tout marquer
comme lu" on a filtered view, keyset paging; on SQLite and PostgreSQL."""

from __future__ import annotations

from relogement.projections import notices as notif
from relogement.simulation import sample


def walk(engine, org, user, at, size, **filters):
    """Every page by keyset (each page starts after the previous page's last item)."""
    pages, before = [], None
    while True:
        page = notif.list_inbox(engine, org, user, at, limit=size, before=before, **filters)
        if not page:
            return pages
        pages.append(page)
        before = notif.Cursor.after(page[-1])


def test_filters_mark_read_by_filter_and_keyset_pages(app, clock, runners):
    w = sample.build_world(app)
    household = sample.register(w, bailleur="LMH")
    clock.advance(minutes=5)
    # 12 offers, one command each: 12 "nouvelle offre" notices for the city.
    offers = []
    for _ in range(12):
        offers.append(app.publish_offer(w.project_id, sample.dwelling(), w.actor("VCL")))
        clock.advance(minutes=1)
    proposal = app.make_proposal(household, offers[0], 20_000, w.actor("LMH"))
    # 36 h later the window (48 h) ends within 12 hours: the city's reminder.
    clock.advance(hours=36, minutes=30)
    at = clock.now
    runner = runners(app)
    engine, city = runner.engine, w.orgs["VLS"]

    whole = notif.list_inbox(engine, city, "agent", at, limit=None)
    # Newest first: the reminder (deadline − 12 h), the proposal to examine, the 12 offers,
    # the notice that the city joined the project.
    assert [n.kind for n in whole] == (
        ["echeance_12h", "proposition_a_examiner"] + ["nouvelle_offre"] * 12 + ["nouveau_partenaire"]
    )
    assert whole[0].proposal_id == proposal and whole[1].proposal_id == proposal

    # Keyset pages of 4 cut the same list as the whole feed: 15 items = 4 + 4 + 4 + 3.
    pages = walk(engine, city, "agent", at, 4)
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    assert [n for p in pages for n in p] == whole
    # Offset and keyset agree page by page.
    assert pages[2] == notif.list_inbox(engine, city, "agent", at, limit=4, offset=8)

    # What is expected: an action (the proposal to examine, its reminder) or information.
    action = notif.list_inbox(engine, city, "agent", at, limit=None, kinds=notif.ACTION_KINDS)
    assert [n.kind for n in action] == ["echeance_12h", "proposition_a_examiner"]
    info = notif.list_inbox(engine, city, "agent", at, limit=50, kinds=notif.INFORMATION_KINDS)
    assert len(info) == 13 and {n.kind for n in info} == {"nouvelle_offre", "nouveau_partenaire"}
    offers_only = walk(engine, city, "agent", at, 5, kinds=frozenset({"nouvelle_offre"}))
    assert [len(p) for p in offers_only] == [5, 5, 2]
    # A kind filter keyed on the reminders alone still pages.
    assert [n.kind for n in notif.list_inbox(engine, city, "agent", at, kinds=frozenset({"echeance_12h"}))] == [
        "echeance_12h"
    ]

    # "Tout marquer comme lu" on the view "action attendue": those two only.
    assert notif.unread_count(engine, city, "agent", at) == 15
    assert notif.mark_all_read(engine, city, "agent", at, notif.ACTION_KINDS) == 2
    assert notif.unread_count(engine, city, "agent", at) == 13
    unread = notif.list_inbox(engine, city, "agent", at, limit=None, unread_only=True)
    assert {n.kind for n in unread} == {"nouvelle_offre", "nouveau_partenaire"}
    # Unread pages by keyset, filtered: 13 unread of information, 10 + 3.
    pages = walk(engine, city, "agent", at, 10, unread_only=True, kinds=notif.INFORMATION_KINDS)
    assert [len(p) for p in pages] == [10, 3]
    # Another user of the city has read nothing.
    assert notif.unread_count(engine, city, "other", at) == 15
