"""A hand-worked programme of 12 households: every expected figure is computed by hand below.

Households (all registered on 03/11/2025; S = couple (40, 38), resources 1 500 €,
rent 400 + charges 100 − APL 200 = reste à charge 300 €, income quartile 2):
  S before: taux d'effort 300/1500 = 20.0000 %; RAV/person/day = 1200/2/30 = 20.0000;
            consumption units 1 + 0.5 = 1.5, RAV/UC/day = 1200/1.5/30 = 26.6667.
  F = (30, 5, 3), resources 900, rent 350 + 80 − 230 = 200, quartile 1:
            TE 22.2222; RAV/person 700/3/30 = 7.7778; UC 1.6.
  F2 = like F with resources 700: RAV/person 500/3/30 = 5.5556 (under 6 €).

Leases (reste à charge after):
  La = 450 + 100 − 200 = 350: TE 23.3333 (+3.3333), RAV 1150/60 = 19.1667 (−0.8333),
       RAV/UC 1150/1.5/30 = 25.5556 (−1.1111)
  Lb = 380 + 70 − 200 = 250: TE 16.6667 (−3.3333), RAV 20.8333 (+0.8333), UC +1.1111
  Lc = 400 + 100 − 200 = 300: everything unchanged (0)
  L5 (household F) = 420 + 90 − 220 = 290: TE 290/900 = 32.2222 (+10.0000),
       RAV 610/90 = 6.7778 (−1.0000), RAV/UC 610/1.6/30 = 12.7083 (−1.8750)

| hh  | quartier | bailleur | story                                                    |
| R1  | FAU      | LMH      | → VCL, Lomme (hors QPV), built 2025, T4, lease La signed 15/12/2025 |
| R2  | FAU      | LMH      | → LMH, LS-FAU (same quartier), 1975, T3, Lc, 20/02/2026, right to return |
| R3  | MOU      | VCL      | → PDC, LS-FAU (other QPV), 2022, individual house, T3, Lb, 10/03/2026 |
| R4  | FAU      | VCL      | → VCL, LS-VAU (hors QPV, Lille), 1990, T4, La, 05/05/2026 |
| R5  | MOU      | PDC (F)  | → LMH, Lomme (hors QPV), 2024, T4, L5, 06/07/2026 (proposal live at 30/06) |
| H6  | FAU      | LMH      | refused (localisation, 04/2026), refused (loyer, 06/2026), 3rd proposal 09/2026 with an open objection |
| H7  | MOU      | VCL      | proposal made 09/2026 (in its window at the end) |
| H8  | MOU      | PDC      | departed 06/2026 (évaporation) |
| H9  | FAU      | LMH      | nothing |
| H10 | FAU      | LMH (F2) | refused (typologie, 02/2026) |
| H11 | MOU      | VCL      | proposal withdrawn (04/2026) |
| H12 | FAU      | PDC      | accepted, CALEOL refusal (04/2026) |
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from relogement.platform.indicators import HousingCost
from relogement.platform.values import Wishes
from relogement.projections import build_runner
from relogement.projections import dashboard as dash
from relogement.projections import report_output as ro
from relogement.projections import residual_income as rav
from relogement.projections import semester_report as rs
from relogement.simulation import sample

S = dict(ages=(40, 38), resources_cents=150_000, rent_cents=40_000, charges_cents=10_000,
         apl_cents=20_000, income_quartile=2)
F = dict(ages=(30, 5, 3), resources_cents=90_000, rent_cents=35_000, charges_cents=8_000,
         apl_cents=23_000, income_quartile=1)
F2 = {**F, "resources_cents": 70_000}
LEASE = {"La": (45_000, 10_000, 20_000), "Lb": (38_000, 7_000, 20_000), "Lc": (40_000, 10_000, 20_000),
         "L5": (42_000, 9_000, 22_000)}


def _offer(w, bailleur, lease, **kw):
    rent, charges, _ = LEASE[lease]
    return w.app.publish_offer(
        w.project_id, sample.dwelling(rent_cents=rent, charges_cents=charges, **kw), w.actor(bailleur)
    )


def _propose(w, h, offer, lease, officer):
    return w.app.make_proposal(h, offer, LEASE[lease][2], w.actor(officer))


def _conclude(w, clock, p, officer, owner, lease, signed_on):
    app = w.app
    app.accept_proposal(p, signed_on, w.actor(officer))
    app.decide_caleol(p, "attribution", signed_on, "", w.actor(owner))
    rent, charges, apl = LEASE[lease]
    app.sign_lease(p, rent, charges, apl, signed_on, signed_on + timedelta(days=15), w.actor(owner))


@pytest.fixture
def programme(app, clock):
    clock.now = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    reg = lambda b, op, sit, name: sample.register(w, bailleur=b, operation=op, name=name, **sit)  # noqa: E731
    FAU, MOU = "DEM-FAU-1", "DEM-MOU-1"
    h = {
        "R1": reg("LMH", FAU, S, "R1"), "R2": reg("LMH", FAU, S, "R2"), "R3": reg("VCL", MOU, S, "R3"),
        "R4": reg("VCL", FAU, S, "R4"), "R5": reg("PDC", MOU, F, "R5"), "H6": reg("LMH", FAU, S, "H6"),
        "H7": reg("VCL", MOU, S, "H7"), "H8": reg("PDC", MOU, S, "H8"), "H9": reg("LMH", FAU, S, "H9"),
        "H10": reg("LMH", FAU, F2, "H10"), "H11": reg("VCL", MOU, S, "H11"), "H12": reg("PDC", FAU, S, "H12"),
    }
    ref = {k: app.household(v).reference for k, v in h.items()}
    marks = {}

    # R1 (Nov 2025): objection raised then lifted; lease 15/12/2025.
    o1 = _offer(w, "VCL", "La", typology="T4", qpv=False, quartier="Lomme-Centre", commune="Lomme", construction_year=2025)
    p1 = _propose(w, h["R1"], o1, "La", "LMH")
    objection = app.raise_objection(p1, "Loyer à vérifier", w.actor("VLS"))
    app.lift_objection(p1, objection, "Vérifié", w.actor("VLS"))
    clock.advance(hours=49)
    _conclude(w, clock, p1, "LMH", "VCL", "La", date(2025, 12, 15))

    # February 2026: R2, R3 relocated; H10 refuses (typologie).
    clock.now = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    app.record_wishes(h["R2"], Wishes(right_to_return=True), w.actor("LMH"))
    o2 = _offer(w, "LMH", "Lc", typology="T3", qpv=True, quartier="LS-FAU", commune="Lille", construction_year=1975)
    o3 = _offer(w, "PDC", "Lb", typology="T3", qpv=True, quartier="LS-FAU", commune="Lille", construction_year=2022, individual=True)
    o10 = _offer(w, "LMH", "Lc", typology="T2", qpv=True, quartier="LS-MOU", commune="Lille")
    p2 = _propose(w, h["R2"], o2, "Lc", "LMH")
    p3 = _propose(w, h["R3"], o3, "Lb", "VCL")
    p10 = _propose(w, h["H10"], o10, "Lc", "LMH")
    app.refuse_proposal(p10, "typologie", "", w.actor("LMH"))
    clock.advance(hours=49)
    _conclude(w, clock, p2, "LMH", "LMH", "Lc", date(2026, 2, 20))
    _conclude(w, clock, p3, "VCL", "PDC", "Lb", date(2026, 3, 10))

    # April 2026: R4 relocated; H6 refuses (localisation); H11's proposal withdrawn; H12 rejected by CALEOL.
    clock.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    o4 = _offer(w, "VCL", "La", typology="T4", qpv=False, quartier="LS-VAU", commune="Lille", construction_year=1990)
    p4 = _propose(w, h["R4"], o4, "La", "VCL")
    o6 = _offer(w, "LMH", "Lc", typology="T3", qpv=True, quartier="LS-MOU", commune="Lille")
    p6a = _propose(w, h["H6"], o6, "Lc", "LMH")
    app.refuse_proposal(p6a, "localisation", "", w.actor("LMH"))
    o11 = _offer(w, "VCL", "Lc", typology="T3")
    p11 = _propose(w, h["H11"], o11, "Lc", "VCL")
    app.withdraw_proposal(p11, "Logement finalement indisponible", w.actor("VCL"))
    o12 = _offer(w, "PDC", "Lc", typology="T3")
    p12 = _propose(w, h["H12"], o12, "Lc", "PDC")
    clock.advance(hours=49)
    _conclude(w, clock, p4, "VCL", "VCL", "La", date(2026, 5, 5))
    app.accept_proposal(p12, date(2026, 4, 3), w.actor("PDC"))
    app.decide_caleol(p12, "refus", date(2026, 4, 3), "Dossier incomplet", w.actor("PDC"))

    # June 2026: H8 leaves; H6 refuses again (loyer); R5 proposed and accepted.
    clock.now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    app.record_departure(h["H8"], "Parti dans le parc privé", w.actor("PDC"))
    p6b = _propose(w, h["H6"], o6, "Lc", "LMH")
    app.refuse_proposal(p6b, "loyer", "", w.actor("LMH"))
    o5 = _offer(w, "LMH", "L5", typology="T4", qpv=False, quartier="Lomme-Centre", commune="Lomme", construction_year=2024)
    p5 = _propose(w, h["R5"], o5, "L5", "PDC")
    clock.advance(hours=49)
    app.accept_proposal(p5, date(2026, 6, 12), w.actor("PDC"))
    marks["end_s1"] = app.recorder.max_notification_id()  # last event recorded before 01/07/2026

    # July 2026: R5 relocated; follow-ups of R1 and R5.
    clock.now = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
    app.decide_caleol(p5, "attribution", date(2026, 7, 6), "", w.actor("LMH"))
    rent, charges, apl = LEASE["L5"]
    app.sign_lease(p5, rent, charges, apl, date(2026, 7, 6), date(2026, 7, 20), w.actor("LMH"))
    # R1: 450 + 100 − 150 = 400 → RAV (1500 − 400)/2/30 = 18.3333 (−1.6667 from 20)
    app.record_follow_up(h["R1"], date(2026, 7, 1), 150_000, HousingCost(45_000, 0, 10_000, 15_000), w.actor("LMH"))
    # R5: 420 + 90 − 250 = 260 → RAV (900 − 260)/3/30 = 7.1111 (−0.6667 from 7.7778)
    # (measured on the move-in day: a follow-up is not dated before it)
    app.record_follow_up(h["R5"], date(2026, 7, 20), 90_000, HousingCost(42_000, 0, 9_000, 25_000), w.actor("PDC"))

    # September 2026: H6's third (last allowed) proposal, objected to; H7's proposal.
    clock.now = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    p6c = _propose(w, h["H6"], o6, "Lc", "LMH")
    app.raise_objection(p6c, "Voisinage difficile", w.actor("VLS"))
    o7 = _offer(w, "VCL", "Lc", typology="T3")
    _propose(w, h["H7"], o7, "Lc", "VCL")
    clock.advance(hours=1)

    runner = build_runner(app, batch_size=17)
    runner.catch_up()
    yield w, runner, ref, marks, clock
    runner.close()


def test_dashboard_figures(programme):
    w, runner, ref, _, clock = programme
    d = dash.dashboard(runner.engine, w.project_id, instant=clock.now)
    t = d["total"]
    assert t["menages"] == {"inscrits": 12, "a_reloger": 4, "proposition_en_cours": 2, "reloges": 5,
                            "sortis": 1, "restant_a_reloger": 6}
    # proposals: R1–R5 (5) + H6 ×3 + H7, H10, H11, H12 = 12; live P6c and P7, both made 1 h ago
    assert t["propositions"] == {"faites": 12, "en_cours": 2, "en_attente_delai": 2, "bloquees": 1,
                                 "oppositions_ouvertes": 1, "refus": 3,
                                 "refus_par_motif": {"localisation": 1, "loyer": 1, "typologie": 1}}
    pct = lambda n: {"nombre": n, "taux": Decimal(n * 20).quantize(Decimal("0.01"))}  # noqa: E731 - base 5
    assert t["destinations"] == {
        "base": 5, "hors_qpv": pct(3), "qpv_vers_hors_qpv": pct(3), "meme_quartier": pct(1),
        "meme_commune": pct(3), "neuf_moins_5_ans": pct(3), "inter_bailleur": pct(3),
        "maison_individuelle": pct(1), "plus_grand": pct(3),
    }
    te = t["taux_effort"]
    # +3.3333, 0, −3.3333, +3.3333, +10 → 13.3333 / 5 = 2.66666
    assert (te["nombre"], te["moyenne"], te["hausse"], te["baisse"], te["stable"]) == (5, Decimal("2.6667"), 3, 1, 1)
    assert [b["nombre"] for b in te["distribution"]] == [0, 1, 0, 1, 2, 1]
    rp = t["reste_a_vivre_personne"]
    # −0.8333, 0, +0.8333, −0.8333, −1 → −1.8333 / 5 = −0.36666
    assert (rp["moyenne"], rp["hausse"], rp["baisse"], rp["stable"]) == (Decimal("-0.3667"), 1, 3, 1)
    assert [b["nombre"] for b in rp["distribution"]] == [0, 0, 3, 2, 0, 0]
    ru = t["reste_a_vivre_uc"]
    # −1.1111, 0, +1.1111, −1.1111, −1.875 → −2.9861 / 5 = −0.59722
    assert (ru["moyenne"], ru["hausse"], ru["baisse"]) == (Decimal("-0.5972"), 1, 3)
    assert [b["nombre"] for b in ru["distribution"]] == [0, 3, 0, 1, 1, 0]
    # registration 03/11/2025 → leases: 42, 109, 127, 183, 245 days; median 127
    assert t["delais"] == {"nombre": 5, "mediane_jours": Decimal("127.0")}
    assert t["troisieme_proposition"] == {"nombre": 1, "references": [ref["H6"]], "au_dela": 0,
                                          "references_au_dela": []}
    assert t["propositions_par_menage"] == {
        "distribution": {"0": 2, "1": 9, "2": 0, "3": 1, "4+": 0}, "moyenne_reloges": Decimal("1.0000")}
    assert t["retours"] == 1  # R2 asked to return and was relocated in LS-FAU

    fau, mou = d["par_quartier"]["LS-FAU"], d["par_quartier"]["LS-MOU"]
    assert fau["menages"] == {"inscrits": 7, "a_reloger": 3, "proposition_en_cours": 1, "reloges": 3,
                              "sortis": 0, "restant_a_reloger": 4}
    assert mou["menages"] == {"inscrits": 5, "a_reloger": 1, "proposition_en_cours": 1, "reloges": 2,
                              "sortis": 1, "restant_a_reloger": 2}
    # LS-FAU relocations R1, R2, R4: hors QPV R1, R4 → 2/3
    assert fau["destinations"]["hors_qpv"] == {"nombre": 2, "taux": Decimal("66.67")}
    assert d["par_operation"]["DEM-MOU-1"]["menages"]["inscrits"] == 5
    lmh = d["par_bailleur"][w.orgs["LMH"].hex]
    assert (lmh["menages"]["inscrits"], lmh["menages"]["reloges"]) == (5, 2)
    assert d["par_bailleur"][w.orgs["PDC"].hex]["menages"]["sortis"] == 1


def test_reste_a_vivre_follow_up(programme):
    w, runner, ref, _, clock = programme
    s = rav.suivi(runner.engine, w.project_id, instant=clock.now)
    rows = {r["reference"]: r for r in s["households"]}
    r1 = rows[ref["R1"]]
    assert (r1["avant"], r1["propose"], r1["apres_bail"], r1["suivi"], r1["evolution"]) == (
        Decimal("20.0000"), Decimal("19.1667"), Decimal("19.1667"), Decimal("18.3333"), Decimal("-1.6667"))
    r5 = rows[ref["R5"]]
    assert (r5["avant"], r5["apres_bail"], r5["suivi"]) == (Decimal("7.7778"), Decimal("6.7778"), Decimal("7.1111"))
    assert rows[ref["H10"]]["avant"] == Decimal("5.5556") and rows[ref["H10"]]["apres_bail"] is None
    assert rows[ref["H10"]]["evolution"] is None  # no after figure yet: no change to count
    assert (s["apres_bail"]["hausse"], s["apres_bail"]["baisse"], s["apres_bail"]["stable"]) == (1, 3, 1)
    assert (s["au_suivi"]["hausse"], s["au_suivi"]["baisse"]) == (0, 2)
    assert s["seuil"] == Decimal("6.00")
    assert s["sous_seuil_avant"] == [ref["H10"]] and s["sous_seuil"] == [ref["H10"]]
    assert s["forte_baisse"] == [ref["R1"]]
    # fall 0.5: R1 (−1.6667), R4 (−0.8333), R5 (7.1111 − 7.7778 = −0.6667)
    wider = rav.suivi(runner.engine, w.project_id, fall="0.5")
    assert wider["forte_baisse"] == sorted([ref["R1"], ref["R4"], ref["R5"]])
    # threshold 8: before, F (R5, 7.7778) and F2 (H10) are under; now R5 7.1111 and H10
    eight = rav.suivi(runner.engine, w.project_id, threshold="8")
    assert eight["sous_seuil_avant"] == sorted([ref["R5"], ref["H10"]])
    assert eight["sous_seuil"] == sorted([ref["R5"], ref["H10"]])
    # per consumption unit: S before 1200/1.5/30 = 26.6667; R1 after lease 25.5556
    uc = {r["reference"]: r for r in rav.suivi(runner.engine, w.project_id, convention="uc")["households"]}
    assert (uc[ref["R1"]]["avant"], uc[ref["R1"]]["apres_bail"]) == (Decimal("26.6667"), Decimal("25.5556"))


def test_semestrial_report_s1_2026(programme):
    w, runner, ref, marks, _ = programme
    r = rs.build(runner.engine, w.project_id, 2026, 1)
    assert r["position"] == marks["end_s1"]
    assert r["population"] == {"inscrits": 12, "a_reloger": 6, "proposition_en_cours": 1, "reloges": 4, "sortis": 1}
    sem, cum = r["semestre_relogements"], r["cumul_relogements"]
    third, quarter, half = Decimal("33.33"), Decimal("25.00"), Decimal("50.00")
    assert sem["nombre"] == 3 and cum["nombre"] == 4  # R2, R3, R4 in S1; R1 in December 2025
    assert {k: (v["nombre"], v["taux"]) for k, v in sem["destinations"].items()} == {
        "meme_quartier": (1, third), "autre_qpv": (1, third), "hors_qpv": (1, third)}
    assert {k: (v["nombre"], v["taux"]) for k, v in cum["destinations"].items()} == {
        "meme_quartier": (1, quarter), "autre_qpv": (1, quarter), "hors_qpv": (2, half)}
    assert (sem["meme_bailleur"]["nombre"], sem["inter_bailleur"]["nombre"]) == (2, 1)
    assert sem["inter_bailleur"]["taux"] == third and cum["inter_bailleur"]["taux"] == half
    assert sem["typologies"] == {"T3": 2, "T4": 1} and cum["typologies"] == {"T3": 2, "T4": 2}
    assert sem["compositions"]["2 personnes"] == 3 and cum["compositions"]["2 personnes"] == 4
    assert sem["quartiles"] == {"1": 0, "2": 3, "3": 0, "4": 0, "non renseigné": 0}
    # TE: S1 0 − 3.3333 + 3.3333 = 0; cumul + 3.3333 → 3.3333 / 4 = 0.8333
    assert (sem["taux_effort_moyen"], cum["taux_effort_moyen"]) == (Decimal("0.0000"), Decimal("0.8333"))
    # RAV: S1 0 + 0.8333 − 0.8333 = 0; cumul − 0.8333 / 4 = −0.2083
    assert (sem["rav_moyen"], cum["rav_moyen"]) == (Decimal("0.0000"), Decimal("-0.2083"))
    assert (cum["rav_hausse"], cum["rav_baisse"]) == (1, 2)
    assert r["fragiles"]["avant"] == 1 and [f["reference"] for f in r["fragiles"]["liste"]] == [ref["H10"]]
    assert r["refus"] == {"semestre": 3, "cumul": 3, "semestre_motifs": {
        "Localisation": 1, "Loyer / reste à charge": 1, "Typologie / taille du logement": 1},
        "cumul_motifs": {"Localisation": 1, "Loyer / reste à charge": 1, "Typologie / taille du logement": 1}}
    assert sorted(d["reference"] for d in r["dossiers_ouverts"]) == sorted(
        ref[k] for k in ("R5", "H6", "H7", "H9", "H10", "H11", "H12"))
    # Quotas: R4 hors QPV: 1500 × 12 / 1.5 = 12 000 €/UC ≥ 10 100 → not Q1; R2, R3 in QPV, both Q2–4
    quotas = r["quotas"]
    assert quotas["reference"]["seuil_euros_uc_an"] == Decimal("10100")
    assert quotas["hors_qpv"] == {"attributions": 1, "premier_quartile": 0, "relogements_anru": 1,
                                  "taux_premier_quartile": Decimal("0.00"), "taux_q1_ou_anru": Decimal("100.00"),
                                  "objectif": Decimal(25)}
    assert (quotas["qpv"]["attributions"], quotas["qpv"]["quartiles_2_a_4"]) == (2, 2)

    html = ro.render_html(r)
    assert f"état au 30/06/2026, événement n°\u00a0{marks['end_s1']}" in html
    assert "10\u00a0100\u00a0€" in html and 'src="data:image/png;base64,' in html
    # the quartier LS-FAU alone: R2 (02/2026) and R4 (05/2026) in S1, plus R1 (12/2025) cumulated
    fau = rs.build(runner.engine, w.project_id, 2026, 1, quartier="LS-FAU")
    assert (fau["semestre_relogements"]["nombre"], fau["cumul_relogements"]["nombre"]) == (2, 3)
    # R2 same quartier, R4 hors QPV; cumul adds R1 hors QPV
    assert fau["cumul_relogements"]["destinations"]["hors_qpv"]["nombre"] == 2
    assert fau["population"] == {"inscrits": 7, "a_reloger": 4, "proposition_en_cours": 0, "reloges": 3, "sortis": 0}


def test_report_pdf_is_reproducible_without_harfbuzz_subset(programme, monkeypatch):
    # fontTools' subsets differ between runs: without HarfBuzz the fonts are embedded whole.
    from weasyprint.pdf import fonts

    w, runner, *_ = programme
    report = rs.build(runner.engine, w.project_id, 2026, 1)
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    pdf = ro.render_pdf(report)
    assert ro.render_pdf(rs.build(runner.engine, w.project_id, 2026, 1)) == pdf


def test_report_files_are_reproducible(programme):
    w, runner, *_ = programme
    first = rs.build(runner.engine, w.project_id, 2026, 1)
    pdf, xlsx = ro.render_pdf(first), ro.render_xlsx(first)
    again = rs.build(runner.engine, w.project_id, 2026, 1)
    assert ro.render_pdf(again) == pdf and ro.render_xlsx(again) == xlsx
    assert pdf.startswith(b"%PDF")
    assert '<meta name="dcterms.created" content="2026-06-30T21:59:59Z">' in ro.render_html(first, for_pdf=True)
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    # pinned to the semester's end: 01/07/2026 00:00 Paris = 30/06/2026 22:00 UTC, minus 1 µs
    assert book.properties.created == datetime(2026, 6, 30, 21, 59, 59)
    assert book.properties.modified == datetime(2026, 6, 30, 21, 59, 59)
    assert book["Synthèse"]["A3"].value.startswith("état au 30/06/2026")


def test_report_workbook_reads_as_french(programme):
    """Headers in French, dates as dates shown dd/mm/yyyy, no change of 0 before any after figure."""
    import io

    from openpyxl import load_workbook

    w, runner, ref, *_ = programme
    book = load_workbook(io.BytesIO(ro.render_xlsx(rs.build(runner.engine, w.project_id, 2026, 1))))
    sheet = book["Relogements"]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["Référence", "Opération", "Bail signé le", "Enregistré le", "Compté au semestre"]
    signed = sheet.cell(row=2, column=3)
    assert isinstance(signed.value, datetime) and signed.number_format == "DD/MM/YYYY"
    assert {sheet.cell(row=r, column=5).value for r in range(2, sheet.max_row + 1)} == {"oui", "non"}
    fragile = book["Ménages fragiles"]
    assert [c.value for c in fragile[1]][:2] == ["Référence", "Statut"]
    h10 = next(row for row in fragile.iter_rows(min_row=2, values_only=True) if row[0] == ref["H10"])
    # H10: 5.5556 before, no lease nor follow-up yet: the evolution cell stays empty.
    assert h10[2] == 5.5556 and h10[-1] is None


def test_french_formatting():
    assert ro.euros(Decimal("1234.56")) == "1\u00a0234,56\u00a0€"
    assert ro.euros(Decimal("-0.5")) == "-0,50\u00a0€"
    assert ro.percent(Decimal("33.33")) == "33,33\u00a0%"
    assert ro.percent(Decimal("17.65")) == "17,65\u00a0%"  # the rate as computed, not rounded again
    assert ro.date_fr(date(2026, 6, 30)) == "30/06/2026"
    assert ro.integer_fr(41237) == "41\u00a0237"
