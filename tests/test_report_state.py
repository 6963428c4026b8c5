"""The semestrial report from held rows equals today's computation (issue 19).

``tests/oracles/report_today.py`` is the report as it was computed before the held rows
(every row read, every lease's and residence's figures computed, at each call). On random
valid histories (the command sequences of test_projections_properties.py, with households
and offers in residences, two of them surveyed, one survey imported again halfway), at
every position, on both databases, with a random quartier, convention and semester:
- the report built from rows held by one :class:`ReportRows` moved back and forth between
  positions in random order (what a web process does),
- its parts alone: the households and proposals read, the residence sheets over a random
  period, each group's lease figures from the held figures,
all equal the oracle's, figure for figure.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oracles import report_today
from test_projections_properties import _play, commands
from test_projections_properties import fresh_url_factory as fresh_url_factory  # noqa: F401 (the fixture)

from relogement.platform.residence_commands import NewResidence, SurveyRow
from relogement.projections import queries as q
from relogement.projections import report_state
from relogement.projections import residual_income as ri
from relogement.projections import residual_state as rstate
from relogement.projections import semester_report as rs
from relogement.projections.summary_statistics import ExactFigures
from relogement.simulation import sample

CODES = ("RES-A", "RES-B", "", "RES-A")  # each bailleur has a RES-A; RES-B: LMH and VCL only
# Households and offers in residences, then leases: relocations into and out of them.
PROLOGUE = [(op, i, i + k) for i in range(6) for k, op in enumerate(("register", "publish"))] + [
    (op, i, i) for i in range(6) for op in ("propose", "lease")]
SHARES = ({"under_20": "15", "under_40": "35", "under_60": "58", "first_quartile": "27.5", "housing_aid": "50",
           "single_parent": "20", "no_adult_in_work": "35", "over_occupation": "5"},
          {"under_20": "30", "under_40": "60", "under_60": "80", "first_quartile": "50", "housing_aid": "70",
           "single_parent": "30", "no_adult_in_work": "45", "over_occupation": "12"})


def _surveys(w, year: int, tilt: int) -> None:
    for i, (code, org) in enumerate((("RES-A", "VCL"), ("RES-A", "LMH"), ("RES-A", "PDC"), ("RES-B", "LMH"),
                                     ("RES-B", "VCL"))):
        shares = {k: Decimal(v) + tilt for k, v in SHARES[i % 2].items()}
        residence = NewResidence(code, f"Résidence {code} {org}", "1 rue", "Lomme", "Lomme-Centre", bool(i % 2), 90)
        w.app.import_occupancy(w.project_id, [SurveyRow(residence, year, 30 + 10 * i + tilt, shares)],
                               w.actor(org), f"{code}.csv", create_missing=True)


@pytest.fixture
def in_residences(monkeypatch):
    """Households and offers in residences (one not surveyed, some in none)."""
    turn = itertools.count()
    dwelling, situation = sample.dwelling, sample.situation

    def in_dwelling(*args, **kwargs):
        return dataclasses.replace(dwelling(*args, **kwargs), residence=CODES[next(turn) % 4])

    def in_situation(*args, **kwargs):
        n = next(turn)
        made = situation(*args, **kwargs)
        return dataclasses.replace(made, adults_in_work=(None, 0, 1)[n % 3],
                                   dwelling=dataclasses.replace(made.dwelling, residence=CODES[n % 4]))

    monkeypatch.setattr(sample, "dwelling", in_dwelling)
    monkeypatch.setattr(sample, "situation", in_situation)


def _balance(b) -> tuple:
    """A residence's row, rules and relocations (in any order)."""
    return b.row, b.rules, sorted(map(repr, b.moved_in)), sorted(map(repr, b.moved_out))


