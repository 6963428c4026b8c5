"""The simulated housing aid on the proposal form and page, with the service up and down.

Vilogia's officer (vcl.charge) proposes LMH's offer (sample.dwelling: T4 in Lomme, 480 € +
100 €) to its household. Service down: the form says "Simulation indisponible", the
officer's figure makes the proposal, every page works. Service up (the one .ci/run starts):
the form and the page show "APL simulée : … (OpenFisca-France 176.…, législation au
01/03/2026, zone 2)", and the indicators use the figure the officer chose.
"""

from __future__ import annotations

import os
import re

from relogement.housing_aid.client import AidSimulator

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PROPOSAL = re.compile(r"/propositions/([0-9a-f-]{36})")


def _use(web_app, url: str) -> None:
    web_app.extensions["relogement.aid_simulator"] = AidSimulator(url, timeout=120)


def test_service_down_the_pages_work_and_say_so(web_app, world, client_for):
    _use(web_app, "http://127.0.0.1:9")  # nothing listens there
    vcl = client_for("vcl.charge")
    household, offer = world.ids["household"], world.ids["offer"]
    page = vcl.get(f"/menages/{household}/proposer?offre={offer}")
    assert page.status_code == 200
    assert "Simulation indisponible" in page.text
    fragment = vcl.get(f"/menages/{household}/proposer/apercu?offre={offer}")
    assert fragment.status_code == 200 and "Simulation indisponible" in fragment.text
    # The simulated figure cannot be chosen; the officer's can.
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer), "aide_retenue": "simulee"})
    assert r.status_code in (400, 422) and "Simulation indisponible" in r.text
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer), "apl_estimee": "250", "aide_retenue": "saisie"})
    assert r.status_code == 302, r.text
    proposal = PROPOSAL.search(r.headers["Location"]).group(1)
    page = vcl.get(f"/propositions/{proposal}").text
    assert "Simulation indisponible au moment de la proposition" in page
    assert "250,00\u00a0€" in page
    for url in (f"/menages/{household}", f"/offres/{offer}", "/propositions", "/tableau-de-bord"):
        assert vcl.get(url).status_code == 200, url


def test_service_up_both_figures_and_the_chosen_one(web_app, world, client_for, simulation_url):
    _use(web_app, simulation_url)
    vcl = client_for("vcl.charge")
    household, offer = world.ids["household"], world.ids["offer"]
    page = vcl.get(f"/menages/{household}/proposer?offre={offer}").text
    label = re.search(r"APL simulée : ([\d\u202f]+) € \(OpenFisca-France (176\.[\d.]+), législation au 01/03/2026, zone 2\)", page)
    assert label, page
    simulated_euros = int(label.group(1).replace("\u202f", ""))
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer), "apl_estimee": "250", "aide_retenue": "simulee"})
    assert r.status_code == 302, r.text
    proposal = PROPOSAL.search(r.headers["Location"]).group(1)
    page = vcl.get(f"/propositions/{proposal}").text
    assert label.group(0) in page and "retenue" in page
    made = web_app.extensions["relogement"].history(__import__("uuid").UUID(proposal))[0]
    assert made.aid["used"] == "simulee" and made.aid["officer_cents"] == 25_000
    assert made.indicators["after"]["inputs"]["apl_cents"] == made.aid["simulated"]["amount_cents"]
    assert made.aid["simulated"]["amount_cents"] == simulated_euros * 100
    # 480 + 100 − the simulated aid: the reste à charge shown is the one with the chosen figure.
    assert made.indicators["after"]["reste_a_charge_cents"] == 58_000 - simulated_euros * 100


def test_energy_inclusive_cost_on_the_pages(web_app, world, client_for):
    """Offer T4 (480 € + 100 €), individual gas, DPE D, DPE range 1 100–1 500 € a year:
    energy (1 100 + 1 500) / 2 / 12 = 108,33 € → 108 € a month shown; officer's APL 250 €:
    480 + 100 − 250 + 108,33 = 438,33 € energy included."""
    from dataclasses import replace

    from relogement.simulation import sample

    _use(web_app, "http://127.0.0.1:9")
    relocation = web_app.extensions["relogement"]
    dwelling = replace(sample.dwelling(), heating="individuel_gaz", dpe_label="D",
                       energy_cost_min_euros=1_100, energy_cost_max_euros=1_500)
    offer = relocation.publish_offer(world.world.project_id, dwelling, world.world.actor("LMH"))
    vcl = client_for("vcl.charge")
    household = world.ids["household"]
    form = vcl.get(f"/menages/{household}/proposer/apercu?offre={offer}").text
    assert "dont énergie estimée : 108\u00a0€/mois, DPE D" in form
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer), "apl_estimee": "250"})
    assert r.status_code == 302, r.text
    page = vcl.get(r.headers["Location"]).text
    assert "Coût du logement énergie comprise" in page and "438,33\u00a0€" in page
    assert "dont énergie estimée : 108\u00a0€/mois, DPE D" in page
    assert "énergie non estimée" in page  # the current dwelling's heating is unknown


def test_unchosen_aid_defaults_to_the_simulated_one(web_app, world, client_for, simulation_url):
    """No estimate typed and no choice made: the proposal uses the simulated aid (the form
    shows it checked); service down, the same post asks for the officer's estimate and
    records nothing."""
    _use(web_app, simulation_url)
    vcl = client_for("vcl.charge")
    household, offer = world.ids["household"], world.ids["offer"]
    form = vcl.get(f"/menages/{household}/proposer?offre={offer}").text
    assert re.search(r'value="simulee"\s+checked', form), form
    _use(web_app, "http://127.0.0.1:9")
    count = web_app.extensions["relogement"].recorder.max_notification_id()
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer)})
    assert r.status_code in (400, 422) and "saisissez votre estimation" in r.text
    assert web_app.extensions["relogement"].recorder.max_notification_id() == count
    _use(web_app, simulation_url)
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer)})
    assert r.status_code == 302, r.text
    made = web_app.extensions["relogement"].history(__import__("uuid").UUID(PROPOSAL.search(r.headers["Location"]).group(1)))[0]
    assert made.aid["used"] == "simulee" and made.aid["officer_cents"] is None
    assert made.indicators["after"]["inputs"]["apl_cents"] == made.aid["simulated"]["amount_cents"]
