"""Residences, hand-worked: a residence with its survey figures, three relocations into it,
the expected shares and class after (both databases).

Residence VCL-LOM-01 « Les Tilleuls » (Vilogia, Lomme), survey 2024 of 40 households:
  share (%)        u20  u40  u60  q1    aid  single-parent  no work  over-occupation
  survey           15   35   58   27.5  50   20             35       5
  count (×40/100)  6    14   23.2 11    20   8              14       2
Class before (default thresholds): u60 58 ≥ 55 → « à surveiller »; no other signal
(aid 50 < 65, single-parent 20 < 25, no work 35 < 40, over-occupation 5 < 10).

Three households relocated into it (leases of 2026: PLUS ceilings of 01/01/2025):
  A couple (40, 38), 2 500 €/month → 30 000 €/year vs category 2 ceiling 32 473 €: 92 %;
    quartile 3, 2 adults in work, no housing aid after.
  B single (45), 1 400 € → 16 800 € vs category 1 ceiling 24 316 €: 69 %; quartile 2,
    in work, no aid.
  C single parent (35, 8), 2 200 € → 26 400 € vs category 3 ceiling 39 051 €: 68 %;
    quartile 2, in work, housing aid 50 € after the move.
  None under 60 % of the ceilings, none first-quartile, none over-occupied (78 m²).
After: 43 households.
  u20 6/43 = 13.95 → 14.0; u40 14/43 = 32.56 → 32.6; u60 23.2/43 = 53.95 → 54.0;
  q1 11/43 = 25.58 → 25.6; aid 21/43 = 48.84 → 48.8; single-parent 9/43 = 20.93 → 20.9;
  no work 14/43 = 32.56 → 32.6; over-occupation 2/43 = 4.65 → 4.7.
Class after: u60 54.0 < 55 and q1 25.6 < 30, not under the attractive thresholds (40, 15),
no signal → « équilibrée ».
Origin LMH-MDT (the tower being demolished), 60 households, u60 80 % (48): the three left
it → 57 households, u60 still 48 (none of them under 60 %) → 48/57 = 84.21 → 84.2.
Secrecy: over-occupation counts 2 (before) and 2 (after): shown « < 5 », and so is its share.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from relogement.platform import peuplement as pp
from relogement.platform.errors import DomainError
from relogement.platform.residence_commands import NewResidence, SurveyRow
from relogement.platform.values import Dwelling, PersonalData, Situation
from relogement.projections import residence_figures as rf
from relogement.projections.queries import current_position
from relogement.simulation import sample


def _shares(**values: str) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in values.items()}


TILLEULS = _shares(under_20="15", under_40="35", under_60="58", first_quartile="27.5", housing_aid="50",
                   single_parent="20", no_adult_in_work="35", over_occupation="5")
TOWER = _shares(under_20="30", under_40="60", under_60="80", first_quartile="50", housing_aid="70",
                single_parent="30", no_adult_in_work="45", over_occupation="12")


def _household(w, ages, resources, quartile, in_work):
    situation = Situation(
        ages=ages, resources_cents=resources, apl_cents=10_000, income_quartile=quartile,
        adults_in_work=in_work,
        dwelling=Dwelling("T3", "62", 40_000, 9_000, commune="Lille", residence="LMH-MDT"),
    )
    return w.app.register_household(
        w.project_id, "DEM-FAU-1", w.orgs["LMH"], situation, PersonalData(name="Ménage"), w.actor("LMH"))


def _relocate(w, clock, household, apl_cents, signed_on):
    offer = w.app.publish_offer(
        w.project_id, Dwelling("T4", "78", 48_000, 10_000, quartier="Lomme-Centre", commune="Lomme",
                               address="12 rue des Tilleuls", construction_year=2023, residence="VCL-LOM-01"),
        w.actor("VCL"))
    proposal = w.app.make_proposal(household, offer, apl_cents, w.actor("LMH"))
    clock.advance(hours=49)
    w.app.accept_proposal(proposal, signed_on, w.actor("LMH"))
    w.app.decide_caleol(proposal, "attribution", signed_on, "", w.actor("VCL"))
    w.app.sign_lease(proposal, 48_000, 10_000, apl_cents, signed_on, signed_on + timedelta(days=10), w.actor("VCL"))


@pytest.fixture
def world(app, clock):
    w = sample.build_world(app)
    tilleuls = NewResidence("VCL-LOM-01", "Les Tilleuls", "12 rue des Tilleuls", "Lomme", "Lomme-Centre", False, 120)
    app.import_occupancy(w.project_id, [SurveyRow(tilleuls, 2024, 40, TILLEULS)], w.actor("VCL"),
                         "ops2024.csv", create_missing=True)
    tower = NewResidence("LMH-MDT", "Tour Mont-de-Terre", "1 rue de Douai", "Lille", "LS-FAU", True, 90)
    app.import_occupancy(w.project_id, [SurveyRow(tower, 2024, 60, TOWER)], w.actor("LMH"),
                         "ops2024.xlsx", create_missing=True)
    return w


def test_three_relocations_into_a_residence(world, clock, runners):
    w = world
    a = _household(w, (40, 38), 250_000, 3, 2)
    b = _household(w, (45,), 140_000, 2, 1)
    c = _household(w, (35, 8), 220_000, 2, 1)
    _relocate(w, clock, a, 0, date(2026, 3, 5))
    _relocate(w, clock, b, 0, date(2026, 3, 6))
    runner = runners(w.app)
    before_third = current_position(runner.engine)
    _relocate(w, clock, c, 5_000, date(2026, 3, 9))
    runner.catch_up()
    project = w.app.project(w.project_id)
    by_code = {b.row["code"]: b for b in rf.residence_balances(runner.engine, w.project_id.hex, None, project.settings)}
    tilleuls, tower = by_code["VCL-LOM-01"], by_code["LMH-MDT"]

    assert tilleuls.class_before() == pp.WATCH
    assert len(tilleuls.moved_in) == 3 and not tilleuls.moved_out
    households, counts, shares = tilleuls.after()
    assert households == 43
    expected = {"under_20": "14.0", "under_40": "32.6", "under_60": "54.0", "first_quartile": "25.6",
                "housing_aid": "48.8", "single_parent": "20.9", "no_adult_in_work": "32.6",
                "over_occupation": "4.7"}
    assert {k: str(pp.rounded(v)) for k, v in shares.items()} == expected
    assert tilleuls.class_after() == pp.BALANCED

    assert tower.class_before() == pp.FRAGILE
    assert len(tower.moved_out) == 3 and not tower.moved_in
    t_households, _, t_shares = tower.after()
    assert t_households == 57 and str(pp.rounded(t_shares["under_60"])) == "84.2"

    # Secrecy: 2 over-occupied households before and after.
    assert pp.secret_count(counts["over_occupation"]) == "< 5"
    assert pp.secret_share(shares["over_occupation"], counts["over_occupation"]) == "< 5"
    assert pp.secret_share(shares["under_20"], counts["under_20"]) == "14,0 %"
    assert pp.secret_count(len(tilleuls.moved_in)) == "< 5"

    # As of the position before the third lease: two relocations in, 42 households.
    earlier = {b.row["code"]: b for b in rf.residence_balances(runner.engine, w.project_id.hex, before_third, project.settings)}
    assert len(earlier["VCL-LOM-01"].moved_in) == 2 and earlier["VCL-LOM-01"].after()[0] == 42

    # A rebuild from the events gives the same residence tables, versions included.
    from sqlalchemy import select

    from relogement.projections.residence_models import TABLES

    def dump():
        with runner.engine.connect() as conn:
            return {t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t))) for t in TABLES}

    incremental = dump()
    runner.rebuild()
    assert dump() == incremental


def test_objectives_warn_and_score(world, clock, runners):
    w = world
    rid = pp.residence_id(w.project_id, w.orgs["VCL"], "VCL-LOM-01")
    w.app.set_residence_objectives(
        rid, [{"kind": "max_first_quartile", "limit": 0}, {"kind": "employment_priority"}],
        "Groupe de suivi du 12/01/2026", w.actor("MEL"))
    with pytest.raises(DomainError):  # a bailleur is not the groupe de suivi
        w.app.set_residence_objectives(rid, [], "", w.actor("VCL"))
    runner = runners(w.app)
    balance = rf.residence_balances(runner.engine, w.project_id.hex, None, None, residence_id=rid.hex)[0]
    # A first-quartile household with no adult in work: against both objectives.
    candidate = pp.profile(ages=(30, 4), resources_cents=90_000, apl_cents=20_000, income_quartile=1,
                           adults_in_work=0, surface_m2=Decimal("78"), plus_ceiling_cents_year=3_905_100)
    warnings = pp.residence_warnings(balance.state(), candidate)
    assert len(warnings) == 2
    assert "au plus 0 ménages du premier quartile" in warnings[0]
    assert "priorité aux ménages en emploi" in warnings[1]
    assert pp.balance_score(balance.state(), candidate) == 0
    working = pp.profile(ages=(30, 32), resources_cents=250_000, apl_cents=0, income_quartile=3,
                         adults_in_work=2, surface_m2=Decimal("78"), plus_ceiling_cents_year=3_247_300)
    assert pp.residence_warnings(balance.state(), working) == []
    assert pp.balance_score(balance.state(), working) == 1  # « à surveiller »: a working household helps


def test_earlier_survey_years_stay_readable(world, clock, runners):
    w = world
    clock.advance(days=400)
    newer = {**TILLEULS, "under_60": Decimal("52")}
    tilleuls = NewResidence("VCL-LOM-01")
    w.app.import_occupancy(w.project_id, [SurveyRow(tilleuls, 2026, 41, newer)], w.actor("VCL"), "ops2026.csv")
    runner = runners(w.app)
    rid = pp.residence_id(w.project_id, w.orgs["VCL"], "VCL-LOM-01").hex
    years = [s["year"] for s in rf.residence_surveys_of(runner.engine, rid, None)]
    assert years == [2026, 2024]
    balance = rf.residence_balances(runner.engine, w.project_id.hex, None, residence_id=rid)[0]
    assert balance.row["survey_year"] == 2026 and balance.class_before() == pp.BALANCED


def test_unknown_residence_asks_before_creating(world):
    w = world
    dwelling = sample.dwelling()
    from dataclasses import replace
    with pytest.raises(DomainError) as refused:
        w.app.publish_offer(w.project_id, replace(dwelling, residence="VCL-NEW"), w.actor("VCL"))
    assert refused.value.code == "unknown_residence"
    from relogement.platform.actors import NewOffer
    w.app.publish_offers(w.project_id, [NewOffer(replace(dwelling, residence="VCL-NEW"), create_residence=True)],
                         w.actor("VCL"))
    assert w.app.residence(pp.residence_id(w.project_id, w.orgs["VCL"], "VCL-NEW")).commune == "Lomme"


def test_residence_sheets_in_the_semester_report(world, clock, runners):
    """S1 2026 report, as of 30/06/2026: Les Tilleuls (destination, three households in) and
    the tower (origin, three out) get a sheet each; one XLSX row per residence; the PDF renders."""
    import io

    from openpyxl import load_workbook

    from relogement.projections import report_output as ro
    from relogement.projections import semester_report as rs

    w = world
    households = [_household(w, (40, 38), 250_000, 3, 2), _household(w, (45,), 140_000, 2, 1),
                  _household(w, (35, 8), 220_000, 2, 1)]
    for household, day in zip(households, (date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 9)), strict=True):
        _relocate(w, clock, household, 0, day)
    clock.now = clock.now.replace(year=2026, month=7, day=6)
    runner = runners(w.app)
    report = rs.build(runner.engine, w.project_id, 2026, 1)
    names = [(s.code, s.destination, s.origin) for s in report["residences"]]
    assert names == [("VCL-LOM-01", True, False), ("LMH-MDT", False, True)]
    tilleuls = report["residences"][0]
    assert (tilleuls.class_before_label, tilleuls.class_after_label) == ("à surveiller", "équilibrée")
    assert tilleuls.moved_in.period == tilleuls.moved_in.total == "< 5"  # 3 households
    html = ro.render_html(report, for_pdf=True)
    assert "Fiche résidence : Les Tilleuls (VCL-LOM-01)" in html and "Fiche résidence : Tour Mont-de-Terre" in html
    assert "54,0 %" in html  # u60 after, hand-worked above
    assert ro.render_pdf(report)[:4] == b"%PDF"
    sheet = load_workbook(io.BytesIO(ro.render_xlsx(report)))["Résidences"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][1] == "VCL-LOM-01" and rows[1][16] == "équilibrée"
    # Reproducible: the same report later, after more facts, is the same.
    clock.advance(days=30)
    _relocate(w, clock, _household(w, (50,), 150_000, 2, 1), 0, date(2026, 8, 7))
    runner.catch_up()
    again = rs.build(runner.engine, w.project_id, 2026, 1)
    assert again["residences"] == report["residences"]
