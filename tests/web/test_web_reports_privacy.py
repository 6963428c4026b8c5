"""Reports, inbox, access log, erasure and retention through the web, on SQLite and PostgreSQL.

- read models are current right after each command (same process) and, with polling,
  for events written by another process;
- the dashboard as of an instant (auditor) equals what the live page showed then, and
  pages state their position;
- report files (XLSX, PDF) download, also through the "en préparation" path;
- the inbox: unread count in the header, per-user read marks, "tout marquer comme lu";
- every view of a household's identity is in the access log (and only those), which
  administrators and auditors read without any name in it;
- erasure by an administrator: "ménage effacé" everywhere, figures unchanged;
- the retention listing equals the privacy layer's;
- bad input on the new routes: 4xx in French, never 500.
"""

from __future__ import annotations

import re
import time
from datetime import date
from uuid import UUID

import pytest

from relogement.runtime.application import RelocationApp
from tests.web.conftest import HIDDEN


def _lease(app, world, household, offer, clock) -> UUID:
    """A whole relocation through the use cases (B's household into A's dwelling)."""
    w = world.world
    proposal = app.make_proposal(household, offer, 25_000, w.actor("VCL"))
    app.accept_proposal(proposal, date(2026, 3, 3), w.actor("VCL"))
    clock.advance(hours=49)
    app.decide_caleol(proposal, "attribution", date(2026, 3, 5), "", w.actor("LMH"))
    app.sign_lease(proposal, 48_000, 10_000, 25_000, date(2026, 3, 6), date(2026, 3, 15), w.actor("LMH"))
    return proposal


def _main(html: str) -> str:
    """The page's own content (without the header, the as-of band and flash messages)."""
    body = html.split('<main id="contenu" class="page">', 1)[1].split("</main>", 1)[0]
    return re.sub(r'<div class="alerte alerte-\w+" role="status">.*?</div>', "", body, flags=re.S)


def test_read_models_are_current_after_each_command(world, client_for):
    city = client_for("vls.partenaire")
    app = world.app.extensions["relogement"]
    runner = world.app.extensions["relogement.runner"]
    assert runner.position() == app.recorder.max_notification_id()
    offer = app.publish_offer(world.world.project_id, _dwelling("Roubaix"), world.world.actor("PDC"))
    assert runner.position() == app.recorder.max_notification_id()  # no wait, no poll
    assert "Roubaix" in city.get(f"/offres/{offer}").text


def _dwelling(commune: str):
    from relogement.simulation import sample

    return sample.dwelling(commune=commune)


def test_events_of_another_process_arrive_by_polling(database_url, clock, tmp_path, world):
    """A second web process (polling on) sees what the first one stored, within a second."""
    from relogement.runtime import create_app

    other = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x", "CLOCK": clock,
        "RELOGEMENT_DATA_DIR": str(tmp_path / "other"), "RELOGEMENT_POLL_SECONDS": 0.1,
    })
    try:
        with other.test_request_context():
            other.preprocess_request()  # the first request starts the poller
        scheduler_like = RelocationApp(database_url, clock=clock)  # another process's writer
        try:
            scheduler_like.publish_offer(world.world.project_id, _dwelling("Wattrelos"), world.world.actor("PDC"))
        finally:
            scheduler_like.close()
        readmodels = other.extensions["relogement.readmodels"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if any(o.dwelling["commune"] == "Wattrelos" for o in readmodels.offers()):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the other process's offer did not reach the read models")
    finally:
        other.extensions["relogement"].close()


def test_dashboard_as_of_equals_what_was_live_then(world, client_for, clock):
    app = world.app.extensions["relogement"]
    auditor = client_for("anru.auditeur")
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))
    clock.advance(hours=1)
    live_then = auditor.get("/tableau-de-bord").text
    assert "1</div><div class=\"libelle\">propositions en cours" in live_then.replace("\n", "")
    then = clock.now
    clock.advance(hours=48)  # the window passes; CALEOL and lease follow
    app.accept_proposal(proposal, date(2026, 3, 3), world.world.actor("VCL"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 5), "", world.world.actor("LMH"))
    app.sign_lease(proposal, 48_000, 10_000, 25_000, date(2026, 3, 6), date(2026, 3, 15), world.world.actor("LMH"))
    now_page = auditor.get("/tableau-de-bord").text
    assert "Inter-bailleurs" in now_page.split('id="derniers-baux"')[1]
    paris = then.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    r = auditor.post("/historique/date", {"au": paris.strftime("%d/%m/%Y"), "heure": paris.strftime("%H:%M"),
                                          "retour": "/tableau-de-bord"})
    assert r.status_code == 302
    past = auditor.get("/tableau-de-bord").text
    # Same figures, same "état au …, événement n° N" line: the as-of query at the position
    # of that instant is what the live page showed then.
    assert _main(past) == _main(live_then)
    assert re.search(r"État au \d\d/\d\d/2026 \d\d:\d\d, événement n°(&nbsp;|\xa0)\d+", _main(past))
    assert "lecture seule" in past


