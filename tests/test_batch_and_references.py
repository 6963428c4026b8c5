"""Imports are atomic and references are unique per project, even under races."""

from __future__ import annotations

import threading

import pytest

from relogement.platform.application import NewHousehold, NewOffer
from relogement.platform.errors import DomainError
from relogement.platform.values import PersonalData
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample


def _row(world, reference, operation="DEM-FAU-1", name="Famille Test"):
    return NewHousehold(
        operation=operation,
        bailleur_org=world.orgs["LMH"],
        situation=sample.situation(),
        personal=PersonalData(name=name),
        reference=reference,
    )


def test_batch_registration_is_all_or_nothing(app):
    world = sample.build_world(app)
    before = app.recorder.max_notification_id()
    rows = [_row(world, "IMP-001"), _row(world, "IMP-002"), _row(world, "IMP-003", operation="NOPE")]
    with pytest.raises(DomainError) as error:
        app.register_households(world.project_id, rows, world.actor("LMH"))
    assert error.value.code == "unknown_operation"
    assert app.recorder.max_notification_id() == before

    ids = app.register_households(world.project_id, rows[:2], world.actor("LMH"))
    assert [app.household(i).reference for i in ids] == ["IMP-001", "IMP-002"]
    assert app.recorder.max_notification_id() == before + 2


def test_household_reference_is_unique_in_the_project(app):
    world = sample.build_world(app)
    app.register_households(world.project_id, [_row(world, "M-42")], world.actor("LMH"))
    before = app.recorder.max_notification_id()
    with pytest.raises(DomainError) as error:
        app.register_households(world.project_id, [_row(world, "M-42", name="Autre")], world.actor("LMH"))
    assert error.value.code == "reference_taken"
    assert "M-42" in error.value.message
    # Twice in one file is refused too, and nothing of that file is stored.
    with pytest.raises(DomainError):
        app.register_households(
            world.project_id, [_row(world, "M-43"), _row(world, "M-43")], world.actor("LMH")
        )
    assert app.recorder.max_notification_id() == before


def test_offer_references_unique_and_batch_atomic(app):
    world = sample.build_world(app)
    vcl = world.actor("VCL")
    ids = app.publish_offers(
        world.project_id, [NewOffer(sample.dwelling(), reference="VCL-1"), NewOffer(sample.dwelling())], vcl
    )
    assert app.offer(ids[0]).reference == "VCL-1"
    assert app.offer(ids[1]).reference == "VCL-2026-00001"  # issue 23: the readable scheme
    with pytest.raises(DomainError) as error:
        app.publish_offer(world.project_id, sample.dwelling(), vcl, reference="VCL-1")
    assert error.value.code == "reference_taken"


def test_concurrent_registrations_of_one_reference_store_one_household(app, database_url, clock):
    world = sample.build_world(app)
    apps = [RelocationApp(database_url, clock=clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(a):
        barrier.wait()
        try:
            a.register_households(world.project_id, [_row(world, "RACE-1")], world.actor("LMH"))
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=register, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a in apps:
        a.close()
    assert sorted(outcomes) == ["ok", "reference_taken"]
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    created = [n for n in notifications if n.topic.endswith("HouseholdRegistered")]
    assert len(created) == 1
