"""What an attacker tries first, kept as regression tests (docs/security.md lists the
rest): an open redirect after login, SQL injection through the search and filter
parameters, stored script injection in a household's name."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from relogement.simulation import sample
from tests.web.conftest import Client

OUTSIDE = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "http:evil.example"]


@pytest.mark.parametrize("target", OUTSIDE)
def test_login_never_redirects_outside_the_site(world, target):
    client = Client(world.app)
    page = client.client.get("/connexion")
    from tests.web.conftest import TOKEN

    token = TOKEN.search(page.text).group(1)
    response = client.client.post(
        f"/connexion?next={quote(target, safe='')}",
        data={"identifiant": "vcl.charge", "mot_de_passe": "demo-relogement", "csrf_token": token},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost"), response.headers["Location"]
    assert "evil.example" not in response.headers["Location"]


SQL = ["' OR '1'='1", "'; DROP TABLE rm_households; --", "1) OR (1=1", "%' OR 1=1 --"]


@pytest.mark.parametrize("payload", SQL)
def test_search_and_filters_are_not_sql(world, client_for, payload):
    reference = world.app.extensions["relogement"].household(world.ids["household"]).reference
    outsider = client_for("lmh.charge")  # may not identify Benali (Vilogia's household)
    page = outsider.get(f"/menages?recherche={quote(payload)}")
    assert page.status_code in (200, 400)
    assert reference not in page.text
    for url in (f"/offres?quartier={quote(payload)}", f"/offres?typologie={quote(payload)}",
                f"/propositions?etat={quote(payload)}", f"/menages?etat={quote(payload)}"):
        assert outsider.get(url).status_code in (200, 400), url
    # The tables are still there and still answer.
    assert reference in client_for("vcl.charge").get("/menages").text


def test_a_script_in_a_name_is_shown_as_text(world, client_for):
    household = sample.register(world.world, bailleur="VCL", name="<script>alert(1)</script>")
    page = client_for("vcl.charge").get(f"/menages/{household}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    listing = client_for("vcl.charge").get("/menages").text
    assert "<script>alert(1)" not in listing
