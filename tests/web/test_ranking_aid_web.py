"""The simulated housing aid on the offer ranking ("Logements adaptés", issue 21).

Vilogia's household is ranked against LMH's two offers (sample.dwelling: T4 in Lomme,
480 € + 100 € of charges; and a T3 in Lille, same rent). Service up (the one .ci/run
starts): every row shows "APL simulée : X €", the page names the model, its version, the
legislation date and the zone once, the figures after the move use the simulated aid
(reste à charge = 480 + 100 − aid), all from one batched call, and a second reading of
the page asks the service nothing. The officer's typed figure still wins. Service down: the
page works, ranks with the household's current aid, and says "simulation indisponible".
"""

from __future__ import annotations

import os
import re

from relogement.housing_aid.client import AidSimulator

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # as test_simulated_aid_web.py

EUROS = r"(\d+,\d\d)\u00a0€"


def _use(web_app, url: str) -> list[int]:
    """Install a simulator on ``url``; the list counts its HTTP calls."""
    simulator = AidSimulator(url, timeout=120)
    calls: list[int] = []
    post = simulator._post

    def counted(situation: dict):
        calls.append(len(situation["menages"]))  # one household-in-a-dwelling per ménage
        return post(situation)

    simulator._post = counted  # type: ignore[method-assign]
    web_app.extensions["relogement.aid_simulator"] = simulator
    return calls


def _row(page: str, reference: str) -> str:
    """The ranked row (article) of one offer."""
    rows = re.findall(r'<article class="bloc rang.*?</article>', page, re.S)
    return next(r for r in rows if f"> {reference} —" in r)


def _cents(text: str) -> int:
    return int(text.replace(",", ""))


def test_service_down_the_ranking_works_and_says_so(web_app, world, client_for):
    calls = _use(web_app, "http://127.0.0.1:9")  # nothing listens there
    household = world.ids["household"]
    reference = world.app.extensions["relogement"].offer(world.ids["offer"]).reference
    officer = client_for("vcl.charge")
    page = officer.get(f"/menages/{household}/logements-adaptes")
    assert page.status_code == 200
    text = page.text
    assert "simulation indisponible" in text
    assert "aide actuelle du ménage, reportée (estimation)" in text
    row = _row(text, reference)
    assert "[APL simulée : simulation indisponible]" in row
    assert "OpenFisca-France 1" not in text  # no model named: nothing was simulated
    # The service was asked once; the next page does not wait for it again (30 s back-off).
    assert calls == [2], calls  # the two offers, in one batch (refused)
    assert officer.get(f"/menages/{household}/logements-adaptes").status_code == 200
    assert calls == [2], calls


def test_service_up_the_ranking_uses_the_simulated_aid(web_app, world, client_for, simulation_url):
    calls = _use(web_app, simulation_url)
    household, offer = world.ids["household"], world.ids["offer"]
    reference = world.app.extensions["relogement"].offer(offer).reference
    officer = client_for("vcl.charge")
    text = officer.get(f"/menages/{household}/logements-adaptes").text
    # One batch for the two offers of the ranking.
    assert calls == [2], calls
    assert re.search(r"APL simulée par OpenFisca-France 176\.[\d.]+, législation au 01/03/2026, zone", text), text
    assert "Aide au logement des figures « après » : aide simulée (OpenFisca-France)." in text
    row = _row(text, reference)
    label = re.search(r"\[APL simulée : ([\d\u202f]+) €\]", row)
    assert label, row
    aid = re.search(rf"− aide {EUROS} <span class=\"muted petit\">\(aide simulée \(OpenFisca-France\)\)", row)
    assert aid, row
    aid_cents = _cents(aid.group(1))
    assert round(aid_cents / 100) == int(label.group(1).replace("\u202f", ""))
    # The figures after the move use it: 480 + 0 + 100 − aid.
    rest = re.search(rf"reste à charge <strong>{EUROS}</strong>", row)
    assert _cents(rest.group(1)) == 58_000 - aid_cents
    # The same figure as the proposal form's simulation of that offer (one client, one cache).
    form = officer.get(f"/menages/{household}/proposer?offre={offer}").text
    assert f"APL simulée : {label.group(1)} €" in form
    # The proposal link carries the simulated aid as the aid used.
    assert f"offre={offer.hex}&amp;aide_retenue=simulee" in text, re.findall(r"proposer[^\"]*", text)
    chosen = officer.get(f"/menages/{household}/proposer?offre={offer}&aide_retenue=simulee").text
    assert re.search(r'value="simulee"\s+checked', chosen)
    # Read again at the same position: cached by inputs, the service is not asked.
    assert officer.get(f"/menages/{household}/logements-adaptes").text.count("[APL simulée :") == 2
    assert calls == [2], calls
    # The officer's typed figure wins; the simulated one stays beside it.
    typed = _row(officer.get(f"/menages/{household}/logements-adaptes?apl=300").text, reference)
    assert "− aide 300,00\u00a0€" in typed and "estimation saisie par le chargé de relogement" in typed
    assert label.group(0) in typed
    assert "reste à charge <strong>280,00\u00a0€</strong>" in typed  # 480 + 100 − 300
    assert calls == [2], calls
