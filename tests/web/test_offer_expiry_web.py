"""The offer form's "réservée au relogement jusqu'au" and what it changes on the pages."""

from __future__ import annotations

import html
import re

FORM = {"adresse": "3 rue Neuve", "commune": "Lille", "quartier": "", "typologie": "T3", "surface": "65",
        "annee": "2015", "financement": "PLUS", "etage": "1", "loyer": "450,00", "charges": "80,00",
        "annexes": "0", "reservataire": ""}


def test_an_offer_past_its_reservation_leaves_the_available_board(world, client_for, clock):
    lmh = client_for("lmh.charge")
    past = lmh.post("/offres/nouvelle", {**FORM, "disponible_jusqu_au": "01/03/2026"})
    assert past.status_code == 422
    assert "Réservée au relogement jusqu'au : la date de fin de réservation (01/03/2026) est déjà passée" in html.unescape(past.text)
    done = lmh.post("/offres/nouvelle", {**FORM, "disponible_jusqu_au": "10/03/2026"})
    assert done.status_code == 302
    offer_url = done.headers["Location"]
    page = lmh.get(offer_url).text
    assert "jusqu'au 10/03/2026" in page
    assert f'href="/projets/{world.world.project_id}">NPNRU Lille Sud</a>' in page  # its project
    reference = re.search(r"<h1>Offre (\S+)", page).group(1)
    officer = client_for("vcl.charge")
    household = world.ids["household"]
    assert reference in officer.get("/offres").text
    assert reference in officer.get(f"/menages/{household}/proposer").text

    clock.advance(days=9)  # 11/03/2026: past the reservation
    assert reference not in officer.get("/offres").text  # "disponibles" by default
    every = officer.get("/offres?statut=toutes").text
    assert reference in every and "réservation échue" in every
    assert reference not in officer.get(f"/menages/{household}/proposer").text
    assert "réservation échue" in officer.get(offer_url).text
    # Its bailleur extends it: proposed again.
    edit = offer_url + "/modifier"
    assert 'value="2026-03-10"' in lmh.get(edit).text  # prefilled (ISO, as a date input wants)
    assert lmh.post(edit, {**FORM, "disponible_jusqu_au": "30/04/2026"}).status_code == 302
    assert reference in officer.get("/offres").text
