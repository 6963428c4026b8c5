"""Verifiable history in the web: auditors and admins verify the chain and export it."""

from __future__ import annotations

import json

from sqlalchemy import text

from relogement.projections import build_runner
from relogement.projections.machinery import make_engine


def _seal(world) -> None:
    runner = build_runner(world.app.extensions["relogement"])
    try:
        runner.catch_up()
    finally:
        runner.close()


def test_auditor_verifies_and_exports_the_history(world, client_for, database_url):
    _seal(world)
    relocation = world.app.extensions["relogement"]
    events = relocation.recorder.max_notification_id()
    auditor = client_for("anru.auditeur")

    page = auditor.get("/admin/historique-verifiable")
    assert page.status_code == 200
    assert "Chaîne intègre" in page.text
    head_position, head_hash = relocation.audit_chain.head()
    assert head_position == events and head_hash in page.text

    export = auditor.get("/admin/historique-verifiable/historique.jsonl")
    assert export.status_code == 200
    assert export.headers["X-Chain-Head"] == head_hash
    lines = [json.loads(line) for line in export.text.splitlines() if line.strip()]
    assert len(lines) == events
    # Personal data stays sealed in the export.
    assert "Famille Benali" not in export.text

    # Someone rewrites a stored event behind the platform's back: the page shows where.
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE relogement_events SET state = :s WHERE id = :i"),
                {"s": b'{"forged": true}', "i": 5},
            )
    finally:
        engine.dispose()
    page = auditor.get("/admin/historique-verifiable")
    assert page.status_code == 200
    assert "Rupture de la chaîne à l'événement n° 5" in page.text


def test_partners_and_officers_cannot_export_the_history(world, client_for):
    for login in ("vls.partenaire", "lmh.charge"):
        client = client_for(login)
        assert client.get("/admin/historique-verifiable").status_code == 403
        assert client.get("/admin/historique-verifiable/historique.jsonl").status_code == 403