def _plain_proposals(rows: list[dict]) -> dict[str, dict]:
    extra = ("offer_id", "lease_apl_cents", "made_at", "indicators", "indicators_text")
    return {p["proposal_id"]: {k: v for k, v in p.items() if k not in extra} for p in rows}


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands, seed=st.integers(0, 10_000))
def test_held_rows_equal_todays_report_at_every_position(fresh_url_factory, in_residences, ops, seed):
    app, runner, driver, clock = _play(fresh_url_factory(), ops, 50)
    try:
        _surveys(driver.world, 2024, 0)
        for op, a, b in PROLOGUE:
            driver.run(op, a, b)
            clock.advance(minutes=7)
        for i, (op, a, b) in enumerate(ops):
            driver.run(op, a, b)
            clock.advance(minutes=7)
            if i == len(ops) // 2:
                _surveys(driver.world, 2025, 3)  # the residences' rows change halfway
        runner.catch_up()
        engine, project = runner.engine, driver.world.project_id
        last = q.current_position(engine)
        quartiers = sorted({h["quartier"] for h in q.list_households(engine, project)})
        positions = list(range(1, last + 1)) * 2
        draw = random.Random(seed)
        draw.shuffle(positions)
        held, rav = report_state.ReportRows(project), rstate.SuiviState(project)
        for position in positions:
            held.move_to(engine, position)
            assert held.position == position
            # Its parts, each against what the report reads itself.
            assert held.households() == ri.report_households(engine, project, position, columns=report_state._HH)
            quartier = draw.choice([None, *quartiers])
            assert held.households(quartier) == ri.report_households(
                engine, project, position, quartier=quartier, columns=report_state._HH)
            proposals = held.proposals()
            assert _plain_proposals(proposals) == _plain_proposals(ri.report_proposals(engine, project, position))
            order = [(p["made_at"], p["rank"]) for p in proposals]
            assert order == sorted(order, reverse=True)
            settings_ = (q.get_project(engine, project, position=position) or {}).get("settings") or {}
            period = draw.choice([None, (date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 3, 1), date(2026, 3, 2))])
            balances = report_today.residence_balances(engine, project.hex, position, settings_)
            assert [_balance(b) for b in held.balances(settings_)] == [_balance(b) for b in balances]
            assert held.sheets(settings_, period) == report_today.residence_sheets.report_sheets(
                engine, project.hex, position, settings_, period), position
            signed = [(h, p) for h in held.households() for p in proposals
                      if p["household_id"] == h["household_id"] and p["status"] == "bail_signe"]
            key = draw.choice(tuple(ri.CONVENTION_KEYS.values()))
            assert rs._relocations(signed, key, 3_000, held.figures) == rs._relocations(
                signed, key, 3_000, ExactFigures())
            # The whole report as of this position (the semester's end pinned there).
            pinned, q.position_at = q.position_at, lambda db, instant, p=position: p
            try:
                year, half = draw.choice(((2026, 1), (2025, 2)))
                options = {"quartier": quartier, "convention": draw.choice((None, "personne", "uc"))}
                try:
                    expected = report_today.build(engine, project, year, half, **options)
                except LookupError:
                    with pytest.raises(LookupError):
                        rs.build(engine, project, year, half, held_rows=lambda p: held, **options)
                    continue
                assert rs.build(engine, project, year, half, held_rows=lambda p: held, **options) == expected
                # With the reste-à-vivre from a held follow-up too (what the web does).
                assert rs.build(engine, project, year, half, held_rows=lambda p: held, held_suivi=lambda p, when, **k: (
                    rstate.suivi(engine, project, position=p, instant=when, state=rav, **k)), **options) == expected
                assert rs.build(engine, project, year, half, **options) == expected
            finally:
                q.position_at = pinned
    finally:
        runner.close()
        app.close()


def test_report_states_move_only_near(database_url):
    from relogement.projections import build_runner
    from relogement.runtime.application import RelocationApp

    app = RelocationApp(database_url)
    runner = build_runner(app)
    try:
        runner.catch_up()
        states = report_state.ReportStates(runner.engine)
        project = "0" * 32
        assert states.near(project, 10) is None  # none held, none made
        with states.using(project) as state:
            assert states.near(project, 10, create=True) is state and state.position == 10
        assert states.near(project, 10 + report_state.EVERY + 1) is None
        assert states.state(project).position == 10  # left where it was
        states.advance(project, 12)
        assert states.state(project).position == 12
    finally:
        runner.close()
        app.close()
