"""The access log has one writer: the identity views a page shows go through
``RelocationApp.record_personal_data_access`` (the privacy layer's function), the web
never inserts into ``privacy.access_log`` itself. Both databases."""

from __future__ import annotations


def test_identity_views_are_written_through_the_application(world, client_for):
    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    calls = []
    write = app.record_personal_data_access

    def spy(household_ids, actor, purpose="consultation", role=None):  # noqa: ANN001, ANN202
        calls.append((list(household_ids), actor.user, actor.org, purpose, role))
        return write(household_ids, actor, purpose, role)

    app.record_personal_data_access = spy
    before = len(app.access_log(household_id=household))
    officer = client_for("vcl.charge")
    assert "Famille Benali" in officer.get(f"/menages/{household}").text
    assert calls == [([household], "vcl.charge", world.world.orgs["VCL"], "fiche ménage", "charge_relogement")]
    entries = app.access_log(household_id=household)
    assert len(entries) == before + 1
    assert (entries[0].user, entries[0].purpose, entries[0].role) == ("vcl.charge", "fiche ménage", "charge_relogement")

    # A pseudonymised page writes nothing.
    calls.clear()
    client_for("lmh.charge").get(f"/menages/{household}")
    assert calls == []
