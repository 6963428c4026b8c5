"""The follow-up page (« Suivi du reste-à-vivre ») keeps its rendered figures per figures,
list, page and query string (web/blueprints/main.py): a kept body never outlives what it
shows (both databases)."""

from __future__ import annotations

import re

from relogement.simulation import sample
from tests.web.conftest import without_signed_tokens

ROWS = re.compile(r'<table id="menages-rav">.*?</table>', re.S)


def references_in(page: str) -> set[str]:
    table = ROWS.search(page)
    return set(re.findall(r">([A-Z]+-\d{4}-M\d+)</a>", table.group(0))) if table else set()


def test_the_kept_follow_up_follows_events_lists_and_filters(world, client_for):
    app, w = world.app.extensions["relogement"], world.world
    pilot = client_for("mel.partenaire")
    first = pilot.get("/reste-a-vivre")
    assert first.status_code == 200
    before = references_in(first.text)
    assert before

    # A new household: a new position, new figures, a new body.
    added = app.household(sample.register(w, bailleur="LMH", name="Famille Nouvelle")).reference
    again = pilot.get("/reste-a-vivre").text
    assert added in references_in(again) and references_in(again) == before | {added}
    # The same position: the same page (but for the signed token, made a second later maybe).
    assert without_signed_tokens(pilot.get("/reste-a-vivre").text) == without_signed_tokens(again)

    # Another list, another convention: each its own body.
    relocated = pilot.get("/reste-a-vivre?liste=reloges").text
    assert references_in(relocated) == set() and "Aucun ménage dans cette liste." in relocated
    per_unit = pilot.get("/reste-a-vivre?convention=uc").text
    assert "unités de consommation (échelle OCDE" in per_unit
    assert "unités de consommation (échelle OCDE" not in pilot.get("/reste-a-vivre?convention=personne").text
