"""Issue 23, point 10: one readable reference scheme for every creation, per bailleur
and year (``VCL-2026-00001`` for an offer, ``LMH-2026-M00001`` for a household), unique in
the project, whatever creates it (form, import, CLI: they all reach the same use case)."""

from __future__ import annotations

import pytest

from relogement.platform.application import NewHousehold, NewOffer, first_free
from relogement.platform.errors import DomainError
from relogement.platform.values import PersonalData
from relogement.simulation import sample


def _household(world, reference=None, bailleur="LMH"):
    return NewHousehold(
        operation="DEM-FAU-1", bailleur_org=world.orgs[bailleur], situation=sample.situation(),
        personal=PersonalData(name="Famille Test"), reference=reference,
    )


def test_first_free_asks_few_questions():
    asked: list[int] = []

    def free(n: int) -> bool:
        asked.append(n)
        return n > 1000  # 1..1000 taken

    assert first_free(free) == 1001
    assert len(asked) <= 2 * 11 + 1  # doubling to 1024 (11 steps), bisecting 512..1024 (9)
    assert first_free(lambda n: n != 1) == 2
    assert first_free(lambda n: True) == 1


def test_offers_and_households_numbered_per_bailleur_and_year(app, clock):
    world = sample.build_world(app)  # the sample clock: 2026
    vcl, lmh = world.actor("VCL"), world.actor("LMH")
    first = app.publish_offers(world.project_id, [NewOffer(sample.dwelling()), NewOffer(sample.dwelling())], vcl)
    assert [app.offer(i).reference for i in first] == ["VCL-2026-00001", "VCL-2026-00002"]
    # Another bailleur has its own series; a household's series is marked M (ménage).
    assert app.offer(app.publish_offer(world.project_id, sample.dwelling(), lmh)).reference == "LMH-2026-00001"
    h = app.register_households(world.project_id, [_household(world), _household(world)], lmh)
    assert [app.household(i).reference for i in h] == ["LMH-2026-M00001", "LMH-2026-M00002"]
    # The MOUS registers a household for its bailleur: the bailleur's series.
    mous = app.register_household(
        world.project_id, "DEM-FAU-1", world.orgs["VCL"], sample.situation(), PersonalData(name="Famille M"),
        world.actor("MOUS"),
    )
    assert app.household(mous).reference == "VCL-2026-M00001"
    # A reference typed by hand in the series is never given twice.
    app.publish_offer(world.project_id, sample.dwelling(), vcl, reference="VCL-2026-00003")
    assert app.offer(app.publish_offer(world.project_id, sample.dwelling(), vcl)).reference == "VCL-2026-00004"
    # A new year starts a new series.
    clock.advance(days=365)
    assert app.offer(app.publish_offer(world.project_id, sample.dwelling(), vcl)).reference == "VCL-2027-00001"


def test_a_series_is_the_bailleurs_across_its_projects(app):
    """Two projects, one bailleur: its generated references never repeat."""
    world = sample.build_world(app)
    vcl = world.actor("VCL")
    first = app.offer(app.publish_offer(world.project_id, sample.dwelling(), vcl)).reference
    other = app.create_project(
        "NPNRU Roubaix", "RBX",
        [{"code": "RS-PAV", "name": "Pavé", "commune": "Roubaix", "qpv": True}],
        [{"code": "DEM-PAV-1", "name": "Démolition", "kind": "demolition", "quartier": "RS-PAV"}],
        world.actor("MEL"),
    )
    app.add_partner(other, world.orgs["VCL"], world.actor("MEL"))
    second = app.offer(app.publish_offer(other, sample.dwelling(), vcl)).reference
    assert (first, second) == ("VCL-2026-00001", "VCL-2026-00002")
    # Typed by hand elsewhere, a reference of the series is refused.
    with pytest.raises(DomainError) as error:
        app.publish_offer(other, sample.dwelling(), vcl, reference="VCL-2026-00001")
    assert error.value.code == "reference_taken"
