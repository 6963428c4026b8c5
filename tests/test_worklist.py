"""The work list ("À traiter"), hand-worked on a small history, on both databases.

The project: reminder after 5 days without an answer, follow-ups 1 and 3 months after
move-in, "blocked" after 10 days without a proposal, 2 legal offers. The clock starts on
Monday 02/03/2026 09:00 UTC (10:00 in Paris, UTC+1 until 29/03).

Vilogia (VCL) follows six households H1..H6; Lille Métropole Habitat (LMH) owns every
offered dwelling, so the CALEOL, the lease and the reservation are LMH's work.

- 02/03 09:00 UTC: H1..H6 registered; LMH publishes O1..O5, O7, and O6 reserved for the
  relocations until 16/03/2026; P1 = H1 ← O1 (deadline 04/03 09:00).
- 04/03 10:00 UTC: P1 cleared, accepted, attributed, lease signed, move-in 05/03/2026;
  P2 = H2 ← O2; P3 = H4 ← O3 refused at once; P4 = H4 ← O4 (rank 2 of 2: last legal offer);
  P5 = H5 ← O5, accepted on 04/03; P6 = H6 ← O7. All four windows end 06/03 10:00 UTC.
- 04/03 11:00 UTC: the city (VLS) objects to P6.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from relogement.projections.queries import get_project, position_at
from relogement.projections.queries.worklist import WorkProject, add_months, work_list
from relogement.simulation import sample

SETTINGS = {"answer_reminder_days": 5, "follow_up_months": [1, 3], "blocked_days": 10, "max_proposals": 2}


def utc(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def history(app, clock, runners):
    w = sample.build_world(app, settings=SETTINGS)
    vcl, lmh = w.actor("VCL"), w.actor("LMH")
    h = {n: sample.register(w, bailleur="VCL", name=f"Famille {n}") for n in range(1, 7)}
    o = {n: app.publish_offer(w.project_id, sample.dwelling(), lmh) for n in (1, 2, 3, 4, 5, 7)}
    o[6] = app.publish_offer(w.project_id, sample.dwelling(), lmh, available_until=date(2026, 3, 16))
    p = {1: app.make_proposal(h[1], o[1], 25_000, vcl)}
    clock.now = utc(4, 3, 10)
    app.close_objection_window(p[1])
    app.accept_proposal(p[1], date(2026, 3, 4), vcl)
    app.decide_caleol(p[1], "attribution", date(2026, 3, 4), "", lmh)
    app.sign_lease(p[1], 48_000, 10_000, 25_000, date(2026, 3, 4), date(2026, 3, 5), lmh)
    p[2] = app.make_proposal(h[2], o[2], 25_000, vcl)
    p[3] = app.make_proposal(h[4], o[3], 25_000, vcl)
    app.refuse_proposal(p[3], "localisation", "", vcl)
    p[4] = app.make_proposal(h[4], o[4], 25_000, vcl)
    p[5] = app.make_proposal(h[5], o[5], 25_000, vcl)
    app.accept_proposal(p[5], date(2026, 3, 4), vcl)
    p[6] = app.make_proposal(h[6], o[7], 25_000, vcl)
    clock.now = utc(4, 3, 11)
    app.raise_objection(p[6], "Équilibre de peuplement", w.actor("VLS"))
    runner = runners(app)
    settings = get_project(runner.engine, w.project_id)["settings"]
    project = WorkProject(
        w.project_id.hex, w.orgs["MEL"].hex, settings["answer_reminder_days"],
        tuple(settings["follow_up_months"]), settings["blocked_days"],
    )
    return {"w": w, "h": h, "o": o, "p": p, "runner": runner, "project": project}


def listing(history, org: str, at: datetime, *, officer: bool = True, login: str = "agent", mine: bool = True,
            position: int | None = None):
    w = history["w"]
    return work_list(history["runner"].engine, w.orgs[org].hex, login, [history["project"]], at, position,
                     officer=officer, mine=mine)


def test_settings_defaults_and_add_months():
    assert add_months(date(2026, 3, 5), 1) == date(2026, 4, 5)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)  # the month's last day
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 4, 9), -1) == date(2026, 3, 9)


def test_officer_partner_and_pilot_lists(history, app, clock):
    h, o, p = history["h"], history["o"], history["p"]
    hx = {k: v.hex for k, v in h.items()}
    px = {k: v.hex for k, v in p.items()}

    # The partners while the windows run (04/03 12:00 UTC): P2, P4, P5, P6 to examine before
    # 06/03 10:00 UTC, 46 hours ahead; P1's window ended, P3 was refused.
    at = utc(4, 3, 12)
    city = listing(history, "VLS", at, officer=False)
    assert {i.proposal_id for i in city} == {px[2], px[4], px[5], px[6]}
    assert {i.kind for i in city} == {"a_examiner"}
    assert all(i.due_at == utc(6, 3, 10) for i in city)
    assert all("encore 46 h 00 min" in i.detail for i in city)
    assert "Votre organisation s'y est opposée." in next(i for i in city if i.proposal_id == px[6]).detail
    # The pilot (MEL) has the same four to examine, and P6's objection to arbitrate first.
    pilot = listing(history, "MEL", at, officer=False)
    assert [i.kind for i in pilot][0] == "arbitrage" and pilot[0].proposal_id == px[6]
    assert pilot[0].due_at == utc(4, 3, 11)
    assert sorted(i.kind for i in pilot) == ["a_examiner"] * 4 + ["arbitrage"]

    # Thursday 12/03 12:00 UTC (13:00 Paris), every window over.
    at = utc(12, 3, 12)
    clock.now = at
    vcl = listing(history, "VCL", at)
    kinds = [(i.kind, i.household_id) for i in vcl]
    # By due date: H4's last legal offer (its 2nd proposal, 04/03 10:00 UTC), the objection
    # on P6 (04/03 11:00 UTC), the three answers awaited since 04/03 (reminder on
    # 04/03 + 5 days = 09/03, 00:00 Paris = 08/03 23:00 UTC), H3 blocked since its
    # registration (02/03 09:00 UTC + 10 days = 12/03 09:00 UTC).
    assert kinds[0] == ("derniere_offre", hx[4])
    assert kinds[1] == ("opposition", hx[6])
    assert sorted(kinds[2:5]) == sorted([("reponse_attendue", hx[2]), ("reponse_attendue", hx[4]),
                                         ("reponse_attendue", hx[6])])
    assert kinds[5] == ("bloque", hx[3])
    assert len(vcl) == 6 and all(i.action_now for i in vcl)
    assert [i.due_at for i in vcl] == [utc(4, 3, 10), utc(4, 3, 11), *[utc(8, 3, 23)] * 3, utc(12, 3, 9)]
    answer = next(i for i in vcl if i.proposal_id == px[2])
    assert answer.days == 8 and "relancer le ménage" in answer.detail  # 04/03 → 12/03
    assert vcl[5].days == 10 and "aucune proposition" in vcl[5].detail
    # H1 relocated on 05/03: its 1-month follow-up (05/04) is beyond 12/03 + 15 days.
    assert "suivi" not in {i.kind for i in vcl}

    # LMH: P5 cleared since 06/03 10:00 UTC, its CALEOL to record; O6's reservation ends
    # 16/03 (00:00 Paris = 15/03 23:00 UTC), within 15 days.
    lmh = listing(history, "LMH", at)
    assert [(i.kind, i.proposal_id or i.offer_id) for i in lmh] == [("caleol", px[5]), ("reservation", o[6].hex)]
    assert [i.due_at for i in lmh] == [utc(6, 3, 10), utc(15, 3, 23)]
    # The city: nothing left to examine; the pilot still has the objection to arbitrate.
    assert listing(history, "VLS", at, officer=False) == []
    assert [i.kind for i in listing(history, "MEL", at, officer=False)] == ["arbitrage"]

    # The CALEOL attributes on 12/03: the lease is LMH's next step (due 12/03 00:00 Paris).
    app.decide_caleol(p[5], "attribution", date(2026, 3, 12), "", history["w"].actor("LMH"))
    history["runner"].catch_up()
    lmh = listing(history, "LMH", at)
    assert [(i.kind, i.due_at) for i in lmh] == [("bail", utc(11, 3, 23)), ("reservation", utc(15, 3, 23))]

    # As of the position before that decision, the list is the one above.
    before = position_at(history["runner"].engine, at - timedelta(seconds=1))
    assert [i.kind for i in listing(history, "LMH", at, position=before)] == ["caleol", "reservation"]

    # 25/03: H1's 1-month follow-up, due 05/04, shows (horizon 09/04) but is not due yet.
    late = utc(25, 3, 12)
    follow = [i for i in listing(history, "VCL", late) if i.kind == "suivi"]
    assert [(i.household_id, i.due_at, i.action_now) for i in follow] == [(hx[1], utc(4, 4, 22), False)]
    # O6's reservation ended on 16/03: no longer listed.
    assert "reservation" not in {i.kind for i in listing(history, "LMH", late)}


def test_assigned_officer_scopes_the_list(history, app, clock):
    w, h, p = history["w"], history["h"], history["p"]
    app.assign_officer(h[2], "autre.vcl", w.orgs["VCL"], w.actor("VCL"))
    # Only the household's bailleur or the organisation that follows it assigns.
    from relogement.platform.errors import DomainError

    with pytest.raises(DomainError) as refused:
        app.assign_officer(h[3], "agent.lmh", w.orgs["LMH"], w.actor("LMH"))
    assert refused.value.code == "not_household_officer"
    with pytest.raises(DomainError) as other_org:
        app.assign_officer(h[3], "agent.lmh", w.orgs["LMH"], w.actor("VCL"))
    assert other_org.value.code == "officer_org"
    history["runner"].catch_up()
    at = utc(12, 3, 12)
    mine = listing(history, "VCL", at, login="agent.vcl")
    assert p[2].hex not in {i.proposal_id for i in mine}  # H2 is autre.vcl's now
    assert len(mine) == 5
    theirs = listing(history, "VCL", at, login="autre.vcl")
    assert len(theirs) == 6  # their H2, and the five households nobody was assigned
    whole = listing(history, "VCL", at, login="agent.vcl", mine=False)
    assert len(whole) == 6
    # Reassigned to nobody: back in everyone's list.
    app.assign_officer(h[2], "", None, w.actor("VCL"))
    history["runner"].catch_up()
    assert len(listing(history, "VCL", at, login="agent.vcl")) == 6
