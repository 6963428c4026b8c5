"""Follow-up after relocation and departure without relocation, from the household's page.

Figures hand-computed from domain.md. The sample household (sample.situation): four
people (38, 36, 9, 5), 1 800,00 € a month, rent 420,00 + charges 90,00 − APL 210,00:
reste à charge 300,00 €, taux d'effort 300 / 1 800 = 16,67 %, reste-à-vivre
(1 800 − 300) / 4 / 30 = 12,50 € a day per person.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.indicators import HousingCost
from relogement.simulation import sample


def _relocated(world, clock) -> tuple:
    """The sample household relocated into the sample offer: lease signed 05/03/2026,
    moved in 10/03/2026."""
    app = world.app.extensions["relogement"]
    w = world.world
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, w.actor("VCL"))
    clock.advance(hours=49)
    app.close_objection_window(proposal)
    app.accept_proposal(proposal, date(2026, 3, 4), w.actor("VCL"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 4), "", w.actor("LMH"))
    app.sign_lease(proposal, 49_500, 9_550, 25_000, date(2026, 3, 5), date(2026, 3, 10), w.actor("LMH"))
    return app, proposal


def test_follow_up_recorded_from_the_household_page(world, client_for, clock):
    app, _ = _relocated(world, clock)
    hid = world.ids["household"]
    officer = client_for("vcl.charge")
    page = officer.get(f"/menages/{hid}")
    assert "Enregistrer une mesure de suivi" in page.text
    form = officer.get(f"/menages/{hid}/suivi")
    assert form.status_code == 200
    # Prefilled with the lease's amounts and the household's resources.
    for value in ('value="495,00"', 'value="95,50"', 'value="250,00"', 'value="38; 36; 9; 5"'):
        assert value in form.text, value

    clock.advance(days=200)
    fields = {"ages": "38; 36; 9; 5", "ressources": "1 900,00", "loyer": "495,00", "annexes": "0",
              "charges": "95,50", "apl": "250,00"}
    early = officer.post(f"/menages/{hid}/suivi", {**fields, "date_mesure": "09/03/2026"})
    assert early.status_code == 422
    assert "précède l'entrée dans le logement (10/03/2026)" in html.unescape(early.text)
    assert 'value="1 900,00"' in early.text  # what was typed is kept

    done = officer.post(f"/menages/{hid}/suivi", {**fields, "date_mesure": "15/09/2026"})
    assert done.status_code == 302
    text = officer.get(f"/menages/{hid}").text
    # After: reste à charge 495 + 95,50 − 250 = 340,50 €; taux d'effort 340,50 / 1 900 =
    # 17,92 %, + (17,921 − 16,667) = +1,25 point; reste-à-vivre (1 900 − 340,50) / 4 / 30
    # = 13,00 € a day, + 0,50 (12,9958 − 12,50 = 0,4958).
    row = re.search(r"<td>15/09/2026</td>(.*?)</tr>", text, re.S).group(1)
    cells = [re.sub(r"[ \t\n]+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == [
        "16,67\u00a0% → 17,92\u00a0%", "+1,25",
        "12,50\u00a0€/jour → 13,00\u00a0€/jour", "+0,50",
    ]
    # Its history entry gives the figures to those who see the amounts, not to partners.
    expected = "Mesuré le : 15/09/2026 · Taux d'effort : 17,92\u00a0% · Reste-à-vivre : 13,00\u00a0€/jour par personne"
    assert expected in html.unescape(text)
    assert "17,92" not in client_for("vls.partenaire").get(f"/menages/{hid}").text
    # The follow-up page of the programme counts it (per person, the project's convention).
    suivi = client_for("mel.partenaire").get("/reste-a-vivre").text
    assert "13,00" in suivi and "15/09/2026" in suivi


def test_follow_up_is_for_the_household_s_officers_and_relocated_households(world, client_for, clock):
    hid = world.ids["household"]
    officer = client_for("vcl.charge")
    assert officer.get(f"/menages/{hid}/suivi").status_code == 409  # not relocated yet
    _relocated(world, clock)
    assert client_for("vls.partenaire").get(f"/menages/{hid}/suivi").status_code == 403
    assert client_for("lmh.charge").get(f"/menages/{hid}/suivi").status_code == 403
    city_page = client_for("vls.partenaire").get(f"/menages/{hid}").text
    assert "Enregistrer une mesure de suivi" not in city_page
    assert "1 900,00" not in city_page


def test_departure_withdraws_live_proposals_and_counts_as_evaporation(world, client_for, clock):
    app = world.app.extensions["relogement"]
    hid = world.ids["household"]
    proposal = app.make_proposal(hid, world.ids["offer"], 25_000, world.world.actor("VCL"))
    officer = client_for("vcl.charge")
    assert "Déclarer une sortie du dispositif" in officer.get(f"/menages/{hid}").text
    assert client_for("vls.partenaire").get(f"/menages/{hid}/sortie").status_code == 403

    vague = officer.post(f"/menages/{hid}/sortie", {"motif_sortie": "autre", "precision_sortie": ""})
    assert vague.status_code == 422 and "Précisez le motif de sortie" in vague.text
    unknown = officer.post(f"/menages/{hid}/sortie", {"motif_sortie": "vacances"})
    assert unknown.status_code == 422

    done = officer.post(f"/menages/{hid}/sortie", {"motif_sortie": "hors_territoire",
                                                   "precision_sortie": "Mutation professionnelle."})
    assert done.status_code == 302
    household = app.household(hid)
    assert household.departed
    assert app.proposal(proposal).outcome is not None  # withdrawn with the departure
    offer = app.offer(world.ids["offer"])
    assert offer.live_proposal is None and offer.status == "publiee"  # offered again
    dashboard = client_for("mel.partenaire").get("/tableau-de-bord").text
    sortis = re.search(r'<div class="valeur">(\d+)</div><div class="libelle">sortis sans relogement', dashboard)
    assert sortis and sortis.group(1) == "1"
    # Ended: no second departure, no proposal.
    assert officer.get(f"/menages/{hid}/sortie").status_code == 409
    assert officer.get(f"/menages/{hid}/proposer").status_code == 409
    # The reason is for the household's officers only (timeline).
    assert "Mutation professionnelle" in officer.get(f"/menages/{hid}").text
    assert "Mutation professionnelle" not in client_for("vls.partenaire").get(f"/menages/{hid}").text


def test_departure_refused_when_a_live_proposal_belongs_to_another_organisation(app, clock):
    """The MOUS registered a household of Vilogia and proposed it a dwelling of LMH: Vilogia
    follows the household but may not withdraw the MOUS's proposal, so the departure is
    refused whole (nothing half-done) with what to do."""
    from relogement.platform.values import PersonalData

    w = sample.build_world(app)
    hid = app.register_household(
        w.project_id, "DEM-FAU-1", w.orgs["VCL"], sample.situation(), PersonalData(name="Famille Roux"),
        w.actor("MOUS"),
    )
    offer = app.publish_offer(w.project_id, sample.dwelling(), w.actor("LMH"))
    proposal = app.make_proposal(hid, offer, 25_000, w.actor("MOUS"))
    with pytest.raises(DomainError) as refused:
        app.record_departure(hid, "Départ", w.actor("VCL"))
    assert "demandez à son auteur de la retirer" in refused.value.message
    assert not app.household(hid).departed and app.proposal(proposal).outcome is None
    app.record_departure(hid, "Départ", w.actor("MOUS"))  # its author may
    assert app.household(hid).departed and app.proposal(proposal).outcome is not None


def test_follow_up_not_before_move_in(app, clock):
    w = sample.build_world(app)
    hid = sample.register(w, bailleur="VCL")
    offer = app.publish_offer(w.project_id, sample.dwelling(), w.actor("LMH"))
    proposal = app.make_proposal(hid, offer, 25_000, w.actor("VCL"))
    clock.advance(hours=49)
    app.close_objection_window(proposal)
    app.accept_proposal(proposal, date(2026, 3, 4), w.actor("VCL"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 4), "", w.actor("LMH"))
    app.sign_lease(proposal, 49_500, 9_550, 25_000, date(2026, 3, 5), date(2026, 3, 20), w.actor("LMH"))
    cost = HousingCost(rent_cents=49_500, annex_rent_cents=0, charges_cents=9_550, apl_cents=25_000)
    with pytest.raises(InvalidValue) as refused:
        app.record_follow_up(hid, date(2026, 3, 19), 190_000, cost, w.actor("VCL"))
    assert refused.value.field == "measured_on"
    clock.advance(days=30)
    app.record_follow_up(hid, date(2026, 3, 20), 190_000, cost, w.actor("VCL"))
    assert len(app.household(hid).follow_ups) == 1
