"""The page's form token is signed once per session and second in a worker, and is the
token flask-wtf would have signed: forms posted with it are accepted, another session's
or a tampered one refused (web/form_tokens.py)."""

from __future__ import annotations

import time

import flask_wtf.csrf
from flask_wtf.csrf import validate_csrf
from itsdangerous import URLSafeTimedSerializer

from tests.web.conftest import HX_TOKEN


def _token(client, path: str = "/a-traiter") -> str:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200
    return HX_TOKEN.search(response.get_data(as_text=True)).group(1)


def test_the_token_is_flask_wtf_s_for_the_second(world, client_for, monkeypatch):
    app = world.app
    officer = client_for("vcl.charge")
    _token(officer)  # the session holds its raw token from here on
    now = [int(time.time()) + 2.2]  # a second no page was signed in yet
    monkeypatch.setattr(time, "time", lambda: now[0])
    signed = []

    class Counting(URLSafeTimedSerializer):
        def dumps(self, obj, salt=None):  # noqa: ANN001, ANN201
            signed.append(obj)
            return super().dumps(obj, salt)

    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", Counting)
    first, again = _token(officer), _token(officer, "/menages")
    assert len(signed) == 1  # two pages in one second: signed once
    with officer.client.session_transaction() as session:
        raw = session["csrf_token"]
    expected = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    assert first == again == expected
    now[0] += 1  # the next second: signed again, with that second
    later = _token(officer)
    assert later != first and len(signed) == 2
    assert later == URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    with app.test_request_context():
        from flask import session as request_session

        request_session["csrf_token"] = raw
        validate_csrf(later)  # raises if flask-wtf refused it


def test_each_session_has_its_own_token_and_a_kept_one_is_accepted(world, client_for, monkeypatch):
    second = int(time.time()) + 0.5
    monkeypatch.setattr(time, "time", lambda: second)  # one second for both sessions
    officer, partner = client_for("vcl.charge"), client_for("mel.partenaire")
    _token(officer), _token(partner)
    mine, theirs = _token(officer), _token(partner)
    assert mine != theirs
    assert _token(officer) == mine  # kept for the second
    # The kept token is accepted by a form (mark every notice read), the other session's not.
    assert officer.post("/notifications/lues", data={"tout": "oui", "csrf_token": theirs}).status_code == 400
    assert officer.post("/notifications/lues", data={"tout": "oui", "csrf_token": mine}).status_code in (200, 302, 303)
