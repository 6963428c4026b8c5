"""The ranking pages are kept once ranked (web/matching_reader.py) by the exact inputs the
ranking reads; every event is a new read position, so a change made after a page was
ranked shows on the next request (both databases)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from relogement.housing_aid.client import Estimates
from relogement.simulation import sample
from relogement.web.ranking_aid import SimulatedAid
from tests.web.conftest import without_signed_tokens

NBSP = "\u00a0"


def _page(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return without_signed_tokens(page.text)  # read twice a second apart, equal


def _household_page(client, household) -> str:
    return _page(client, f"/menages/{household}/logements-adaptes")


def _offer_page(client, offer) -> str:
    return _page(client, f"/offres/{offer}/menages-correspondants")


def test_household_ranking_shows_a_changed_offer_and_a_changed_household(world, client_for):
    app = world.app.extensions["relogement"]
    household, offer = world.ids["household"], world.ids["offer"]
    officer = client_for("vcl.charge")
    first = _household_page(officer, household)
    assert f"Loyer 480,00{NBSP}€" in first and f"613,00{NBSP}€" not in first
    assert _household_page(officer, household) == first  # read again at the same position
    # The offer's rent changes (a new event): the page ranks it again with the new rent.
    app.update_offer(offer, sample.dwelling(rent_cents=61_300), world.world.actor("LMH"))
    assert f"Loyer 613,00{NBSP}€" in _household_page(officer, household)
    # The household's current aid (carried over to every offer) changes: new figures.
    assert f"aide 234,00{NBSP}€" not in first
    app.update_situation(household, sample.situation(apl_cents=23_400), world.world.actor("VCL"))
    changed = _household_page(officer, household)
    assert f"aide 234,00{NBSP}€" in changed and f"aide 210,00{NBSP}€" not in changed


def test_household_ranking_shows_new_weights(world, client_for):
    household = world.ids["household"]
    officer = client_for("vcl.charge")
    assert "/ 125 points" in _household_page(officer, household)
    pilot = client_for("mel.partenaire")
    settings = {"delai_heures": "48", "offres_max": "3", "convention_rav": "personne", "seuil_rav": "6,00",
                "poids_commune": "40", "poids_inter_bailleur": "0"}
    assert pilot.post(f"/projets/{world.world.project_id}/parametres", settings).status_code == 302
    again = _household_page(officer, household)
    assert "/ 140 points" in again and "/ 125 points" not in again


def test_offer_ranking_shows_a_changed_household_and_a_new_one(world, client_for):
    app = world.app.extensions["relogement"]
    household, offer = world.ids["household"], world.ids["offer"]
    mous = client_for("mous.charge")
    first = _offer_page(mous, offer)
    assert f"aide 210,00{NBSP}€" in first
    assert _offer_page(mous, offer) == first
    app.update_situation(household, sample.situation(apl_cents=23_400), world.world.actor("VCL"))
    changed = _offer_page(mous, offer)
    assert f"aide 234,00{NBSP}€" in changed and f"aide 210,00{NBSP}€" not in changed
    # A household registered after the page was ranked is ranked too.
    newcomer = sample.register(world.world, bailleur="VCL", name="Famille Nouvelle")
    reference = app.household(newcomer).reference
    assert reference not in changed and reference in _offer_page(mous, offer)


def test_offer_ranking_kept_for_one_user_is_not_shown_to_another(world, client_for):
    offer = world.ids["offer"]
    reference = world.app.extensions["relogement"].household(world.ids["household"]).reference
    assert reference in _offer_page(client_for("mous.charge"), offer)
    # Same offer, same position, another organisation that does not follow the household.
    assert reference not in _offer_page(client_for("lmh.charge"), offer)


def test_row_links_kept_for_one_user_follow_who_may_propose(world, client_for):
    # Each row's links are rendered once per ranked page and per « may propose » (issue 18
    # point 6): the officer who follows the household sees « Proposer », the auditor who
    # reads the same kept page does not, whichever comes first; both databases.
    household, offer = world.ids["household"], world.ids["offer"]
    for first, second in (("vcl.charge", "anru.auditeur"), ("anru.auditeur", "vcl.charge")):
        pages = {login: _household_page(client_for(login), household) for login in (first, second)}
        assert "Proposer ce logement" in pages["vcl.charge"] and "Écarter" in pages["vcl.charge"]
        assert "Proposer ce logement" not in pages["anru.auditeur"] and "Écarter" not in pages["anru.auditeur"]
        assert f"/offres/{offer.hex}" in pages["anru.auditeur"]  # « Voir l'offre », for both
        pages = {login: _offer_page(client_for(login), offer) for login in (first, second)}
        assert "Proposer à ce ménage" in pages["vcl.charge"]
        assert "Proposer à ce ménage" not in pages["anru.auditeur"]
        assert f"/menages/{household.hex}" in pages["anru.auditeur"]  # « Fiche ménage », for both


class _Simulator:
    """The simulation service's answers, set by the test (no HTTP)."""

    def __init__(self, aids: dict[str, int]) -> None:
        self.aids = aids

    def simulate_keyed(self, ages, resources_cents, offers, month) -> Estimates:
        return Estimates(aids={key: SimpleNamespace(amount_cents=self.aids[key]) for key, _ in offers
                               if key in self.aids})


