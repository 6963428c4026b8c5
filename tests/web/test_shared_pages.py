"""Page bodies kept once for every worker of a server (web/shared_pages.py): a worker
serves a « Ménages correspondants » page another worker made without ranking it again,
never to a user who may not see or do what it shows, and never after a new event."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from relogement.runtime import create_app
from relogement.simulation import sample
from relogement.web import matching_reader as mr
from relogement.web.shared_pages import SharedPages, code_version, digest
from tests.web.conftest import Client, without_signed_tokens

NBSP = "\u00a0"
KEY = ("menages-correspondants", UUID(int=7), 42, date(2026, 12, 7), Decimal("6.50"), (True, False), None, "")


def test_a_body_made_by_one_process_is_read_by_another(tmp_path):
    one, other = SharedPages(tmp_path), SharedPages(tmp_path)
    assert one.get_or_render(KEY, lambda: b"corps un") == b"corps un"

    def never() -> bytes:
        raise AssertionError("rendered again")

    assert other.get_or_render(KEY, never) == b"corps un"
    assert other.get_or_render(KEY + ("autre",), lambda: b"corps deux") == b"corps deux"
    assert len(one) == 2


def test_the_key_is_the_same_digest_in_another_process():
    # Another interpreter has its own string hashes: the digest must not depend on them.
    code = ("import datetime; from decimal import Decimal; from uuid import UUID; "
            "from relogement.web.shared_pages import digest; "
            f"print(digest({KEY!r}).hex())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert out.stdout.strip() == digest(KEY).hex()


@pytest.mark.parametrize("shared", [True, False])
def test_the_oldest_bodies_are_dropped_beyond_the_size(tmp_path, shared, monkeypatch):
    monkeypatch.setattr("relogement.web.shared_pages.EVICT_EVERY", 1)
    pages = SharedPages(tmp_path if shared else None, size=5)
    for n in range(20):
        pages.get_or_render(("page", n), lambda n=n: f"corps {n}".encode())
    assert len(pages) == 5
    assert pages.get_or_render(("page", 19), lambda: b"rendu") == b"corps 19"
    assert pages.get_or_render(("page", 0), lambda: b"rendu") == b"rendu"


def test_a_store_that_fails_renders_the_page(tmp_path, caplog):
    (tmp_path / "fichier").write_text("")
    pages = SharedPages(tmp_path / "fichier" / "pages")  # a file in its path: every read and write fails
    with caplog.at_level(logging.WARNING):
        assert pages.get_or_render(KEY, lambda: b"corps") == b"corps"
        assert pages.get_or_render(KEY, lambda: b"corps encore") == b"corps encore"
    assert sum("pages gardées communes indisponibles" in r.getMessage() for r in caplog.records) == 1


def _worker(database_url: str, clock, data_dir, shared) -> object:  # noqa: ANN001
    return create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
        "RELOGEMENT_DATA_DIR": str(data_dir), "CLOCK": clock, "LOGIN_RATE_LIMIT": "1000 per minute",
        "SIMULATION_URL": "http://127.0.0.1:9", "RELOGEMENT_SHARED_PAGES": str(shared),
    })


def _client(app, login: str) -> Client:
    client = Client(app)
    assert client.login(login).status_code == 302
    return client


def _page(client: Client, offer: UUID) -> str:
    page = client.get(f"/offres/{offer}/menages-correspondants")
    assert page.status_code == 200
    return without_signed_tokens(page.text)


def test_a_worker_serves_the_page_another_worker_ranked(world, database_url, clock, tmp_path, monkeypatch):
    offer, household = world.ids["offer"], world.ids["household"]
    reference = world.app.extensions["relogement"].household(household).reference
    apps = [_worker(database_url, clock, tmp_path / "data", tmp_path / "pages") for _ in range(2)]
    try:
        first = _page(_client(apps[0], "vcl.charge"), offer)
        assert reference in first and "Proposer à ce ménage" in first

        def not_again(*args, **kwargs):  # noqa: ANN002, ANN003
            raise AssertionError("ranked again by the second worker")

        monkeypatch.setattr(mr, "_households_page", not_again)
        # The second worker has ranked nothing: it serves the first one's body.
        second = _client(apps[1], "vcl.charge")
        assert _page(second, offer) == first
        monkeypatch.undo()
        # The auditor may not propose: the officer's body is not theirs.
        audited = _page(_client(apps[1], "anru.auditeur"), offer)
        assert "Proposer à ce ménage" not in audited
        # A new event (the household's aid) is a new read position: a new body, in both workers.
        world.app.extensions["relogement"].update_situation(
            household, sample.situation(apl_cents=23_400), world.world.actor("VCL"))
        for app in apps:
            changed = _page(_client(app, "vcl.charge"), offer)
            assert f"aide 234,00{NBSP}€" in changed and f"aide 234,00{NBSP}€" not in first
    finally:
        for app in apps:
            app.extensions["relogement"].close()


def test_gunicorn_arbiter_makes_the_folder_and_removes_it(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from relogement.web import gunicorn_conf

    monkeypatch.setenv(gunicorn_conf.SHARED_PAGES, "")  # unset, and put back as it was after the test
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    server = SimpleNamespace()
    gunicorn_conf.on_starting(server)
    folder = os.environ[gunicorn_conf.SHARED_PAGES]  # the workers it forks inherit it
    assert os.path.isdir(folder) and os.stat(folder).st_mode & 0o777 == 0o700
    SharedPages(folder).get_or_render(KEY, lambda: b"corps")
    gunicorn_conf.on_exit(server)
    assert not os.path.exists(folder)
    # A folder set by the operator is theirs: used, never removed.
    monkeypatch.setenv(gunicorn_conf.SHARED_PAGES, str(tmp_path / "choisi"))
    other = SimpleNamespace()
    gunicorn_conf.on_starting(other)
    gunicorn_conf.on_exit(other)
    assert os.environ[gunicorn_conf.SHARED_PAGES] == str(tmp_path / "choisi")


def test_a_body_rendered_by_other_code_is_not_served(tmp_path):
    # gunicorn's workers after a deploy (a reload keeps the folder) run another code version.
    code = tmp_path / "code"
    (code / "templates").mkdir(parents=True)
    template = code / "templates" / "corps.html"
    template.write_text("<p>{{ a }}</p>")
    (code / "vues.py").write_text("X = 1\n")
    before = code_version([code])
    assert code_version([code]) == before
    template.write_text("<p>{{ a }} et {{ b }}</p>")
    after = code_version([code])
    assert after != before
    old, new = SharedPages(tmp_path / "pages", version=before), SharedPages(tmp_path / "pages", version=after)
    assert old.get_or_render(KEY, lambda: b"ancien corps") == b"ancien corps"
    assert new.get_or_render(KEY, lambda: b"nouveau corps") == b"nouveau corps"
    assert SharedPages(tmp_path / "pages", version=before).get_or_render(KEY, lambda: b"?") == b"ancien corps"
