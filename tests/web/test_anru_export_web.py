"""The ANRU export from the UI (issue 23, point 2): the project's pilot and the auditors get
a page with the CLI's options (bailleur of origin, as-of day, XLSX or CSV) whose form
downloads the file outside htmx; other partners are refused; each download is written to
the access log for the households it describes; bad options answer in French on the
page (422). Both databases."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from relogement.projections import queries as q
from relogement.simulation import sample

PURPOSE = "export ANRU"


def _references_xlsx(data: bytes) -> list[str]:
    rows = list(load_workbook(io.BytesIO(data))["Ménages"].iter_rows(values_only=True))
    return sorted(r[0] for r in rows[1:])


def _references_csv(data: bytes) -> list[str]:
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][0] == "Référence ménage"
    return sorted(r[0] for r in lines[1:])


def test_pilot_downloads_xlsx_and_csv_as_of_a_day_and_each_download_is_logged(world, client_for, clock):
    app = world.app.extensions["relogement"]
    project = world.world.project_id
    first = world.ids["household"]  # registered on 02/03/2026 (VCL)
    clock.advance(days=2)  # 04/03/2026
    second = sample.register(world.world, bailleur="LMH", name="Famille Tardive")
    db = world.app.extensions["relogement.readmodels"].db
    ref = {h: q.get_household_public(db, h)["reference"] for h in (first, second)}
    mel = client_for("mel.partenaire")

    page = mel.get(f"/projets/{project}/export-anru")
    assert page.status_code == 200
    form = page.text[page.text.index('<form method="get"'):]
    assert 'hx-boost="false"' in form[: form.index(">")]  # a file, not a page for htmx to swap
    assert "Vilogia" in form and "Lille Métropole Habitat" in form  # the bailleurs of origin

    # Today, XLSX: both households.
    today = mel.get(f"/projets/{project}/export-anru/telecharger?format=xlsx")
    assert today.status_code == 200, today.text
    assert today.headers["Content-Disposition"] == 'attachment; filename="export-anru-LS-2026-03-04.xlsx"'
    assert _references_xlsx(today.data) == sorted(ref.values())
    # As of 03/03/2026 (end of day), CSV: only the first one was registered then.
    past = mel.get(f"/projets/{project}/export-anru/telecharger?format=csv&au=03/03/2026")
    assert past.status_code == 200 and past.mimetype == "text/csv"
    assert past.headers["Content-Disposition"] == 'attachment; filename="export-anru-LS-2026-03-03.csv"'
    assert _references_csv(past.data) == [ref[first]]
    # One bailleur of origin: LMH's household only.
    lmh = mel.get(f"/projets/{project}/export-anru/telecharger?format=csv&bailleur=LMH")
    assert _references_csv(lmh.data) == [ref[second]]
    assert "Famille" not in today.data.decode("latin-1") + past.data.decode("utf-8-sig")

    def logged(household):  # noqa: ANN001, ANN202
        return [(e.user, e.role) for e in app.access_log(household_id=household) if e.purpose == PURPOSE]

    # first: in the three exports; second: today's and LMH's.
    assert logged(first) == [("mel.partenaire", "partenaire")] * 2
    assert logged(second) == [("mel.partenaire", "partenaire")] * 2


def test_auditor_exports_other_partners_are_refused_and_log_nothing(world, client_for):
    app = world.app.extensions["relogement"]
    project = world.world.project_id
    household = world.ids["household"]
    auditor = client_for("anru.auditeur")
    assert auditor.get(f"/projets/{project}").text.count("export-anru") >= 1  # linked from the project
    assert auditor.get(f"/projets/{project}/export-anru/telecharger").status_code == 200
    for login in ("vls.partenaire", "lmh.charge", "vcl.charge", "mous.charge", "admin"):
        for url in (f"/projets/{project}/export-anru", f"/projets/{project}/export-anru/telecharger"):
            refused = client_for(login).get(url)
            assert refused.status_code == 403, (login, url)
            assert "pilote du projet" in refused.text
        assert "export-anru" not in client_for(login).get(f"/projets/{project}").text
    logged = [e.user for e in app.access_log(household_id=household) if e.purpose == PURPOSE]
    assert logged == ["anru.auditeur"]


def test_bad_options_answer_in_french_on_the_form(world, client_for):
    app = world.app.extensions["relogement"]
    project = world.world.project_id
    mel = client_for("mel.partenaire")
    for query, message in (
        ("format=docx", "Format attendu : XLSX ou CSV."),
        ("au=31/02/2026", "Date invalide « 31/02/2026 »"),
        ("au=05/03/2026", "Date à venir « 05/03/2026 »"),  # the clock is on 02/03/2026
        ("bailleur=HORS", "Bailleur inconnu dans ce projet : « HORS »."),
    ):
        answer = mel.get(f"/projets/{project}/export-anru/telecharger?{query}")
        assert answer.status_code == 422, query
        assert answer.mimetype == "text/html" and message in answer.text, query
        assert 'id="formulaire-export-anru"' in answer.text  # the form again, with the message
    assert [e for e in app.access_log() if e.purpose == PURPOSE] == []