def test_report_files_and_the_waiting_page(world, client_for, clock, web_app):
    app = world.app.extensions["relogement"]
    _lease(app, world, world.ids["household"], world.ids["offer"], clock)
    city = client_for("vls.partenaire")
    xlsx = city.get("/rapport-semestriel.xlsx?semestre=2026-S1")
    assert xlsx.status_code == 200
    assert xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    assert xlsx.data[:2] == b"PK"
    page = city.get("/rapport-semestriel?semestre=2026-S1").text
    assert "Relogés par un autre bailleur" in page and "événement n°" in page
    # A slow PDF: the request does not wait; a page polls until the file is ready.
    web_app.extensions["relogement.reports"].wait_seconds = 0
    first = city.get("/rapport-semestriel.pdf?semestre=2026-S1&quartier=LS-FAU")
    assert first.status_code in (200, 202)
    if first.status_code == 202:
        assert "Préparation du fichier PDF" in first.text
        for _ in range(200):
            poll = city.get("/rapport-semestriel.pdf?semestre=2026-S1&quartier=LS-FAU",
                            headers={"HX-Request": "true", "HX-Target": "preparation"})
            if poll.status_code == 286:
                assert "télécharger le fichier PDF" in poll.text
                break
            time.sleep(0.1)
        else:
            pytest.fail("the PDF was never ready")
    pdf = city.get("/rapport-semestriel.pdf?semestre=2026-S1&quartier=LS-FAU")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    for hidden in HIDDEN:
        assert hidden.encode() not in pdf.data and hidden.encode() not in xlsx.data


def test_inbox_unread_count_and_read_marks_per_user(world, client_for, web_app):
    accounts = web_app.extensions["relogement.accounts"]
    city_org = world.world.orgs["VLS"]
    accounts.create("vls.second", "mot-de-passe-long", city_org, "partenaire", "Second")
    # The world's two offers were published at one instant by one bailleur, one after the
    # other: one notice ("2 nouvelles offres"); a proposal makes a second one; the city was
    # told it joined the project (a third).
    app = world.app.extensions["relogement"]
    app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, world.world.actor("VCL"))
    city = client_for("vls.partenaire")
    page = city.get("/notifications").text
    count = int(re.search(r'class="compteur"[^>]*>(\d+)<', page).group(1))
    assert count == 3
    assert "Votre organisation est partenaire du projet NPNRU Lille Sud" in page
    key = re.search(r'name="cle" value="([^"]+)"', page).group(1)
    assert city.post("/notifications/lues", {"cle": key, "retour": "/notifications"}).status_code == 302
    page = city.get("/notifications").text
    assert int(re.search(r'class="compteur"[^>]*>(\d+)<', page).group(1)) == count - 1
    assert city.post("/notifications/lues", {"tout": "oui"}).status_code == 302
    page = city.get("/notifications").text
    assert 'class="compteur"' not in page and "Aucune notification non lue" in page
    assert "2 nouvelles offres : Lille Métropole Habitat" in city.get("/notifications?afficher=toutes").text
    # Read marks are per user: the city's other user still has everything unread.
    other = client_for(None)
    other.login("vls.second", "mot-de-passe-long")
    page = other.get("/notifications").text
    assert int(re.search(r'class="compteur"[^>]*>(\d+)<', page).group(1)) == count


