"""The report page's open cases and fragile households, each row rendered once and kept by
what it shows (web/report_rows.py, issue 19: the running report's page after an event)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relogement.web import report_rows

CASE = {"reference": "LMH-2026-M00001", "statut": "À reloger", "operation": "DEM-FAU-1",
        "inscrit_le": date(2026, 3, 10), "propositions": 1, "refus": 0, "derniere_offre_legale": False}
FRAGILE = {"household_id": "0" * 32, "reference": "VCL-2026-M00002", "status_label": "Relogé",
           "avant": Decimal("5.10"), "propose": Decimal("6.00"), "apres_bail": Decimal("6.20"), "suivi": None,
           "evolution": Decimal("1.10")}


def test_each_row_is_rendered_once_while_what_it_shows_is_the_same(tmp_path, monkeypatch):
    from relogement.runtime import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}", "SECRET_KEY": "t",
                      "RELOGEMENT_DATA_DIR": str(tmp_path)})
    rendered = []
    original = report_rows.get_template_attribute

    def counted(template, name):
        macro = original(template, name)
        return lambda **k: rendered.append((name, (k.get("dd") or k.get("f"))["reference"])) or macro(**k)

    monkeypatch.setattr(report_rows, "get_template_attribute", counted)
    try:
        with app.test_request_context("/rapport-semestriel"):
            second = {**CASE, "reference": "LMH-2026-M00002", "derniere_offre_legale": True}
            html = report_rows.open_case_rows([CASE, second], set(), None)
            assert html.count("<tr>") == 2 and "10/03/2026" in html and "badge-rouge" in html
            assert "DEM-FAU-1" in html and html.index("M00001") < html.index("M00002")
            # The same values (new dicts, as after an event): nothing rendered again.
            again = report_rows.open_case_rows([dict(second), dict(CASE)], set(), None)
            assert sorted(again.splitlines()) == sorted(html.splitlines()) and again.index("M00002") < again.index("M00001")
            assert rendered == [("open_case", "LMH-2026-M00001"), ("open_case", "LMH-2026-M00002")]
            # One value changed, or the household erased since: that row only.
            changed = report_rows.open_case_rows([{**CASE, "refus": 1}, second], {"LMH-2026-M00002"}, None)
            assert "(ménage effacé)" in changed and changed.count("<tr>") == 2
            assert rendered[2:] == [("open_case", "LMH-2026-M00001"), ("open_case", "LMH-2026-M00002")]
            fragile = report_rows.fragile_rows([FRAGILE], set())
            assert f'href="/menages/{FRAGILE["household_id"]}"' in fragile and "5,10" in fragile and "+1,10" in fragile
            assert report_rows.fragile_rows([dict(FRAGILE)], set()) == fragile
            assert rendered[4:] == [("fragile", "VCL-2026-M00002")]
        with app.test_request_context("/rapport-semestriel", base_url="http://x/sous-dossier"):
            # Another mount point: its own links.
            assert 'href="/sous-dossier/menages/' in report_rows.fragile_rows([FRAGILE], set())
    finally:
        app.extensions["relogement"].close()
