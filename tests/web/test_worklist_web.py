"""« À traiter » through the web (both databases): the home page per role, the header's
count of what is due, the officer's assignment (« Mes ménages »), the project's work-list
settings, and the notification filters with "tout marquer comme lu" on a filtered view."""

from __future__ import annotations

import re

DUE = re.compile(r'class="compteur-du"[^>]*>(\d+)<')


def due(client) -> int:
    found = DUE.search(client.get("/offres").text)
    return int(found.group(1)) if found else 0


def test_work_lists_badge_and_assignment(world, client_for, clock):
    app = world.app.extensions["relogement"]
    w, ids = world.world, world.ids
    proposal = app.make_proposal(ids["household"], ids["offer"], 20_000, w.actor("VCL"))
    officer, city, pilot = client_for("vcl.charge"), client_for("vls.partenaire"), client_for("mel.partenaire")

    # The work list is the menu's first entry, on every page.
    assert 'href="/a-traiter"' in officer.get("/offres").text

    # The officer: the answer awaited, reminder in 15 days (the default): listed, not due.
    page = officer.get("/a-traiter").text
    assert "Réponse du ménage attendue" in page and f"/propositions/{proposal.hex}" in page
    assert due(officer) == 0
    # The city: the proposal to examine, due now, with its countdown (48 h).
    page = city.get("/a-traiter").text
    assert "Proposition à examiner" in page and "encore 48 h 00 min" in page
    assert due(city) == 1
    app.raise_objection(proposal, "Équilibre de peuplement", w.actor("VLS"))
    # The pilot: the objection to arbitrate (and the proposal to examine).
    page = pilot.get("/a-traiter?type=arbitrage").text
    assert "Opposition à arbitrer" in page and "Proposition à examiner" not in page.split('id="liste-a-traiter"')[1]
    assert due(pilot) == 2
    # The officer: the objection on its proposal is due at once.
    assert due(officer) == 1
    # 16 days later the household is to be reminded: due too.
    clock.advance(days=16)
    assert due(officer) == 2
    assert "relancer le ménage" in officer.get("/a-traiter").text

    # « Mes ménages »: the bailleur names its officer; the list filters on it.
    form = officer.get(f"/menages/{ids['household']}/charge")
    assert form.status_code == 200 and 'value="vcl.charge"' in form.text
    assert officer.post(f"/menages/{ids['household']}/charge", {"charge": "lmh.charge"}).status_code == 422
    assert officer.post(f"/menages/{ids['household']}/charge", {"charge": "vcl.charge"}).status_code == 302
    reference = app.household(ids["household"]).reference
    assert reference in officer.get("/menages?mes_menages=oui").text
    assert 'id="charge-du-menage">vcl.charge' in officer.get(f"/menages/{ids['household']}").text
    assert officer.get("/menages?statut=a_reloger&mes_menages=oui").status_code == 200
    # Past filters are refused in French, never a 500.
    bad = officer.get("/a-traiter?portee=tous")
    assert bad.status_code == 400 and "Filtre invalide" in bad.text


def test_project_work_list_settings(world, client_for):
    pilot = client_for("mel.partenaire")
    project = world.world.project_id
    base = {"delai_heures": "48", "offres_max": "3", "convention_rav": "personne", "seuil_rav": "6,00"}
    bad = pilot.post(f"/projets/{project}/parametres", {**base, "suivi_mois": "12, 6"})
    assert bad.status_code == 422 and "nombres croissants" in bad.text
    ok = pilot.post(f"/projets/{project}/parametres",
                    {**base, "relance_jours": "7", "suivi_mois": "6, 12, 24", "bloque_jours": "60"})
    assert ok.status_code == 302
    settings = world.app.extensions["relogement"].project(project).settings
    assert (settings["answer_reminder_days"], settings["follow_up_months"], settings["blocked_days"]) == (7, [6, 12, 24], 60)
    page = client_for("vls.partenaire").get(f"/projets/{project}").text
    assert "relance du ménage après 7 jours" in page and "suivi à 6 et 12 et 24 mois" in page


def test_notification_filters_and_mark_read_by_filter(world, client_for):
    app = world.app.extensions["relogement"]
    app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, world.world.actor("VCL"))
    city = client_for("vls.partenaire")
    # The city's inbox: the two offers (one notice), the proposal, its joining the project.
    action = city.get("/notifications?attente=action").text
    assert "Proposition à examiner" in action and "nouvelles offres" not in action
    info = city.get("/notifications?attente=information").text
    assert "nouvelles offres" in info and "Proposition à examiner" not in info.split('class="boite"')[1]
    assert "2 nouvelles offres" in city.get("/notifications?type=nouvelle_offre").text
    # "Tout marquer comme lu" on the view "action attendue": only that view is marked.
    done = city.post("/notifications/lues", {"tout": "oui", "attente": "action", "retour": "/notifications"})
    assert done.status_code == 302
    unread = city.get("/notifications").text
    assert "nouvelles offres" in unread and "Proposition à examiner" not in unread.split('class="boite"')[1]
    assert city.post("/notifications/lues", {"tout": "oui", "type": "inconnu"}).status_code == 422
    assert city.get("/notifications?avant=nimporte").status_code == 400
