"""The demo programme (simulation/demo.py): reference-figure bands and reproducibility.

The figures are computed from the stored facts (``demo.programme_figures``: the
``LeaseSigned`` indicators' flags, the follow-ups' reste-à-vivre), and the shared
dashboard built by the projections from the same store must show the same rates,
inside the same bands.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from relogement.events.base import Fact
from relogement.projections import build_runner, queries
from relogement.projections.dashboard import dashboard
from relogement.runtime.application import RelocationApp
from relogement.simulation import demo

START = date(2023, 9, 4)

# Reference figures of ../shared/domain.md and the tolerance of the check ("within a
# few points"); the generator's own spread on 600 households is about ±2 points.
BANDS = {
    "hors_qpv_pct": (42, 5),
    "inter_bailleur_pct": (30, 5),
    "neuf_moins_5_ans_pct": (38, 5),
    "larger_pct": (30, 5),
    "individual_house_pct": (30, 5),
    "effort_up_pct": (67, 6),  # "+2 to +2.5 points for about two-thirds"
    "rav_down_follow_up_pct": (55, 6),  # Lille: down 1,098 vs up 889
}


def _generate(url: str, households: int, seed: int) -> RelocationApp:
    clock = demo.ProgrammeClock(datetime(START.year, START.month, START.day, 8, tzinfo=UTC))
    app = RelocationApp(url, clock=clock, env=demo.BULK_ENV)
    demo.generate(app, clock, households=households, seed=seed, start=START)
    return app


@pytest.fixture(scope="module")
def programme(tmp_path_factory) -> dict:
    """600 households on SQLite, generated once for the band checks.

    SQLite only: on this two-core machine the 600-household programme takes about a
    minute on SQLite and noticeably longer on PostgreSQL; the generator uses nothing
    database-specific (it only calls use cases), and the use cases run on PostgreSQL in
    the rest of the suite. ``test_small_programme_on_each_database`` covers both.
    """
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    app = _generate(url, 600, seed=7)
    try:
        figures = demo.programme_figures(app)
        runner = build_runner(app)
        try:
            runner.catch_up()
            (project,) = queries.list_projects(runner.engine)
            figures["dashboard"] = dashboard(runner.engine, project["project_id"])["total"]
        finally:
            runner.close()
        return figures
    finally:
        app.close()


@pytest.mark.parametrize("figure", sorted(BANDS))
def test_reference_figure_bands(programme, figure):
    target, tolerance = BANDS[figure]
    value = programme[figure]
    assert value is not None and abs(value - target) <= tolerance, (
        f"{figure} = {value}, expected {target} ± {tolerance}"
    )


DASHBOARD_DESTINATIONS = {
    "hors_qpv": "hors_qpv_pct",
    "inter_bailleur": "inter_bailleur_pct",
    "neuf_moins_5_ans": "neuf_moins_5_ans_pct",
    "plus_grand": "larger_pct",
    "maison_individuelle": "individual_house_pct",
}


@pytest.mark.parametrize("name", sorted(DASHBOARD_DESTINATIONS))
def test_dashboard_shows_the_programme_in_the_bands(programme, name):
    figure = DASHBOARD_DESTINATIONS[name]
    destinations = programme["dashboard"]["destinations"]
    assert destinations["base"] == programme["leases"]
    rate = float(destinations[name]["taux"])
    # Same facts, same rate (the dashboard keeps 2 decimals, the demo summary 1).
    assert abs(rate - programme[figure]) <= 0.05, (rate, programme[figure])
    target, tolerance = BANDS[figure]
    assert abs(rate - target) <= tolerance, f"{name} = {rate} %, expected {target} ± {tolerance}"


def test_dashboard_effort_rate_rises_for_about_two_thirds(programme):
    effort = programme["dashboard"]["taux_effort"]
    up_pct = 100 * effort["hausse"] / effort["nombre"]
    assert abs(up_pct - programme["effort_up_pct"]) <= 0.05
    target, tolerance = BANDS["effort_up_pct"]
    assert abs(up_pct - target) <= tolerance


def test_effort_rates_and_history_shape(programme):
    p = programme
    # Effort rate before mostly 15-20 %; the rise for those whose rate rose: +2 to +2.5.
    assert p["effort_before_15_20_pct"] >= 55
    assert 15 <= p["effort_before_median"] <= 20
    assert 1.8 <= p["effort_up_median_points"] <= 2.7
    # A believable history: most households relocated, some gone, some still in progress.
    assert 70 <= p["relocated_pct"] <= 95
    assert p["departed"] > 0 and p["in_progress"] > 0
    assert 1 <= p["objection_pct"] <= 6  # "a few percent"
    assert set(p["caleol"]) == {"attribution", "ajournement", "refus"}
    assert p["caleol"]["attribution"] > 10 * (p["caleol"]["ajournement"] + p["caleol"]["refus"]) / 2
    assert len(p["refusals"]) >= 6
    assert p["follow_ups"] > 0.5 * p["leases"] * 0.5
    for name in ("ObjectionLifted", "ObjectionArbitrated", "VisitRecorded", "OfferWithdrawn",
                 "ProposalWithdrawn", "ObjectionWindowClosed"):
        assert p["event_types"].get(name), name


def _trace(url: str, households: int, seed: int) -> list[tuple]:
    app = _generate(url, households, seed)
    try:
        trace = []
        for event in demo.iter_events(app):
            values = getattr(event, "indicators", None)
            trace.append((type(event).__name__, event.timestamp, repr(values)))
        return trace
    finally:
        app.close()


def test_same_seed_same_programme(tmp_path):
    first = _trace(f"sqlite:///{tmp_path / 'a.sqlite'}", 60, seed=3)
    again = _trace(f"sqlite:///{tmp_path / 'b.sqlite'}", 60, seed=3)
    other = _trace(f"sqlite:///{tmp_path / 'c.sqlite'}", 60, seed=4)
    assert len(first) > 500
    assert first == again  # types, instants and indicator values, in order
    assert first != other


def test_small_programme_on_each_database(database_url):
    """Every fact goes through the use cases: authors, clock order, no future instant."""
    app = _generate(database_url, 40, seed=2)
    try:
        events = list(demo.iter_events(app))
        figures = demo.programme_figures(app)
    finally:
        app.close()
    assert figures["households"] == 40 and figures["leases"] > 0
    stamps = [e.timestamp for e in events]
    assert stamps == sorted(stamps)  # the history was written in time order
    assert stamps[-1] < datetime(START.year + 3, START.month, START.day, 8, tzinfo=UTC)
    assert all(e.by_user for e in events if isinstance(e, Fact))


def test_generate_refuses_a_foreign_clock(tmp_path):
    app = RelocationApp(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        with pytest.raises(ValueError):
            demo.generate(app, demo.ProgrammeClock(datetime(2024, 1, 1, tzinfo=UTC)), households=1)
    finally:
        app.close()
