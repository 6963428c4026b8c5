"""The offers board is read once per position and filters (web/reader.offers_page), for
every reader: a new offer shows at once, to every reader."""

from __future__ import annotations

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
