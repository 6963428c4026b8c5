"""Authorization matrix: every route × every role, status codes and hidden fields.

GET routes: who gets the page (200) and who is refused (403; anonymous → login).
POST routes are sent with empty or invalid data: a role the policy allows reaches
form validation (422) and changes nothing; a role it refuses gets 403. So the matrix
tests the policy cell by cell without the order of actions mattering.

Hidden fields: the household's name, phone and notes never appear in the HTML (nor
in the XLSX/PDF files) served to anyone but the household's own bailleur and the
project's relocation team (MOUS) — not to partners, auditors or administrators.
"""

from __future__ import annotations

import pytest

from relogement.platform.residence_commands import NewResidence
from relogement.simulation import sample
from relogement.web.demo_accounts import create_demo_accounts
from tests.web.conftest import HIDDEN

USERS = [
    None,  # anonymous
    "lmh.charge",  # bailleur A: owns the offers
    "vcl.charge",  # bailleur B: owns and follows the household, makes the proposal
    "mous.charge",  # the project's relocation team (MOUS): reads every household's identity
    "vls.partenaire",  # the city: raised the objection
    "mel.partenaire",  # the EPCI: project pilot, arbitrates
    "anru.auditeur",
    "admin",
    "hors.charge",  # a bailleur that is not a partner of the project
]
ALL = set(USERS) - {None}
READERS = ALL - {"hors.charge"}  # partners of the project, auditors, administrators
IDENTITY = {"vcl.charge", "mous.charge"}  # may read the household's name and contacts
FOLLOWS = {"vcl.charge"}  # act for the household (its bailleur, the org that follows it)
CREATE_PROJECT = {"mel.partenaire", "vls.partenaire", "mous.charge"}  # EPCI, city, MOUS