def test_every_identity_view_is_logged_and_readable_by_admin_and_auditor(world, client_for):
    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    reference = app.household(household).reference
    before = len(app.access_log(household_id=household))
    client_for("lmh.charge").get(f"/menages/{household}")  # pseudonymised: not logged
    client_for("vls.partenaire").get("/menages")
    assert len(app.access_log(household_id=household)) == before
    client_for("vcl.charge").get(f"/menages/{household}")
    client_for("mous.charge").get("/menages")
    entries = app.access_log(household_id=household)
    assert [(e.user, e.purpose) for e in entries[:2]] == [
        ("mous.charge", "liste des ménages"), ("vcl.charge", "fiche ménage"),
    ]
    assert entries[0].role == "charge_relogement"
    for login in ("admin", "anru.auditeur"):
        page = client_for(login).get(f"/admin/journal-des-acces?reference={reference}").text
        assert "mous.charge" in page and "vcl.charge" in page and reference in page
        for hidden in HIDDEN:
            assert hidden not in page
    filtered = client_for("admin").get("/admin/journal-des-acces?utilisateur=vcl.charge").text
    assert "vcl.charge" in filtered and "mous.charge" not in filtered


def test_a_refused_request_logs_no_identity_view(world, client_for, clock):
    """The follow-up form reads the household (identity included) before it checks the
    household is relocated: refused with a 409 error page, it showed nothing and logs
    nothing; once relocated, the form is shown and logs one view."""
    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    officer = client_for("vcl.charge")
    before = len(app.access_log(household_id=household))
    refused = officer.get(f"/menages/{household}/suivi")
    assert refused.status_code == 409 and "Famille Benali" not in refused.text
    refused = officer.post(f"/menages/{household}/suivi", {"date_mesure": "02/03/2026"})
    assert refused.status_code == 409
    assert len(app.access_log(household_id=household)) == before

    _lease(app, world, household, world.ids["offer"], clock)
    shown = officer.get(f"/menages/{household}/suivi")
    assert shown.status_code == 200
    entries = app.access_log(household_id=household)
    assert len(entries) == before + 1
    assert (entries[0].user, entries[0].purpose) == ("vcl.charge", "mesure de suivi après relogement")
    # The departure form of a relocated household is refused the same way.
    assert officer.get(f"/menages/{household}/sortie").status_code == 409
    assert len(app.access_log(household_id=household)) == before + 1


