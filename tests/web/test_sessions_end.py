"""A session cookie stops working on the server side: logout (every session of the
user), a password change, an account disabled by an administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from relogement.runtime.accounts import Accounts
from tests.web.conftest import Client


def _cookie(client: Client) -> str:
    return client.client.get_cookie("relogement_session").value


def _replay(web_app, cookie: str):
    """Another browser presenting a saved session cookie."""
    other = web_app.test_client()
    other.set_cookie("relogement_session", cookie)
    return other.get("/offres")


def _is_login_page(response) -> bool:
    return response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_logout_ends_every_session_of_the_user(world, client_for):
    web_app = world.app
    first = client_for("vcl.charge")
    second = client_for("vcl.charge")  # the same user in another browser
    saved = _cookie(first)
    assert _replay(web_app, saved).status_code == 200
    r = first.post("/deconnexion")
    assert _is_login_page(r)
    assert _is_login_page(_replay(web_app, saved))  # the cookie saved before logout
    assert _is_login_page(second.get("/offres"))  # and the other browser's session
    assert second.get("/offres", follow_redirects=True).status_code == 200  # login page
    # Logging in again works, and only the new session does.
    again = client_for("vcl.charge")
    assert again.get("/offres").status_code == 200
    assert _is_login_page(_replay(web_app, saved))


def test_password_change_ends_every_session(world, client_for):
    web_app = world.app
    client = client_for("lmh.charge")
    saved = _cookie(client)
    web_app.extensions["relogement.accounts"].set_password("lmh.charge", "un-nouveau-secret")
    assert _is_login_page(_replay(web_app, saved))
    assert _is_login_page(client.get("/offres"))
    fresh = Client(web_app)
    assert fresh.login("lmh.charge", "un-nouveau-secret").status_code == 302


def test_disabled_account_loses_its_sessions_and_cannot_log_in(world, client_for):
    web_app = world.app
    accounts = web_app.extensions["relogement.accounts"]
    user = accounts.by_login("mel.partenaire")
    victim = client_for("mel.partenaire")
    saved = _cookie(victim)
    admin = client_for("admin")
    page = admin.get("/admin/comptes")
    assert f'/admin/comptes/{user.id}/actif' in page.text and "Désactiver" in page.text
    r = admin.post(f"/admin/comptes/{user.id}/actif", {"actif": "0"})
    assert r.status_code == 302
    assert accounts.by_login("mel.partenaire").active is False
    assert _is_login_page(_replay(web_app, saved))
    assert _is_login_page(victim.get("/offres"))
    assert Client(web_app).login("mel.partenaire").status_code == 401
    # Enabled again: a new login works, the old cookie stays dead.
    assert admin.post(f"/admin/comptes/{user.id}/actif", {"actif": "1"}).status_code == 302
    assert Client(web_app).login("mel.partenaire").status_code == 302
    assert _is_login_page(_replay(web_app, saved))


@pytest.mark.parametrize(
    ("login", "target", "form", "status"),
    [
        ("vcl.charge", "mel.partenaire", {"actif": "0"}, 403),  # not an administrator
        ("admin", "mel.partenaire", {"actif": "peut-être"}, 422),
        ("admin", "admin", {"actif": "0"}, 409),  # not one's own account
        ("admin", None, {"actif": "0"}, 404),
    ],
)
def test_disable_refusals(world, client_for, login, target, form, status):
    accounts = world.app.extensions["relogement.accounts"]
    user_id = accounts.by_login(target).id if target else 999_999
    r = client_for(login).post(f"/admin/comptes/{user_id}/actif", form)
    assert r.status_code == status
    assert "<html" in r.text.lower() and "Traceback" not in r.text


def test_old_accounts_table_gains_the_session_generation(database_url, tmp_path):
    # A database created before session_version: the column is added at start-up.
    from sqlalchemy import create_engine

    from relogement.platform.config import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE web_users (id INTEGER PRIMARY KEY, login VARCHAR(80) UNIQUE, "
            "display_name VARCHAR(200), password_hash VARCHAR(300), org_id VARCHAR(36), "
            "role VARCHAR(40), active BOOLEAN, created_at TIMESTAMP)"
        ))
        conn.execute(text(
            "INSERT INTO web_users VALUES (1, 'ancien', 'Ancien', 'x', "
            "'00000000-0000-0000-0000-000000000001', 'partenaire', TRUE, CURRENT_TIMESTAMP)"
        ))
    accounts = Accounts(engine)
    accounts.create_tables()
    accounts.create_tables()  # idempotent
    user = accounts.get(1)
    assert user is not None and user.session_version == 0 and user.get_id() == "1:0"
    accounts.end_sessions(1)
    assert accounts.get(1).get_id() == "1:1"
    engine.dispose()


def test_changing_ones_own_password_ends_the_other_sessions(world, client_for):
    """Mon compte › Changer le mot de passe: the other browsers' sessions end, this one
    goes on; the old password no longer opens a session."""
    web_app = world.app
    here = client_for("lmh.charge")
    elsewhere = client_for("lmh.charge")
    saved = _cookie(elsewhere)
    page = here.get("/mon-compte/mot-de-passe")
    assert page.status_code == 200 and "Changer mon mot de passe" in page.text
    r = here.post(
        "/mon-compte/mot-de-passe",
        {
            "mot_de_passe_actuel": "demo-relogement",
            "nouveau_mot_de_passe": "un-secret-tout-neuf",
            "confirmation": "un-secret-tout-neuf",
        },
    )
    assert r.status_code == 302
    assert here.get("/offres").status_code == 200  # this browser stays signed in
    assert _is_login_page(elsewhere.get("/offres"))
    assert _is_login_page(_replay(web_app, saved))
    assert Client(web_app).login("lmh.charge").status_code == 401  # old password
    assert Client(web_app).login("lmh.charge", "un-secret-tout-neuf").status_code == 302


def test_a_refused_password_change_says_why_and_changes_nothing(world, client_for):
    web_app = world.app
    client = client_for("lmh.charge")
    saved = _cookie(client)
    r = client.post(
        "/mon-compte/mot-de-passe",
        {"mot_de_passe_actuel": "faux", "nouveau_mot_de_passe": "court", "confirmation": "autre"},
    )
    assert r.status_code == 422
    assert "Le mot de passe actuel est incorrect." in r.text
    assert "trop court" in r.text
    assert "La confirmation ne correspond pas" in r.text
    assert client.get("/offres").status_code == 200
    assert _replay(web_app, saved).status_code == 200  # no session ended
    assert Client(web_app).login("lmh.charge").status_code == 302  # password unchanged
    assert _is_login_page(Client(web_app).get("/mon-compte/mot-de-passe"))


def test_a_session_ends_eight_hours_after_login_however_active(world, client_for, monkeypatch):
    # The cookie is signed at login (and when a message is shown), not on every page:
    # its signed time is the login's, so browsing does not extend it past a working day.
    import time

    from itsdangerous.timed import TimestampSigner

    started = int(time.time())
    offset = [0]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: started + offset[0])
    client = client_for("vcl.charge")
    assert client.get("/offres").status_code == 200
    for hours in (2, 4, 6, 7.9):
        offset[0] = int(hours * 3600)
        assert client.get("/offres").status_code == 200, hours
    offset[0] = 8 * 3600 + 60
    assert _is_login_page(client.get("/offres"))
