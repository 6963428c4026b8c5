"""A file over the upload limit (5 MB) answers on the import page itself, in French, with
the forms to try again, not on a separate "413" page; nothing is imported (issue 23,
point 9). Both databases."""

from __future__ import annotations

import html
import io

MB = 1024 * 1024


def test_too_big_a_file_answers_on_the_import_page(world, client_for):
    relocation = world.app.extensions["relogement"]
    before = relocation.recorder.max_notification_id()
    client = client_for("vcl.charge")
    content = b"reference;nom\n" + b"X" * (5 * MB + 1)
    answer = client.post("/import/menages", {"fichier": (io.BytesIO(content), "menages.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == 413
    page = html.unescape(answer.text)
    assert "<h1>Importer des ménages ou des offres</h1>" in page  # the import page, not an error page
    assert "Le fichier envoyé dépasse la taille maximale de 5 Mo : rien n'a été importé." in page
    assert 'id="fichier-menages"' in page and 'id="fichier-offres"' in page  # try again from here
    assert "Fichier trop volumineux" not in page  # the generic error page's title
    assert relocation.recorder.max_notification_id() == before
