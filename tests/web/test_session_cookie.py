"""The session cookie is signed without zlib (web/session_cookie.py), and a cookie
compressed by Flask's default interface is still accepted (both databases)."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


def test_the_session_is_signed_uncompressed_and_old_cookies_still_open(world, client_for):
    app = world.app
    officer = client_for("vcl.charge")
    cookie = officer.client.get_cookie("relogement_session").value
    assert not cookie.startswith(".")  # "." marks a zlib payload
    assert officer.get("/a-traiter").status_code == 200

    # A cookie of the same session, signed by Flask's default (compressing) interface.
    with app.test_request_context("/"):
        default = SecureCookieSessionInterface().get_signing_serializer(app)
        ours = app.session_interface.get_signing_serializer(app)
        data = ours.loads(cookie)
        compressed = default.dumps(data)
    assert compressed.startswith(".")
    other = app.test_client()
    other.set_cookie("relogement_session", compressed)
    page = other.get("/a-traiter")
    assert page.status_code == 200 and "vcl.charge" in page.text

    # Tampered: refused (back to the login page), as before.
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    stranger = app.test_client()
    stranger.set_cookie("relogement_session", tampered)
    assert stranger.get("/a-traiter").status_code in (302, 401)