# (path template, users who get 200; the rest of the logged-in users get 403)
GETS = [
    ("/tableau-de-bord", READERS),
    ("/tableau-de-bord?projet={project}", READERS),
    ("/offres", ALL),  # everyone gets the board; it lists the projects they may read
    ("/offres/{offer}", READERS),
    ("/offres/nouvelle", {"lmh.charge", "vcl.charge"}),
    ("/offres/{offer2}/modifier", {"lmh.charge"}),
    ("/menages", ALL),
    ("/menages/{household}", READERS),
    ("/menages/nouveau", {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/menages/{household}/situation", FOLLOWS),
    ("/menages/{household}/souhaits", FOLLOWS),
    ("/menages/{household}/identite", FOLLOWS),
    ("/menages/{household}/proposer", FOLLOWS),
    ("/menages/{household}/proposer?offre={offer2}", FOLLOWS),
    ("/menages/{household}/proposer/apercu?offre={offer2}&apl_estimee=100", FOLLOWS),
    ("/menages/{household}/visite", FOLLOWS),
    ("/menages/{household}/sortie", FOLLOWS),
    ("/menages/{relocated}/suivi", FOLLOWS),
    ("/menages/{household}/logements-adaptes", IDENTITY | {"anru.auditeur", "admin"}),
    ("/offres/{offer2}/menages-correspondants",
     {"lmh.charge", "vcl.charge", "mous.charge", "anru.auditeur", "admin"}),
    ("/projets", ALL),  # everyone gets the list: the projects they may read
    ("/projets/{project}", READERS),
    ("/projets/nouveau", CREATE_PROJECT),
    ("/projets/{project}/donnees-ouvertes.zip", {"mel.partenaire", "anru.auditeur"}),  # pilot, auditors
    ("/projets/{project}/export-anru", {"mel.partenaire", "anru.auditeur"}),  # pilot, auditors
    ("/projets/{project}/export-anru/telecharger?format=csv", {"mel.partenaire", "anru.auditeur"}),
    ("/projets/{project}/export-anru/telecharger?format=xlsx&au=02/03/2026", {"mel.partenaire", "anru.auditeur"}),
    ("/propositions", ALL),
    ("/propositions/{proposal}", READERS),
    ("/propositions/{proposal}/delai", READERS),
    ("/propositions/{proposal}/courrier.docx", IDENTITY),
    ("/propositions/{proposal}/courrier.pdf", IDENTITY),
    ("/reste-a-vivre", READERS),
    ("/reste-a-vivre?convention=uc&liste=sous_seuil", READERS),
    ("/rapport-semestriel", READERS),
    ("/rapport-semestriel?semestre=2026-S1&convention=uc", READERS),
    ("/rapport-semestriel.xlsx?semestre=2026-S1", READERS),
    ("/notifications", ALL),
    ("/notifications?afficher=toutes", ALL),
    ("/notifications?attente=action&type=opposition", ALL),
    ("/a-traiter", ALL),  # every user: their own list (empty for auditors and administrators)
    ("/a-traiter?portee=organisation&type=reponse_attendue", ALL),
    ("/menages?mes_menages=oui", ALL),
    ("/menages/{household}/charge", FOLLOWS),
    ("/import", {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/import/modele/menages.csv", ALL),
    ("/import/modele/offres.xlsx", ALL),
    ("/residences", READERS),
    ("/residences/export.xlsx", READERS),
    ("/residences/{residence}", READERS),
    ("/residences/nouvelle", {"lmh.charge", "vcl.charge"}),
    ("/residences/import", {"lmh.charge", "vcl.charge"}),
    ("/residences/modele.csv", ALL),
    ("/residences/seuils", {"mel.partenaire"}),
    ("/admin/comptes", {"admin"}),
    ("/admin/organisations", {"admin"}),
    ("/admin/donnees-personnelles", {"admin"}),
    ("/admin/menages/{household}/effacement", {"admin"}),
    ("/admin/journal-des-acces", {"admin", "anru.auditeur"}),
    ("/admin/historique-verifiable", {"admin", "anru.auditeur"}),
    ("/admin/historique-verifiable/historique.jsonl", {"admin", "anru.auditeur"}),
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
    ("/menages/{household}/sortie", {}, FOLLOWS),
    ("/menages/{relocated}/suivi", {}, FOLLOWS),
    ("/menages/{household}/ecarter", {"offre": "pas-un-id"}, FOLLOWS),
    ("/menages/{household}/charge", {"charge": "inconnu"}, FOLLOWS),
    ("/propositions/{proposal}/opposition", {},
     {"lmh.charge", "mous.charge", "vls.partenaire", "mel.partenaire"}),
    ("/propositions/{proposal}/opposition/{objection}/levee", {"commentaire": LONG}, {"vls.partenaire"}),
    ("/propositions/{proposal}/opposition/{objection}/arbitrage", {}, {"mel.partenaire"}),
    ("/propositions/{proposal}/acceptation", {"date_acceptation": "32/13/2026"}, FOLLOWS),
    ("/propositions/{proposal}/refus", {}, FOLLOWS),
    ("/propositions/{proposal}/retrait", {}, {"vcl.charge", "lmh.charge"}),
    ("/propositions/{proposal}/caleol", {}, {"lmh.charge"}),
    ("/propositions/{proposal}/bail", {}, {"lmh.charge"}),
    ("/projets/nouveau", {}, CREATE_PROJECT),
    ("/projets/{project}/partenaires", {}, {"mel.partenaire"}),
    ("/projets/{project}/parametres", {"delai_heures": "0"}, {"mel.partenaire"}),
    ("/projets/{project}/operations", {}, {"mel.partenaire"}),
    ("/import/menages", {}, {"lmh.charge", "vcl.charge", "mous.charge"}),
    ("/import/offres", {}, {"lmh.charge", "vcl.charge"}),
    ("/historique/date", {"au": "pas une date"}, {"anru.auditeur"}),
    ("/residences/{residence}/objectifs", {"max_premier_quartile": "x"}, {"mel.partenaire", "vls.partenaire"}),
    ("/residences/{residence}/note", {"texte": LONG}, {"lmh.charge", "vls.partenaire"}),
    ("/residences/nouvelle", {}, {"lmh.charge", "vcl.charge"}),
    ("/residences/import", {}, {"lmh.charge", "vcl.charge"}),
    ("/residences/seuils", {"fragile_under_60": "x"}, {"mel.partenaire"}),
    ("/admin/comptes", {}, {"admin"}),
    ("/admin/comptes/1/actif", {"actif": "?"}, {"admin"}),  # enable / disable an account
    ("/admin/organisations", {}, {"admin"}),
    ("/notifications/lues", {}, ALL),  # no notification chosen: 422 (own reading state)
    ("/admin/menages/{household}/effacement", {"motif_effacement": "demande"}, {"admin"}),
]


@pytest.fixture
def scenario(world, clock):
    """A live proposal (B's household, A's offer) with the city's open objection, and a
    bailleur outside the project."""
    app = world.app.extensions["relogement"]
    w = world.world
    outsider = app.register_organisation("Habitat hors projet", "bailleur", "HORS", by_user="admin")
    create_demo_accounts(
        world.app.extensions["relogement.accounts"],
        world.app.extensions["relogement.readmodels"].organisations(),
    )
    # A household of B already relocated (its follow-up form), before the live proposal so
    # that the latter's objection window is still open.
    relocated = sample.register(w, bailleur="VCL", name="Famille Lebrun")
    home = app.publish_offer(w.project_id, sample.dwelling(), w.actor("LMH"))
    lease = app.make_proposal(relocated, home, 25_000, w.actor("VCL"))
    day = clock.now.date()
    clock.advance(hours=49)
    app.close_objection_window(lease)
    app.accept_proposal(lease, day, w.actor("VCL"))
    app.decide_caleol(lease, "attribution", day, "", w.actor("LMH"))
    app.sign_lease(lease, 49_500, 9_550, 25_000, day, day, w.actor("LMH"))
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, w.actor("VCL"))
    objection = app.raise_objection(proposal, "Peuplement à équilibrer", w.actor("VLS"))
    residence = app.register_residence(w.project_id, NewResidence("LMH-R1", "Résidence test"), w.actor("LMH"))
    return {
        **world.ids, "proposal": proposal, "objection": objection, "project": w.project_id,
        "residence": residence.hex,
        "relocated": relocated, "_app": app, "_outsider": outsider,
    }


def _paths(template: str, ids: dict) -> str:
    return template.format(**{k: v for k, v in ids.items() if not k.startswith("_")})


def _text(response) -> str:
    if "text/html" in response.content_type:
        return response.text
    if response.content_type.startswith(("application/vnd.openxmlformats", "application/zip")):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.data)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return response.data.decode("latin-1")


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
        if user not in IDENTITY and response.status_code == 200:
            text = _text(response)
            for hidden in HIDDEN:
                if hidden in text:
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


# Endpoints outside the matrix: redirects to pages of the matrix (the home page, the
# offer's "propose to…" link, the erasure form found by reference), logging in and out,
# one's own password (every signed-in user, tests/web/test_sessions_end.py), static files.
UNLISTED = {
    "main.home", "offers.propose_to", "admin.find_household", "auth.login", "auth.logout",
    "auth.change_password", "static",
    "sante.health",  # public by design, no data (tests/web/test_control_characters_web.py)
}


def test_every_route_is_in_the_matrix(web_app, scenario):
    """A new route must be added to GETS or POSTS (so its policy is tested cell by cell)."""
    urls = web_app.url_map.bind("localhost")
    listed = {urls.match(_paths(t, scenario).split("?")[0], "GET")[0] for t, _ in GETS}
    listed |= {urls.match(_paths(t, scenario), "POST")[0] for t, _, _ in POSTS}
    endpoints = {rule.endpoint for rule in web_app.url_map.iter_rules()}
    assert endpoints - listed - UNLISTED == set()
    assert UNLISTED <= endpoints  # no stale exemption


def test_identity_for_the_bailleur_and_the_project_mous_only(scenario, client_for):
    household = scenario["household"]
    for login in IDENTITY:
        page = client_for(login).get(f"/menages/{household}").text
        for hidden in HIDDEN:
            assert hidden in page, (login, hidden)
    for login in READERS - IDENTITY:
        page = client_for(login).get(f"/menages/{household}").text
        assert "Fiche pseudonymisée" in page, login
    assert "pseudonymisé" in client_for("vls.partenaire").get("/menages").text
    # Search by name: only among the households one may identify.
    reference = scenario["_app"].household(household).reference
    assert reference in client_for("mous.charge").get("/menages?recherche=benali").text
    assert reference in client_for("vcl.charge").get("/menages?recherche=Benali").text
    for login in ("lmh.charge", "vls.partenaire", "anru.auditeur", "admin"):
        assert reference not in client_for(login).get("/menages?recherche=Benali").text, login
    # The project's MOUS reads the identity but does not act for a household it does not
    # follow (the domain says so too).
    assert client_for("mous.charge").get(f"/menages/{household}/identite").status_code == 403


def test_post_without_csrf_token_is_refused(scenario, client_for):
    client = client_for("vls.partenaire")
    response = client.client.post(
        f"/propositions/{scenario['proposal']}/opposition", data={"motif_opposition": "x"}
    )
    assert response.status_code == 400
    assert "formulaire a expiré" in response.text


def test_policy_table_covers_every_checked_action():
    """Every action the web layer checks (can / require, in Python and in templates) is a
    rule of the policy, and every rule is checked somewhere."""
    import re
    from pathlib import Path

    from relogement.web import policy

    web = Path(policy.__file__).resolve().parent
    call = re.compile(r"""\b(?:can|require)\(\s*["']([a-z_]+\.[a-z_]+)["']""")
    used = {
        action
        for path in [*web.rglob("*.py"), *web.rglob("*.html")]
        for action in call.findall(path.read_text(encoding="utf-8"))
    }
    assert used == set(policy.RULES)
    assert not policy.can(None, "offer.view")
    assert not policy.can(policy.Principal("admin", scenario_org(), "epci"), "unknown.action")


def test_mous_of_another_project_does_not_read_identity():
    """The MOUS rule is "MOUS partner of the household's project", not "any MOUS"."""
    from uuid import uuid4

    from relogement.web import policy

    mous, other_mous, bailleur = uuid4(), uuid4(), uuid4()
    resource = policy.Resource(
        project_partners=frozenset({mous, bailleur}), project_mous=frozenset({mous}),
        household_bailleur=bailleur, household_officer=bailleur,
    )
    officer = policy.CHARGE
    assert policy.can(policy.Principal(officer, mous, "mous"), "household.identity", resource)
    assert not policy.can(policy.Principal(officer, other_mous, "mous"), "household.identity", resource)
    # A MOUS partner of the project, but a partner (not an officer) account: no identity.
    assert not policy.can(policy.Principal(policy.PARTENAIRE, mous, "mous"), "household.identity", resource)
    # Auditors and administrators read the exact situation, never the identity.
    for role in (policy.AUDITEUR, policy.ADMIN):
        assert policy.can(policy.Principal(role, uuid4(), "audit"), "household.situation", resource)
        assert not policy.can(policy.Principal(role, uuid4(), "audit"), "household.identity", resource)


def scenario_org():
    from uuid import uuid4

    return uuid4()


def test_readme_table_names_every_policy_action():
    """The README's "Who sees what" table covers every action of the policy."""
    from pathlib import Path

    from relogement.web import policy

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [action for action in policy.RULES if f"`{action}`" not in readme]
    assert not missing, f"actions absentes du tableau du README : {missing}"


def test_partner_sees_exact_amounts_in_a_proposal_not_on_the_household_file(scenario, client_for):
    """README "qui voit quoi": a partner judging a proposal reads every input of its
    indicators (exact resources and housing aid, domain rule "every indicator shows its
    inputs"); the household file itself shows a partner only the resources band."""
    from relogement.web.filters import euros

    resources, apl_before, apl_after = euros(180_000), euros(21_000), euros(25_000)  # sample
    partner = client_for("vls.partenaire")
    proposal = partner.get(f"/propositions/{scenario['proposal']}").text
    assert resources in proposal and apl_before in proposal and apl_after in proposal
    assert "1 500 à 1 999 €" in proposal and "38 ans" not in proposal
    file = partner.get(f"/menages/{scenario['household']}").text
    assert "1 500 à 1 999 €" in file
    assert resources not in file and apl_before not in file and "38 ans" not in file
    follower = client_for("vcl.charge").get(f"/menages/{scenario['household']}").text
    assert resources in follower and apl_before in follower and "38 ans" in follower