def test_erasure_by_an_administrator(world, client_for, clock, web_app):
    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    _lease(app, world, household, world.ids["offer"], clock)
    reports = web_app.extensions["relogement.reports"]
    project = world.world.project_id
    before = reports.dashboard(project, None, clock.now)["total"]
    reference = app.household(household).reference
    client_for("vcl.charge").get(f"/menages/{household}")  # a logged view, before erasure
    admin = client_for("admin")
    form = admin.get(f"/admin/menages/{household}/effacement").text
    assert reference in form and "Famille Benali" not in form
    # Retention not over: only on request, with a motive, and the reference typed again.
    r = admin.post(f"/admin/menages/{household}/effacement",
                   {"motif_effacement": "duree_conservation", "confirmation": reference})
    assert r.status_code == 409 and "Durée de conservation non échue" in r.text
    r = admin.post(f"/admin/menages/{household}/effacement",
                   {"motif_effacement": "demande", "precision": "Courrier du 05/03", "confirmation": "autre"})
    assert r.status_code == 422 and "Recopiez exactement la référence" in r.text
    assert not app.household(household).erased
    r = admin.post(f"/admin/menages/{household}/effacement",
                   {"motif_effacement": "demande", "precision": "Courrier du 05/03", "confirmation": reference})
    assert r.status_code == 302
    officer = client_for("vcl.charge")
    for path in (f"/menages/{household}", "/menages", "/propositions?etat=toutes", "/reste-a-vivre"):
        page = officer.get(path).text
        for hidden in HIDDEN:
            assert hidden not in page, path
    assert "ménage effacé" in officer.get(f"/menages/{household}").text
    assert "ménage effacé" in officer.get("/menages").text
    assert "ménage effacé" in client_for("vls.partenaire").get(f"/menages/{household}").text
    assert "Données personnelles effacées" in officer.get(f"/menages/{household}").text  # timeline
    # Its story stays counted: every dashboard figure is unchanged.
    after = reports.dashboard(project, None, clock.now)["total"]
    assert after == before
    # Erased personal data cannot be edited any more.
    assert officer.get(f"/menages/{household}/identite").status_code == 409
    # The admin page lists the erasure; the access log keeps the past views, marked.
    assert reference in admin.get("/admin/donnees-personnelles").text
    log_page = admin.get(f"/admin/journal-des-acces?reference={reference}").text
    assert "vcl.charge" in log_page and "(ménage effacé)" in log_page


def test_retention_listing_equals_the_privacy_layer(world, client_for, clock, web_app):
    from relogement.platform import privacy
    from relogement.web.blueprints.admin import households_due

    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    _lease(app, world, household, world.ids["offer"], clock)
    departed = app.register_household(
        world.world.project_id, "DEM-MOU-1", world.world.orgs["LMH"],
        __import__("relogement.simulation.sample", fromlist=["situation"]).situation(),
        __import__("relogement.platform.values", fromlist=["PersonalData"]).PersonalData(name="M. Test"),
        world.world.actor("LMH"),
    )
    app.record_departure(departed, "Départ volontaire", world.world.actor("LMH"))
    months = privacy.retention_months()
    admin = client_for("admin")
    assert "Aucun ménage dont la durée de conservation est échue" in admin.get("/admin/donnees-personnelles").text
    clock.advance(days=31 * (months + 1))
    with web_app.test_request_context():
        mine = households_due(clock.now, months)
    theirs = app.households_due(clock.now)
    assert [(d.household_id, d.ended_on, d.how, d.due_on) for d in mine] == [
        (d.household_id, d.ended_on, d.how, d.due_on) for d in theirs
    ]
    assert len(mine) == 2
    page = admin.get("/admin/donnees-personnelles").text
    assert app.household(household).reference in page
    reference = app.household(household).reference
    r = admin.post(f"/admin/menages/{household}/effacement",
                   {"motif_effacement": "duree_conservation", "confirmation": reference})
    assert r.status_code == 302
    with web_app.test_request_context():
        assert [d.household_id for d in households_due(clock.now, months)] == [departed]