def test_simulated_aids_key_says_each_aid_used():
    def key(aids: dict[str, int], typed: int | None = None):
        h = SimpleNamespace(ages=(40, 10), resources_cents=150_000, apl_cents=20_000)
        offers = tuple(SimpleNamespace(id=k, rent_cents=50_000, charges_cents=9_000, typology="T3",
                                       commune="Lille") for k in ("a", "b"))
        estimates = SimulatedAid(_Simulator(aids), date(2026, 12, 1), typed).estimate(h, offers)
        return getattr(estimates, "key", None)

    both = key({"a": 30_000, "b": 25_000})
    assert both is not None and both == key({"a": 30_000, "b": 25_000})
    assert key({"a": 30_000, "b": 25_100}) != both  # one offer's simulated aid changed
    # Offer b: simulated at the carried-over amount, or carried over: the same cents, not the same source.
    assert key({"a": 30_000, "b": 20_000}) != key({"a": 30_000})


def _forms_tokens(html: str) -> set[str]:
    import re

    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_a_kept_ranking_body_carries_each_session_s_token_and_each_user_s_rights(world, client_for):
    """The ranking pages' body is kept with its ranked page: every request puts its own
    session's form token in the forms (a set-aside sent from the kept body is accepted),
    and a reader without the right to act never gets the forms kept for one who has it."""
    household = world.ids["household"]
    url = f"/menages/{household}/logements-adaptes"
    officer, colleague = client_for("vcl.charge"), client_for("vcl.charge")
    first = officer.get(url).text
    again = colleague.get(url).text  # another session: the body comes from the cache
    assert "Écarter</button>" in first and "Écarter</button>" in again
    ours, theirs = _forms_tokens(first), _forms_tokens(again)
    assert len(ours) == 1 and len(theirs) == 1 and ours != theirs
    assert "jeton-de-formulaire" not in first + again
    assert without_signed_tokens(first) == without_signed_tokens(again)
    offer = world.ids["offer"]
    sent = colleague.client.post(f"/menages/{household}/ecarter",
                                 data={"offre": str(offer), "motif": "typologie", "csrf_token": theirs.pop()})
    assert sent.status_code == 302
    # The auditor may read the ranking, not act: no form, although an officer's page is kept.
    officer.get(url)
    auditor = client_for("anru.auditeur").get(url)
    assert auditor.status_code == 200 and "Écarter</button>" not in auditor.text
    assert "csrf_token\" value" not in auditor.text.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_kept_households_ranking_body_shows_each_user_s_proposal_links(world, client_for):
    """« Ménages correspondants » kept: the officer who follows the household may propose
    to it; the auditor reading the same ranked page after them gets no such link."""
    offer = world.ids["offer"]
    url = f"/offres/{offer}/menages-correspondants"
    officer = client_for("vcl.charge")
    page = officer.get(url).text
    assert "Proposer à ce ménage</a>" in page
    assert officer.get(url).text.count("Proposer à ce ménage</a>") == page.count("Proposer à ce ménage</a>")
    auditor = client_for("anru.auditeur").get(url)
    assert auditor.status_code == 200 and "Fiche ménage</a>" in auditor.text
    assert "Proposer à ce ménage</a>" not in auditor.text


def test_query_spellings_keep_no_more_bodies(world, client_for):
    """A body is kept only for the page's own query (no aid typed): the aid typed in many
    spellings, or unknown parameters, are shown as asked but never kept, so no reader can
    grow the process's memory by varying the address."""
    household = world.ids["household"]
    url = f"/menages/{household}/logements-adaptes"
    officer = client_for("vcl.charge")
    readmodels = world.app.extensions["relogement.readmodels"]

    def kept_bodies() -> int:
        pages = readmodels.__dict__["_ranked_pages"]._items.values()
        return sum(1 for page in pages for key in page.html if key[0] == "corps")

    assert officer.get(url).status_code == 200
    assert officer.get(url + "?apl=").status_code == 200
    kept = kept_bodies()
    assert kept == 2  # the plain page, and the one with the aid field sent empty
    for query in ("?apl=300", "?apl=300,00", "?page=1&x=1", "?page=1&y=2", "?page=01"):
        page = officer.get(url + query)
        assert page.status_code == 200
        if "apl=" in query:
            assert f'value="{query.split("=", 1)[1]}"' in page.text  # shown as typed
    assert kept_bodies() == kept
