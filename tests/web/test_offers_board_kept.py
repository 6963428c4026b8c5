"""The offers board and the proposals list are read once per position and filters
(web/reader.offers_page, proposals_page), for every reader: a new offer shows at once, and
the proposals' objection windows follow the clock."""

from __future__ import annotations

import html

from relogement.simulation import sample
from tests.web.conftest import without_signed_tokens


def test_the_board_shows_a_new_offer_at_once(world, client_for):
    officer = client_for("vcl.charge")
    readmodels = world.app.extensions["relogement.readmodels"]
    first = officer.get("/offres").text
    # Read again at the same position: the same board (tokens are signed anew each second).
    assert without_signed_tokens(officer.get("/offres").text) == without_signed_tokens(first)
    new = world.app.extensions["relogement"].publish_offer(
        world.world.project_id, sample.dwelling(commune="Loos"), world.world.actor("LMH"))
    reference = readmodels.offer(new).reference
    assert reference not in first
    assert reference in officer.get("/offres").text
    assert reference in client_for("lmh.charge").get("/offres").text


def test_the_proposals_list_follows_the_clock_at_one_position(world, client_for, clock):
    # Read once per position; what a row takes from the instant (its objection window) is
    # part of the key: the window closing shows without any new event.
    app = world.app.extensions["relogement"]
    app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))
    officer = client_for("vcl.charge")
    assert "Délai d'opposition en cours" in html.unescape(officer.get("/propositions").text)
    assert "Délai d'opposition en cours" in html.unescape(officer.get("/propositions").text)  # kept
    clock.advance(days=3)  # past the 48 h window, no new event
    later = html.unescape(officer.get("/propositions").text)
    assert "Délai d'opposition en cours" not in later
    assert "Validée par les partenaires — réponse du ménage attendue" in later