@pytest.mark.parametrize(
    "login, path, status",
    [
        ("vls.partenaire", "/tableau-de-bord?projet=pas-un-uuid", 400),
        ("vls.partenaire", "/tableau-de-bord?projet=6dfe9916-fc99-4e3e-8963-ba62acc94cb5", 404),
        ("vls.partenaire", "/reste-a-vivre?seuil=beaucoup", 400),
        ("vls.partenaire", "/reste-a-vivre?seuil=-3", 400),
        ("vls.partenaire", "/reste-a-vivre?convention=hebdo", 400),
        ("vls.partenaire", "/reste-a-vivre?quartier=NULLE-PART", 400),
        ("vls.partenaire", "/reste-a-vivre?page=0", 400),
        ("vls.partenaire", "/rapport-semestriel?semestre=2026-S3", 400),
        ("vls.partenaire", "/rapport-semestriel?semestre=1999-S1", 400),
        ("vls.partenaire", "/rapport-semestriel.xlsx?semestre=abc", 400),
        ("vls.partenaire", "/rapport-semestriel.doc", 404),
        ("vls.partenaire", "/notifications?afficher=jamais", 400),
        ("vls.partenaire", "/notifications?page=-1", 400),
        ("vls.partenaire", "/menages?page=abc", 400),
        ("vls.partenaire", "/offres?page=0", 400),
        ("vls.partenaire", "/propositions?page=x", 400),
        ("admin", "/admin/journal-des-acces?du=hier", 400),
        ("admin", "/admin/journal-des-acces?reference=INCONNU", 400),
        ("admin", "/admin/journal-des-acces?page=0", 400),
        ("admin", "/admin/menages/pas-un-uuid/effacement", 404),
        ("admin", "/admin/menages/ef121de6-2d81-4e64-b2b4-de0faace0657/effacement", 404),
        ("admin", "/admin/donnees-personnelles?page=zero", 400),
    ],
)
def test_bad_input_on_the_new_routes(world, client_for, login, path, status):
    r = client_for(login).get(path)
    assert r.status_code == status, r.text[:500]
    assert "Erreur interne" not in r.text


def test_as_of_time_and_bad_time(world, client_for):
    auditor = client_for("anru.auditeur")
    assert auditor.post("/historique/date", {"au": "02/03/2026", "heure": "25h99"}).status_code == 422
    assert auditor.post("/historique/date", {"au": "02/03/2026", "heure": "10h00"}).status_code == 302
    page = auditor.get("/offres").text
    assert "état au 02/03/2026 10:00" in page
    # A later instant than now is not history yet: back to the present, said so.
    auditor.post("/historique/date", {"au": "02/03/2026", "heure": "10h30"})  # now is 10:00
    page = auditor.get("/offres").text
    assert "02/03/2026 à 10:30 est à venir" in page and "Historique : état au" not in page
    # Reading marks are the user's own state, not a fact: allowed in the past view too.
    assert auditor.post("/notifications/lues", {"tout": "oui"}).status_code == 302


def test_no_500_on_odd_query_strings(world, client_for):
    """Every page, every odd parameter: a French 4xx or the page, never a 500."""
    from tests.web.test_web_authorization import GETS

    app = world.app.extensions["relogement"]
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))
    from relogement.platform.residence_commands import NewResidence

    residence = app.register_residence(world.world.project_id, NewResidence("LMH-R1", "Résidence test"),
                                       world.world.actor("LMH"))
    ids = {**world.ids, "proposal": proposal, "project": world.world.project_id, "residence": residence.hex,
           "relocated": world.ids["household"]}  # (not relocated: its follow-up form is a 409)
    odd = ("page=%00", "page=99999999999", "projet=%FF", "projet=" + "9" * 40, "semestre=..%2F..",
           "quartier=%3Cscript%3E", "seuil=1e999", "seuil=NaN", "baisse=-0", "convention=",
           "afficher=%0A", "statut=%27%20OR%201%3D1", "recherche=" + "é" * 200, "du=31/02/2026",
           "au=2026-13-01", "reference=%25", "utilisateur=%5F", "etat=toutes&page=-5")
    for login in ("vcl.charge", "admin", "anru.auditeur"):
        client = client_for(login)
        for template, _ in GETS:
            path = template.format(**ids)
            for q in odd:
                sep = "&" if "?" in path else "?"
                r = client.get(f"{path}{sep}{q}")
                assert r.status_code < 500, f"{login} {path}{sep}{q}: {r.status_code}"


