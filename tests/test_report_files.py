"""The store of frozen semestrial report files (projections/report_files.py), on SQLite and
PostgreSQL: a file is read back only under its whole key, stored once, and the key names
everything the content depends on."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from sqlalchemy import update

from relogement.projections import report_files as rf
from relogement.projections.machinery import make_engine


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_stored_once_and_read_back_only_under_its_whole_key(engine):
    project = uuid4()
    key = rf.key_text(project, 2026, 1, None, "personne", 120, "pdf")
    assert rf.load(engine, key) is None
    assert rf.store(engine, key, b"%PDF first") is True
    assert rf.store(engine, key, b"%PDF second") is False  # the first one stays
    assert rf.load(engine, key) == b"%PDF first"
    for other in (
        rf.key_text(project, 2026, 1, None, "personne", 121, "pdf"),  # another position
        rf.key_text(project, 2026, 1, None, "personne", 120, "xlsx"),
        rf.key_text(project, 2026, 1, "LS-FAU", "personne", 120, "pdf"),
        rf.key_text(project, 2026, 1, None, "uc", 120, "pdf"),
        rf.key_text(project, 2026, 2, None, "personne", 120, "pdf"),
        rf.key_text(project, 2025, 1, None, "personne", 120, "pdf"),
        rf.key_text(uuid4(), 2026, 1, None, "personne", 120, "pdf"),
    ):
        assert other != key
        assert rf.load(engine, other) is None
    # A row whose key text differs from the one asked (whatever its digest) is not served.
    with engine.begin() as conn:
        conn.execute(update(rf.report_files).values(key_text=key.replace('"pdf"', '"PDF"')))
    assert rf.load(engine, key) is None


def test_the_key_names_the_code_and_every_parameter(engine):
    key = json.loads(rf.key_text(uuid4().hex, 2026, 2, "LS-FAU", "uc", 7, "xlsx"))
    assert key["code"] == rf.code_digest() and len(key["code"]) == 64
    assert (key["year"], key["half"], key["quartier"], key["convention"], key["position"], key["fmt"]) == (
        2026, 2, "LS-FAU", "uc", 7, "xlsx"
    )
    with pytest.raises(ValueError):
        rf.key_text(uuid4(), 2026, 1, None, "personne", 1, "html")
