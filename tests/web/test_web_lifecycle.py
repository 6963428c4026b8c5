"""A whole inter-bailleur relocation through the web routes, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from uuid import UUID

from tests.web.conftest import HIDDEN


def _id_from(location: str) -> UUID:
    return UUID(re.search(r"[0-9a-f-]{36}", location).group(0))


OFFER_FORM = {
    "adresse": "8 allée des Peupliers", "commune": "Lomme", "quartier": "Bourg",
    "typologie": "T4", "surface": "81,5", "annee": "2024", "financement": "PLUS", "etage": "1",
    "loyer": "495,00", "charges": "95,50", "annexes": "0", "reservataire": "Préfecture",
    "quartier_hors_projet": "oui",  # "Bourg" is not a quartier of the project: confirmed
}


def test_relocation_through_the_web(world, client_for, clock):
    lmh = client_for("lmh.charge")
    vcl = client_for("vcl.charge")
    city = client_for("vls.partenaire")
    household = world.ids["household"]

    # Bailleur A publishes an offer.
    r = lmh.post("/offres/nouvelle", OFFER_FORM)
    assert r.status_code == 302, r.text
    offer = _id_from(r.headers["Location"])
    assert "8 allée des Peupliers" in lmh.get(f"/offres/{offer}").text

    # Bailleur B's officer proposes it to one of B's households.
    r = vcl.post(f"/menages/{household}/proposer", {"offre": str(offer), "apl_estimee": "250"})
    assert r.status_code == 302, r.text
    proposal = _id_from(r.headers["Location"])
    page = vcl.get(f"/propositions/{proposal}").text
    assert "Délai d'opposition des partenaires" in page
    assert "Famille Benali" in page  # its own officer sees the name

    # The city objects (and sees no identity), then lifts its objection.
    page = city.get(f"/propositions/{proposal}").text
    for hidden in HIDDEN:
        assert hidden not in page
    r = city.post(f"/propositions/{proposal}/opposition", {"motif_opposition": "Équilibre de peuplement"})
    assert r.status_code == 302, r.text
    page = city.get(f"/propositions/{proposal}").text
    assert "Bloquée : opposition ouverte" in page
    objection = re.search(r"/opposition/([0-9a-f-]{36})/levee", page).group(1)
    r = city.post(f"/propositions/{proposal}/opposition/{objection}/levee", {"commentaire": "Vu en commission"})
    assert r.status_code == 302, r.text

    # The household accepts; the CALEOL cannot decide before the window closes.
    assert vcl.post(f"/propositions/{proposal}/acceptation", {"date_acceptation": "03/03/2026"}).status_code == 302
    caleol = {"decision_caleol": "attribution", "date_caleol": "2026-03-05", "commentaire_caleol": ""}
    r = lmh.post(f"/propositions/{proposal}/caleol", caleol)
    assert r.status_code == 409
    assert "pas encore validée par les partenaires" in r.text
    assert 'value="2026-03-05"' in r.text  # the form keeps what was typed

    clock.advance(hours=49)
    assert "validée par les partenaires" in lmh.get(f"/propositions/{proposal}/delai").text
    assert lmh.post(f"/propositions/{proposal}/caleol", caleol).status_code == 302
    # The lease form starts from the proposal's terms: the offer's rent and charges, the aid.
    form = lmh.get(f"/propositions/{proposal}").text.split('id="form-bail"')[1].split("</form>")[0]
    for value in ('value="495,00"', 'value="95,50"', 'value="250,00"'):
        assert value in form
    lease = {
        "loyer_bail": "495,00", "charges_bail": "95,50", "annexes_bail": "0", "apl_bail": "250,00",
        "date_signature": "06/03/2026", "date_entree": "15/03/2026",
    }
    r = lmh.post(f"/propositions/{proposal}/bail", lease)
    assert r.status_code == 302, r.text

    page = vcl.get(f"/propositions/{proposal}").text
    assert "Bail signé — ménage relogé" in page
    assert "Relogement inter-bailleurs" in page
    dashboard = city.get("/tableau-de-bord").text
    # One lease, inter-bailleur: the rate bar says 100 % (1/1), the latest leases say so too.
    assert "Inter-bailleurs" in dashboard and "(1/1)" in dashboard
    latest = dashboard.split('id="derniers-baux"')[1]
    assert "Inter-bailleurs" in latest and "Vilogia → Lille Métropole Habitat" in latest
    timeline = vcl.get(f"/menages/{household}").text
    for label in ("Ménage inscrit au relogement", "Proposition faite", "Opposition formée",
                  "Opposition levée", "Décision de la CALEOL", "Bail signé"):
        assert label in timeline
    assert "vls.partenaire" in timeline  # who did it

    # Relocated: no more proposals, and the page says why (not "no offer available").
    for method in (vcl.get, lambda url: vcl.post(url, {"offre": str(offer), "apl_estimee": "250"})):
        r = method(f"/menages/{household}/proposer")
        assert r.status_code == 409 and "déjà relogé" in r.text


def test_an_offer_taken_meanwhile_is_named_not_listed(world, client_for):
    """Two officers chose the same offer: the second one is told it is gone, in words."""
    lmh, vcl = client_for("lmh.charge"), client_for("vcl.charge")
    r = lmh.post("/offres/nouvelle", OFFER_FORM)
    offer = _id_from(r.headers["Location"])
    first = vcl.post(f"/menages/{world.ids['household']}/proposer", {"offre": str(offer), "apl_estimee": "250"})
    assert first.status_code == 302, first.text
    other = world.ids["household"]  # a household may hold several live proposals
    r = vcl.post(f"/menages/{other}/proposer", {"offre": str(offer), "apl_estimee": "260"})
    assert r.status_code == 422
    assert "Cette offre n&#39;est plus disponible" in r.text or "Cette offre n'est plus disponible" in r.text
    assert "attendu :" not in r.text  # no list of ids
    assert 'value="260"' in r.text  # what was typed stays


def test_the_web_app_writes_to_the_shared_event_store(world, database_url):
    """The scheduler, the CLI and the projections use RelocationApp on the same database:
    they must see every event the web process stored (one store, one order)."""
    from relogement.runtime.application import RelocationApp

    web = world.app.extensions["relogement"]
    other = RelocationApp(database_url)
    try:
        assert web.recorder.max_notification_id() == other.recorder.max_notification_id() > 0
        assert other.household(world.ids["household"]).reference
    finally:
        other.close()


def test_aid_above_the_housing_cost_is_flagged_on_the_proposal(world, client_for):
    vcl = client_for("vcl.charge")
    # The sample dwelling: 480 € + 100 € of charges; 650 € of aid leaves −70 €.
    r = vcl.post(f"/menages/{world.ids['household']}/proposer", {"offre": str(world.ids["offer"]), "apl_estimee": "650"})
    assert r.status_code == 302, r.text
    page = vcl.get(r.headers["Location"]).text
    assert 'id="alerte-aide"' in page and "reste à charge est négatif" in page
    r = vcl.post(f"/menages/{world.ids['household']}/proposer", {"offre": str(world.ids["offer2"]), "apl_estimee": "5000"})
    assert r.status_code == 422 and "vérifiez le montant" in r.text and 'value="5000"' in r.text


def test_an_address_that_names_its_commune_is_not_repeated(world, client_for):
    lmh = client_for("lmh.charge")
    r = lmh.post("/offres/nouvelle", {**OFFER_FORM, "adresse": "3 rue de la Gare, 59160 Lomme"})
    page = lmh.get(r.headers["Location"]).text
    assert "3 rue de la Gare, 59160 Lomme</dd>" in page
    r = lmh.post("/offres/nouvelle", OFFER_FORM)
    assert "8 allée des Peupliers, Lomme</dd>" in lmh.get(r.headers["Location"]).text


def test_lists_name_the_quartiers(world, client_for):
    page = client_for("vcl.charge").get("/menages").text
    assert '<span title="LS-FAU">Faubourg de Béthune</span>' in page
