"""The composition root (runtime/): one place builds and wires the services; the domain
holds no infrastructure and the web layer speaks no SQL.

- platform/ imports no SQL, no read side, no web, no composition root (AST scan);
- the web modules of the factory import no sqlalchemy;
- bootstrap hangs the read models' catch-up on ``RelocationApp.on_saved`` (no override of
  the library's private ``_notify`` anywhere), on SQLite and PostgreSQL;
- an erasure purges the identity read model through the read side's purge hook;
- the domain application cannot be built without its privacy infrastructure, and the
  runtime one keeps the application name (hence the events table).
"""

from __future__ import annotations

import ast
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from relogement.platform.application import RelocationApp as DomainRelocationApp
from relogement.projections.read_models import household_identity
from relogement.runtime.application import RelocationApp
from relogement.runtime.bootstrap import bootstrap
from relogement.runtime.erasure import PURGE_HOOKS
from relogement.simulation import sample

ROOT = Path(__file__).resolve().parents[1]
# The web modules this package owns (blueprints and the read side are their own files).
WEB_WITHOUT_SQL = [
    "__init__.py", "accounts.py", "identity_views.py", "login.py", "page_reads.py",
    "report_warmup.py", "settings.py", "security_headers.py", "blueprints/health.py",
]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_imports_no_infrastructure():
    forbidden = ("sqlalchemy", "click", "flask", "apscheduler", "relogement.projections",
                 "relogement.web", "relogement.runtime", "relogement.simulation")
    breaches = {
        f"{path.name}: {name}"
        for path in (ROOT / "platform").glob("*.py")
        for name in _imports(path)
        if name.startswith(forbidden)
    }
    assert breaches == set()


def test_the_web_factory_speaks_no_sql_and_builds_no_runtime():
    breaches = {
        f"{name}: {module}"
        for name in WEB_WITHOUT_SQL
        for module in _imports(ROOT / "web" / name)
        if module.startswith(("sqlalchemy", "relogement.runtime"))
    }
    assert breaches == set()


def test_no_application_overrides_the_librarys_private_notify():
    import relogement.web as web

    assert not hasattr(web, "WebRelocationApp")
    ours = [cls for cls in RelocationApp.__mro__ if cls.__module__.startswith("relogement.")]
    assert ours and all("_notify" not in vars(cls) for cls in ours)


def test_bootstrap_catches_the_read_models_up_after_each_save(database_url, clock, tmp_path):
    services = bootstrap(
        {"DATABASE_URL": database_url, "CLOCK": clock, "RELOGEMENT_DATA_DIR": str(tmp_path)}
    )
    try:
        app = services.relocation
        assert isinstance(app, RelocationApp)
        app.register_organisation("Bailleur A", "bailleur", "BA", by_user="admin")
        # No polling, no explicit catch-up: the on_saved listener did it.
        assert services.runner.position() == app.recorder.max_notification_id() == 1
        assert services.accounts.all() == []  # the accounts' tables exist
        assert services.secret_key == (tmp_path / "secret_key").read_text().strip()
    finally:
        services.close()


def test_an_erasure_purges_the_identity_read_model_at_once(database_url, clock, tmp_path):
    services = bootstrap(
        {"DATABASE_URL": database_url, "CLOCK": clock, "RELOGEMENT_DATA_DIR": str(tmp_path)}
    )
    try:
        app = services.relocation
        world = sample.build_world(app)
        household_id = sample.register(world, name="Famille Témoin")
        identity = select(household_identity.c.household_id).where(
            household_identity.c.household_id == UUID(str(household_id)).hex
        )
        with services.runner.engine.connect() as conn:
            assert conn.execute(identity).first() is not None
        services.relocation._saved_listeners.clear()  # keep the runner behind from here
        assert app.erase_household(household_id, world.actor("MEL"), "demande", "Demande écrite")
        # The runner never saw HouseholdErased: the hook purged the row.
        assert services.runner.position() < app.recorder.max_notification_id()
        with services.runner.engine.connect() as conn:
            assert conn.execute(identity).first() is None
        hooks = {hook.__module__ for hook in PURGE_HOOKS}
        assert "relogement.projections.identity_purge" in hooks
    finally:
        services.close()


def test_the_domain_application_needs_its_privacy_infrastructure(tmp_path):
    with pytest.raises(TypeError, match="runtime.application.RelocationApp"):
        DomainRelocationApp(f"sqlite:///{tmp_path / 'events.sqlite'}")


def test_the_runtime_application_keeps_the_events_table():
    assert RelocationApp.name == DomainRelocationApp.name == "Relogement"


def test_the_cli_and_the_scheduler_are_built_by_the_bootstrap(tmp_path, monkeypatch):
    """Every entry point builds its application in runtime/bootstrap.py: the web app and
    the scheduler through ``bootstrap``, the CLI's one-shot commands through
    ``build_application`` (which ``bootstrap`` itself uses)."""
    from click.testing import CliRunner

    from relogement.runtime import bootstrap as root
    from relogement.runtime.cli import main as cli

    built: list[str | None] = []
    real = root.build_application

    def counting(database=None, clock=None):  # noqa: ANN001, ANN202
        built.append(database)
        return real(database, clock)

    monkeypatch.setattr(root, "build_application", counting)
    monkeypatch.setenv("RELOGEMENT_DATA_DIR", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    for args in (["init-db"], ["scheduler", "--once"], ["privacy", "due"]):
        result = CliRunner().invoke(cli, ["--database", url, *args])
        assert result.exit_code == 0, (args, result.output)
    assert built == [url, url, url]
