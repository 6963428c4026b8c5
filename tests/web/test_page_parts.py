"""The semestrial report page sent in three parts around its kept body
(web/page_parts.py): the same bytes as one rendered page, its length announced."""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader
from markupsafe import Markup

from relogement.web.page_parts import MARKER, encoded, page_around
from tests.web.conftest import without_signed_tokens
from tests.web.test_web_reports_privacy import _lease


def test_the_report_page_is_sent_whole_with_its_length(world, client_for, clock):
    _lease(world.app.extensions["relogement"], world, world.ids["household"], world.ids["offer"], clock)
    city = client_for("vls.partenaire")
    first = city.get("/rapport-semestriel?semestre=2026-S1")
    again = city.get("/rapport-semestriel?semestre=2026-S1")  # its body from the cache
    assert first.status_code == again.status_code == 200
    assert without_signed_tokens(first.text) == without_signed_tokens(again.text)
    assert int(first.headers["Content-Length"]) == len(first.data)
    html = first.data.decode()
    assert MARKER not in html and html.rstrip().endswith("</html>")
    assert html.count("<html") == 1 and "Relogés par un autre bailleur" in html
    head = city.client.head("/rapport-semestriel?semestre=2026-S1")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def _app() -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({
        "page.html": "<html><h1>{{ title }}</h1>{{ body }}<p>fin – {{ title }}</p></html>",
        "no_body.html": "<html>{{ title }}</html>",
    })
    return app


def test_page_around_sends_the_bytes_of_a_whole_rendering():
    body = "<table><tr><td>Évry – 1 234,56 €</td></tr></table>"
    with _app().test_request_context("/"):
        whole = render_template("page.html", title="Rapport <S1>", body=Markup(body)).encode()
        parts = page_around("page.html", encoded(Markup(body)), 200, title="Rapport <S1>")
        assert parts.get_data() == whole
        assert int(parts.headers["Content-Length"]) == len(whole)
        assert parts.mimetype == "text/html"
        # A template that does not show the body is sent as rendered.
        other = page_around("no_body.html", b"<p>x</p>", 400, title="Erreur")
        assert other.status_code == 400 and other.get_data() == b"<html>Erreur</html>"
