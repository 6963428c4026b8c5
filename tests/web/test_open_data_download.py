"""The open-data package from the UI: the project's pilot and the auditors download it
as a zip (a real attachment, outside htmx's boost), which frictionless validates; other
partners are refused; each download is written to the access log for the households it
describes, with its purpose. Both databases."""

from __future__ import annotations

import io
import zipfile

PURPOSE = "export données ouvertes"


def _download(client, project) -> tuple[object, zipfile.ZipFile | None]:  # noqa: ANN001
    response = client.get(f"/projets/{project}/donnees-ouvertes.zip")
    if response.status_code != 200:
        return response, None
    return response, zipfile.ZipFile(io.BytesIO(response.data))


def test_pilot_downloads_a_valid_package_and_the_download_is_logged(world, client_for, tmp_path):
    from frictionless import validate

    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    project = world.world.project_id
    before = [e for e in app.access_log(household_id=household) if e.purpose == PURPOSE]
    assert before == []

    response, archive = _download(client_for("mel.partenaire"), project)  # the EPCI pilots
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".zip" in disposition
    names = archive.namelist()
    assert "datapackage.json" in names and "menages_inscrits.csv" in names
    archive.extractall(tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    content = "".join(archive.read(n).decode("utf-8") for n in names)
    assert household.hex in content
    assert "Famille Benali" not in content  # no identity

    logged = [e for e in app.access_log(household_id=household) if e.purpose == PURPOSE]
    assert [(e.user, e.org, e.role) for e in logged] == [
        ("mel.partenaire", world.world.orgs["MEL"], "partenaire")
    ]


def test_auditor_downloads_and_is_logged_other_partners_are_refused(world, client_for):
    app = world.app.extensions["relogement"]
    household = world.ids["household"]
    project = world.world.project_id

    response, archive = _download(client_for("anru.auditeur"), project)
    assert response.status_code == 200 and "datapackage.json" in archive.namelist()
    for login in ("vls.partenaire", "lmh.charge", "vcl.charge", "mous.charge", "admin"):
        refused, _ = _download(client_for(login), project)
        assert refused.status_code == 403, login
        assert "pilote du projet" in refused.text
    logged = [e.user for e in app.access_log(household_id=household) if e.purpose == PURPOSE]
    assert logged == ["anru.auditeur"]  # refused requests log nothing


def test_project_page_links_to_the_download_outside_htmx_boost(world, client_for):
    project = world.world.project_id
    page = client_for("mel.partenaire").get(f"/projets/{project}").text
    at = page.index(f"/projets/{project}/donnees-ouvertes.zip")
    link = page[page.rindex("<a", 0, at): page.index("</a>", at)]
    assert 'hx-boost="false"' in link and "download" in link
    assert "donnees-ouvertes.zip" not in client_for("vls.partenaire").get(f"/projets/{project}").text


def test_unknown_project_is_a_404(world, client_for):
    from uuid import uuid4

    assert client_for("anru.auditeur").get(f"/projets/{uuid4()}/donnees-ouvertes.zip").status_code == 404
    assert client_for("anru.auditeur").get("/projets/pas-un-id/donnees-ouvertes.zip").status_code in (400, 404)
