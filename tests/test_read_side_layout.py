"""Where the read side lives (plan 24, WP4): SQL on the read models in projections/queries,
views in projections/views, and a web layer that speaks no SQL and that projections never
import. The narrator says a fact by its class, not by its class name."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
# Web modules still holding SQL, each owned by another work package of plan 24
# (accounts and the factory → runtime/, the inbox and reports → projections/notices…).
WEB_SQL_LEFT = {"__init__.py", "accounts.py", "cli.py", "ratelimit_storage.py", "inbox.py", "reports.py"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, type-checking blocks included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_the_web_layer_speaks_no_sql():
    offenders = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "web").rglob("*.py")
        if p.relative_to(ROOT / "web").as_posix() not in WEB_SQL_LEFT
        and any(m == "sqlalchemy" or m.startswith("sqlalchemy.") for m in _imports(p))
    )
    assert offenders == []


def test_projections_never_import_the_web():
    offenders = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "projections").rglob("*.py")
        if any(m.startswith("relogement.web") for m in _imports(p))
    )
    assert offenders == []


def test_offers_are_read_by_one_query_module():
    """``rm_offers`` is selected in projections/queries/offers.py only (one query layer)."""
    readers = sorted(
        str(p.relative_to(ROOT))
        for base in ("web", "projections/queries")
        for p in (ROOT / base).rglob("*.py")
        if "relogement.projections.read_models.offers" in _imports(p)
    )
    assert readers == ["projections/queries/offers.py"]


def test_the_queries_package_keeps_the_old_names_without_shadowing_its_modules():
    import types

    from relogement.projections import queries as q

    for name in (
        "Db", "REFUSAL_LABELS", "HOUSEHOLD_STATUS_LABELS", "OFFER_STATUS_LABELS", "PROPOSAL_STATUS_LABELS",
        "OBJECTION_STATUS_LABELS", "PUBLIC_HOUSEHOLD_COLUMNS", "EVENT_LABELS", "connect", "utc", "position_at",
        "current_position", "instant_of", "list_organisations", "organisation_names", "get_organisation",
        "list_projects", "get_project", "list_offers", "get_offer", "list_households", "get_household_public",
        "get_household_situation", "get_household_identity", "list_proposals", "list_follow_ups",
        "get_proposal", "window_state", "list_objections", "timeline",
    ):
        assert hasattr(q, name), name
    for module in ("base", "organisations", "offers", "households", "proposals", "journal"):
        assert isinstance(getattr(q, module), types.ModuleType), module


def test_a_fact_is_described_by_its_class():
    """A subclass of an event class (as the aggregates' stored classes are) is described
    by its base's handler, whatever its name."""
    from relogement.events.household import HouseholdRelocated
    from relogement.web.narration import describe_fact

    renamed = type("HouseholdRelocatedV2", (HouseholdRelocated,), {})
    fact = renamed(
        originator_id=uuid4(), originator_version=3, timestamp=datetime(2026, 3, 1, tzinfo=UTC),
        by_user="agent", by_org=uuid4(), proposal_id=uuid4(), offer_id=uuid4(), move_in_date=date(2026, 4, 1),
    )
    assert describe_fact(fact, lambda o: "", {}, identity=False) == (
        "Ménage relogé", [("Entrée dans les lieux", "01/04/2026")]
    )
