"""The layout's addresses (web/layout_urls.py) are built once per mount point: the same
as ``url_for`` gives, under the application's prefix when it is mounted under one."""

from __future__ import annotations

from flask import url_for

from relogement.web.layout_urls import ENDPOINTS, layout_urls


def test_the_layout_links_are_url_for_s_under_each_mount_point(world, client_for):
    officer = client_for("vcl.charge")
    plain = officer.get("/a-traiter").text
    mounted = officer.get("/a-traiter", base_url="http://localhost/relogement").text
    assert 'href="/static/app.css"' in plain and 'href="/tableau-de-bord"' in plain
    assert 'href="/relogement/static/app.css"' in mounted and 'href="/relogement/tableau-de-bord"' in mounted
    assert 'href="/tableau-de-bord"' not in mounted
    app = world.app
    for root in ("", "/relogement"):
        with app.test_request_context("/", base_url="http://localhost" + root):
            urls = layout_urls()
            assert all(urls[endpoint] == url_for(endpoint) for endpoint in ENDPOINTS)
            assert urls["static/app.css"] == url_for("static", filename="app.css")
            assert urls["main.home"].startswith(root + "/")


def test_a_record_s_address_is_url_for_s_under_each_mount_point(world):
    from uuid import uuid4

    from relogement.web.layout_urls import id_url

    app = world.app
    for root in ("", "/relogement"):
        with app.test_request_context("/", base_url="http://localhost" + root):
            for value in (uuid4(), uuid4(), uuid4().hex):
                for endpoint, argument in (("households.file", "household_id"), ("offers.detail", "offer_id"),
                                           ("proposals.detail", "proposal_id")):
                    assert id_url(endpoint, argument, value) == url_for(endpoint, **{argument: value})
            # Anything but an id is left to url_for (quoted by it).
            assert id_url("households.file", "household_id", "a b/c") == url_for("households.file",
                                                                                household_id="a b/c")
            assert id_url("households.file", "household_id", uuid4()).startswith(root + "/menages/")


def test_the_households_list_links_each_row_to_its_file(world, client_for):
    officer = client_for("vcl.charge")
    household = world.ids["household"]
    for base, root in (("http://localhost", ""), ("http://localhost/relogement", "/relogement")):
        page = officer.get("/menages", base_url=base).text
        assert f'href="{root}/menages/{household}"' in page
