"""Fixtures for the web tests: a Flask app on a fresh database (SQLite and PostgreSQL),
the sample world with demo accounts, and a logged-in test client per demo login."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from relogement.runtime import create_app
from relogement.simulation import sample
from relogement.web.demo_accounts import DEMO_PASSWORD, create_demo_accounts
from tests.conftest import IN_CI

# -- browser tests (Debian's Chromium through Playwright) ----------------------------------
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # screenshots, for a look
# Marked "browser"; skipped when Chromium is absent, a failure with CI=true.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not IN_CI,
        reason=f"{CHROMIUM} absent (apt-get install -y chromium); required when CI=true",
    ),
]


def browser_test(function: Any) -> Any:
    """BROWSER_MARKS on one test (a module puts them in ``pytestmark``)."""
    for mark in reversed(BROWSER_MARKS):
        function = mark(function)
    return function


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium as our users see the app: French, dates and times included (date
    and time inputs follow the system locale), without the browser's own network chatter."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run", "--lang=fr-FR"],
        env={**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr_FR:fr", "LC_ALL": "fr_FR.UTF-8"},
    )

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# The signed CSRF token carries the second it was signed in: two reads of the same page a
# second apart differ there only. Pages compared whole are compared without it.
SIGNED_TOKEN = re.compile(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+"')


def without_signed_tokens(html: str) -> str:
    return SIGNED_TOKEN.sub(r'\1…"', html)
HX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')

# What only the household's own officers may ever see (sample.register's personal data).
HIDDEN = ("Famille Benali", "06 12 34 56 78", "Suivi social en cours.")


@pytest.fixture
def web_app(database_url, clock, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "RELOGEMENT_DATA_DIR": str(tmp_path),
            "CLOCK": clock,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            # Report files are produced in the background; tests wait for them.
            "RELOGEMENT_REPORT_WAIT_SECONDS": 60,
            # No simulation service unless a test sets one (test_simulated_aid_web.py): a
            # refused connection is immediate, and the pages say "simulation indisponible".
            "SIMULATION_URL": "http://127.0.0.1:9",
        }
    )
    try:
        yield app
    finally:
        app.extensions["relogement"].close()


@dataclass
class World:
    app: object
    world: sample.SampleWorld
    ids: dict[str, UUID] = field(default_factory=dict)


@pytest.fixture
def world(web_app) -> World:
    relocation = web_app.extensions["relogement"]
    w = sample.build_world(relocation)
    create_demo_accounts(
        web_app.extensions["relogement.accounts"],
        web_app.extensions["relogement.readmodels"].organisations(),
    )
    ids = {
        # Bailleur B (Vilogia) follows its own household; bailleur A (LMH) offers a dwelling.
        "household": sample.register(w, bailleur="VCL", name="Famille Benali"),
        "offer": relocation.publish_offer(w.project_id, sample.dwelling(), w.actor("LMH")),
        "offer2": relocation.publish_offer(
            w.project_id, sample.dwelling(typology="T3", commune="Lille", qpv=True), w.actor("LMH")
        ),
    }
    return World(web_app, w, ids)


class Client:
    """A test client that logs in and sends the CSRF token with every POST."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.token = ""

    def login(self, login: str, password: str = DEMO_PASSWORD):
        page = self.client.get("/connexion")
        self.token = TOKEN.search(page.text).group(1)
        response = self.client.post(
            "/connexion", data={"identifiant": login, "mot_de_passe": password, "csrf_token": self.token}
        )
        if response.status_code == 302:
            # A new session after login: take the fresh token from a page.
            page = self.client.get("/offres")
            match = HX_TOKEN.search(page.text)
            if match:
                self.token = match.group(1)
        return response

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def client_for(web_app) -> Iterator:
    def make(login: str | None) -> Client:
        client = Client(web_app)
        if login:
            response = client.login(login)
            assert response.status_code == 302, f"login {login}: {response.status_code}"
        else:
            page = client.get("/connexion")
            client.token = TOKEN.search(page.text).group(1)
        return client

    yield make


# -- browser tests on a realistic programme ------------------------------------------


def demo_programme(tmp_path_factory, name: str, seed: int) -> str:  # noqa: ANN001
    """A realistic programme: the demo generator, 40 households over three years ending now."""
    from relogement.simulation import demo

    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'programme.sqlite'}"
    from relogement.runtime.application import RelocationApp

    demo.load(url, households=40, seed=seed, start=demo.default_start(), app_factory=RelocationApp)
    return url


@contextmanager
def served(database_url: str, data_dir, secret: str) -> Iterator[tuple[str, object]]:  # noqa: ANN001
    """The web app on ``database_url``, with the demo accounts, on a free loopback port:
    (its address, the Flask app). Never waits for a report file (the PDF goes through the
    "en préparation" page)."""
    from werkzeug.serving import make_server

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "RELOGEMENT_DATA_DIR": str(data_dir),
            "RELOGEMENT_REPORT_WAIT_SECONDS": 0,
        }
    )
    create_demo_accounts(
        app.extensions["relogement.accounts"], app.extensions["relogement.readmodels"].organisations()
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", app
    finally:
        httpd.shutdown()
        app.extensions["relogement"].close()