def test_header_badge_follows_events_reminders_and_read_marks(world, client_for, clock):
    """The badge is cached across requests: it must still change exactly when a new event
    arrives, when a 12-hour reminder comes due with no event, and when marks change."""
    app = world.app.extensions["relogement"]

    def badge(client) -> int:
        found = re.search(r'class="compteur"[^>]*>(\d+)<', client.get("/offres").text)
        return int(found.group(1)) if found else 0

    city = client_for("vls.partenaire")
    before = badge(city)
    assert badge(city) == before  # served again (from the cache): same figure
    app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, world.world.actor("VCL"))
    assert badge(city) == before + 1  # "proposition à examiner": a new event
    clock.advance(hours=35, minutes=59)  # reminder due at 48 h - 12 h = 36 h
    assert badge(city) == before + 1
    clock.advance(minutes=1, seconds=1)
    assert badge(city) == before + 2  # the reminder, with no new event
    page = city.get("/notifications").text
    key = re.search(r'name="cle" value="([^"]+)"', page).group(1)
    assert city.post("/notifications/lues", {"cle": key, "retour": "/notifications"}).status_code == 302
    assert badge(city) == before + 1
    # Another worker process has its own cache: the marks' version keeps it exact too.
    other = client_for("vls.partenaire")
    assert badge(other) == before + 1


def test_rows_shared_across_readers_never_carry_identity_and_follow_the_position(world, client_for):
    """List, household and proposal rows are read once per position for every reader: who
    sees a name, and the logging of each identity view, stay decided per request."""
    from relogement.simulation import sample

    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    partner, officer = client_for("vls.partenaire"), client_for("vcl.charge")
    for url in ("/menages", f"/menages/{household}"):  # the partner's views fill the shared rows
        assert "Famille Benali" not in partner.get(url).text
    before = len(app.access_log(household_id=household))
    for _ in range(2):
        assert "Famille Benali" in officer.get(f"/menages/{household}").text
    assert len(app.access_log(household_id=household)) == before + 2  # every view logged
    assert "Famille Benali" not in partner.get(f"/menages/{household}").text

    # A new event moves the position: the next page reads the new rows.
    added = sample.register(world.world, bailleur="VCL", name="Famille Durand")
    assert app.household(added).reference in partner.get("/menages").text
    proposal = app.make_proposal(household, world.ids["offer"], 20_000, world.world.actor("VCL"))
    page = partner.get(f"/propositions/{proposal}").text
    assert "Loyer trop élevé pour ce ménage" not in page
    app.raise_objection(proposal, "Loyer trop élevé pour ce ménage", world.world.actor("VLS"))
    assert "Loyer trop élevé pour ce ménage" in partner.get(f"/propositions/{proposal}").text


def test_live_dashboard_shows_every_event_at_once_and_labelled(database_url, clock, tmp_path):
    """Zero lag (issue 19): the live dashboard is the read models' position, right after
    each event, in production as in tests (the refresh interval and its setting are gone:
    an old setting left in a configuration changes nothing)."""
    from relogement.runtime import create_app
    from relogement.simulation import sample
    from relogement.web.demo_accounts import create_demo_accounts

    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "RELOGEMENT_DATA_DIR": str(tmp_path),
        "CLOCK": clock, "LOGIN_RATE_LIMIT": "1000 per minute", "RELOGEMENT_DASHBOARD_REFRESH_SECONDS": 60,
    })
    try:
        relocation = app.extensions["relogement"]
        w = sample.build_world(relocation)
        create_demo_accounts(app.extensions["relogement.accounts"], app.extensions["relogement.readmodels"].organisations())
        from tests.web.conftest import Client

        city = Client(app)
        city.login("vls.partenaire")

        def shown() -> int:
            page = city.get("/tableau-de-bord").text
            return int(re.search(r'id="etat-position">État au [^,]+, événement n°&nbsp;([\d\u202f\xa0 ]+)<', page)
                       .group(1).replace("\u202f", "").replace("\xa0", "").replace(" ", ""))

        first = shown()
        assert first == relocation.recorder.max_notification_id()
        sample.register(w, bailleur="VCL", name="Famille Martin")
        clock.advance(seconds=1)
        assert shown() == relocation.recorder.max_notification_id() > first
        sample.register(w, bailleur="VCL", name="Famille Bernard")
        assert shown() == relocation.recorder.max_notification_id() > first + 1
    finally:
        app.extensions["relogement"].close()
