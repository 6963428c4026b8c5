"""Authorization matrix: every route × every role, status codes and hidden fields.

GET routes: who gets the page (200) and who is refused (403; anonymous → login).
POST routes are sent with empty or invalid data: a role the policy allows reaches
form validation (422) and changes nothing; a role it refuses gets 403. So the matrix
tests the policy cell by cell without the order of actions mattering.
Partner-facing HTML must never contain the household's name, phone or notes.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import HIDDEN

USERS = [
    None,  # anonymous
    "lmh.charge",  # bailleur A: owns the offers
    "vcl.charge",  # bailleur B: owns and follows the household, makes the proposal
    "mous.charge",  # relocation team that does not follow this household
    "vls.partenaire",  # the city: raised the objection
    "mel.partenaire",  # the EPCI: project pilot, arbitrates
    "anru.auditeur",
    "admin",
]
ALL = set(USERS) - {None}
FOLLOWS = {"vcl.charge"}  # the only ones who may read the household's identity

# (path template, users who get 200; the rest of the logged-in users get 403)
GETS = [
    ("/tableau-de-bord", ALL),
    ("/offres", ALL),
    ("/offres/{offer}", ALL),
    ("/offres/nouvelle", {"lmh.charge", "vcl.charge"}),
    ("/offres/{offer2}/modifier", {"lmh.charge"}),
    ("/menages", ALL),
    ("/menages/{household}", ALL),
    ("/menages/nouveau", {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/menages/{household}/situation", FOLLOWS),
    ("/menages/{household}/souhaits", FOLLOWS),
    ("/menages/{household}/identite", FOLLOWS),
    ("/menages/{household}/proposer", FOLLOWS),
    ("/menages/{household}/visite", FOLLOWS),
    ("/propositions", ALL),
    ("/propositions/{proposal}", ALL),
    ("/propositions/{proposal}/delai", ALL),
    ("/reste-a-vivre", ALL),
    ("/rapport-semestriel", ALL),
    ("/import", {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/import/modele/menages.csv", ALL),
    ("/import/modele/offres.xlsx", ALL),
    ("/admin/comptes", {"admin"}),
]

LONG = "x" * 2001
# (path template, invalid form data, users who reach validation: 422; others: 403)
POSTS = [
    ("/offres/nouvelle", {}, {"lmh.charge", "vcl.charge"}),
    ("/offres/{offer2}/modifier", {}, {"lmh.charge"}),
    ("/offres/{offer2}/retrait", {}, {"lmh.charge"}),
    ("/menages/nouveau", {}, {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/menages/{household}/situation", {}, FOLLOWS),
    ("/menages/{household}/souhaits", {"souhait_etage_max": "haut"}, FOLLOWS),
    ("/menages/{household}/identite", {}, FOLLOWS),
    ("/menages/{household}/proposer", {}, FOLLOWS),
    ("/menages/{household}/visite", {}, FOLLOWS),
    ("/propositions/{proposal}/opposition", {},
     {"lmh.charge", "mous.charge", "vls.partenaire", "mel.partenaire"}),
    ("/propositions/{proposal}/opposition/{objection}/levee", {"commentaire": LONG}, {"vls.partenaire"}),
    ("/propositions/{proposal}/opposition/{objection}/arbitrage", {}, {"mel.partenaire"}),
    ("/propositions/{proposal}/acceptation", {"date_acceptation": "32/13/2026"}, FOLLOWS),
    ("/propositions/{proposal}/refus", {}, FOLLOWS),
    ("/propositions/{proposal}/retrait", {}, {"vcl.charge", "lmh.charge"}),
    ("/propositions/{proposal}/caleol", {}, {"lmh.charge"}),
    ("/propositions/{proposal}/bail", {}, {"lmh.charge"}),
    ("/import/menages", {}, {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/import/offres", {}, {"lmh.charge", "vcl.charge"}),
    ("/historique/date", {"au": "pas une date"}, {"anru.auditeur"}),
    ("/admin/comptes", {}, {"admin"}),
]


@pytest.fixture
def scenario(world):
    """A live proposal (B's household, A's offer) with the city's open objection."""
    app = world.app.extensions["relogement"]
    w = world.world
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, w.actor("VCL"))
    objection = app.raise_objection(proposal, "Peuplement à équilibrer", w.actor("VLS"))
    return {**world.ids, "proposal": proposal, "objection": objection, "_app": app}


def _paths(template: str, ids: dict) -> str:
    return template.format(**{k: v for k, v in ids.items() if not k.startswith("_")})


@pytest.mark.parametrize("user", USERS, ids=lambda u: u or "anonyme")
def test_matrix(scenario, client_for, user):
    client = client_for(user)
    app = scenario["_app"]
    failures = []
    for template, allowed in GETS:
        path = _paths(template, scenario)
        response = client.get(path)
        expected = 302 if user is None else (200 if user in allowed else 403)
        if response.status_code != expected:
            failures.append(f"GET {path}: {response.status_code}, attendu {expected}")
        if user not in FOLLOWS and response.status_code == 200 and "text/html" in response.content_type:
            for hidden in HIDDEN:
                if hidden in response.text:
                    failures.append(f"GET {path}: « {hidden} » visible pour {user}")
    before = app.recorder.max_notification_id()
    for template, data, allowed in POSTS:
        path = _paths(template, scenario)
        response = client.post(path, data)
        expected = 302 if user is None else (422 if user in allowed else 403)
        if response.status_code != expected:
            failures.append(f"POST {path}: {response.status_code}, attendu {expected}")
    assert app.recorder.max_notification_id() == before, "a refused or invalid POST wrote an event"
    assert not failures, "\n".join(failures)


def test_officer_sees_identity_partner_does_not(scenario, client_for):
    household = scenario["household"]
    officer = client_for("vcl.charge").get(f"/menages/{household}").text
    for hidden in HIDDEN:
        assert hidden in officer
    partner = client_for("lmh.charge").get(f"/menages/{household}").text
    assert "Fiche pseudonymisée" in partner
    assert "pseudonymisé" in client_for("vls.partenaire").get("/menages").text


def test_post_without_csrf_token_is_refused(scenario, client_for):
    client = client_for("vls.partenaire")
    response = client.client.post(
        f"/propositions/{scenario['proposal']}/opposition", data={"motif_opposition": "x"}
    )
    assert response.status_code == 400
    assert "formulaire a expiré" in response.text


def test_policy_table_covers_every_checked_action():
    from relogement.web import policy

    used = {"offer.view", "offer.publish", "offer.edit", "household.view", "household.identity",
            "household.register", "household.edit", "proposal.view", "proposal.make",
            "proposal.answer", "proposal.withdraw", "objection.raise", "objection.lift",
            "objection.arbitrate", "caleol.decide", "lease.sign", "report.view",
            "history.asof", "accounts.manage"}
    assert used == set(policy.RULES)
    assert not policy.can(None, "offer.view")
    assert not policy.can(policy.Principal("admin", scenario_org(), "epci"), "unknown.action")


def scenario_org():
    from uuid import uuid4

    return uuid4()
