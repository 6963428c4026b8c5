"""Control characters through the web (form, import), the lag on the pages and the
health endpoint (/sante) for monitoring and load balancers."""

from __future__ import annotations

import io

import pytest

from relogement.web.importer import HOUSEHOLD_COLUMNS

OFFER = {
    "typologie": "T3", "surface": "65", "loyer": "450,00", "charges": "80,00", "commune": "Lille",
    "quartier": "Lomme-Centre", "adresse": "3 rue Neuve", "annee": "2020",
    "quartier_hors_projet": "oui",  # not a quartier of the project: confirmed
}
HOUSEHOLD = {
    "reference": "VCL-0001", "operation": "DEM-MOU-1", "nom": "Famille Import",
    "ages": "41 | 12",  # this file's cells are not quoted: "41; 12" would be a row too wide (issue 23)
    "ressources": "1 450,00", "apl": "180", "typologie": "T3", "surface": "64", "loyer": "390,00",
    "charges": "85", "souhait_typologies": "T3", "droit_au_retour": "non",
}


def _count(world) -> int:
    return world.app.extensions["relogement"].recorder.max_notification_id()


def _csv(rows) -> bytes:
    lines = [";".join(c[0] for c in HOUSEHOLD_COLUMNS)]
    lines += [";".join(row.get(c[0], "") for c in HOUSEHOLD_COLUMNS) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b"])
def test_form_and_import_refuse_control_characters_and_store_nothing(world, client_for, bad):
    lmh, vcl = client_for("lmh.charge"), client_for("vcl.charge")
    before = _count(world)
    r = lmh.post("/offres/nouvelle", {**OFFER, "adresse": f"3 rue{bad} Neuve"})
    assert r.status_code == 422
    assert "Le champ « Adresse » contient un caractère de contrôle" in r.text
    r = vcl.post("/import/menages", {"fichier": (io.BytesIO(_csv([{**HOUSEHOLD, "nom": f"Famille{bad}X"}])), "m.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 422
    assert "Le champ « Nom du ménage » contient un caractère de contrôle" in r.text
    r = vcl.post(f"/menages/{world.ids['household']}/identite", {"nom": f"Famille{bad}Benali"})
    assert r.status_code == 422 and "« Nom du ménage »" in r.text
    assert _count(world) == before  # nothing recorded


def test_line_breaks_only_in_multi_line_fields(world, client_for):
    vcl = client_for("vcl.charge")
    url = f"/menages/{world.ids['household']}/identite"
    r = vcl.post(url, {"nom": "Famille\tBenali"})
    assert r.status_code == 422 and "« Nom du ménage »" in r.text
    before = _count(world)
    r = vcl.post(url, {"nom": "Famille Benali", "notes": "1.\tvisite\r\n2.\tappel"})
    assert r.status_code in (200, 302, 303), r.text[:300]
    assert _count(world) == before + 1


def test_health_endpoint_needs_no_login_and_answers_503_past_the_threshold(world, client_for, monkeypatch):
    anonymous = world.app.test_client()
    r = anonymous.get("/sante")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "lag": 0, "bloque": False}
    assert "Famille" not in r.text
    # The read models fall behind: events recorded, the runner not caught up.
    relocation = world.app.extensions["relogement"]
    monkeypatch.setattr(relocation, "_saved_listeners", [])
    for code in ("HA", "HB", "HC"):
        relocation.register_organisation(f"Habitat {code}", "bailleur", code, by_user="admin")
    world.app.config["RELOGEMENT_HEALTH_MAX_LAG"] = 2
    r = anonymous.get("/sante")
    assert r.status_code == 503 and r.get_json() == {"status": "en_retard", "lag": 3, "bloque": False}
    world.app.config["RELOGEMENT_HEALTH_MAX_LAG"] = 3
    assert anonymous.get("/sante").status_code == 200
    for _ in range(30):  # no rate limit in the way of monitoring
        assert anonymous.get("/sante").status_code == 200


def test_pages_say_when_the_read_models_are_behind(world, client_for, monkeypatch):
    officer = client_for("vcl.charge")
    assert "Données en retard" not in officer.get("/offres").text
    relocation = world.app.extensions["relogement"]
    monkeypatch.setattr(relocation, "_saved_listeners", [])
    relocation.register_organisation("Habitat HA", "bailleur", "HA", by_user="admin")
    page = officer.get("/offres").text
    assert "Données en retard de 1 événement" in page
    dashboard = officer.get("/tableau-de-bord").text
    assert "données en retard de 1 événement" in dashboard
