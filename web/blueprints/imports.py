"""Upload households and offers (CSV or XLSX); download the templates."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_login import login_required

from relogement.web.context import (
    actor,
    audit_identity,
    can,
    forbid_in_past,
    principal,
    readmodels,
    relocation,
)
from relogement.web.duplicates import PURPOSE
from relogement.web.importer import KINDS, Importer, template_csv, template_xlsx
from relogement.web.policy import project_resource

bp = Blueprint("imports", __name__, url_prefix="/import")

ACTIONS = {"menages": "household.register", "offres": "offer.publish"}
LABELS = {"menages": "ménages à reloger", "offres": "offres de logement"}


def _projects(kind: str):
    return [p for p in readmodels().projects() if can(ACTIONS[kind], project_resource(p))]


@bp.route("")
@login_required
def index():
    allowed = {kind: bool(_projects(kind)) for kind in KINDS}
    if not any(allowed.values()):
        abort(403, description="L'import est réservé aux chargés de relogement des bailleurs et de la MOUS.")
    return render_template("imports/index.html", allowed=allowed, columns=KINDS, labels=LABELS, report=None)


@bp.route("/<kind>", methods=["POST"])
@login_required
def upload(kind: str):
    if kind not in KINDS:
        abort(404)
    forbid_in_past()
    projects = _projects(kind)
    if not projects:
        abort(403, description="Votre rôle ou votre organisation ne permet pas cet import.")
    project = projects[0]
    chosen = request.form.get("projet")
    if chosen:
        project = next((p for p in projects if str(p.id) == chosen), None)
        if project is None:
            abort(422, description="Projet inconnu ou non accessible.")
    upload = request.files.get("fichier")
    allowed = {k: bool(_projects(k)) for k in KINDS}
    context = {"allowed": allowed, "columns": KINDS, "labels": LABELS}
    if upload is None or not upload.filename:
        return render_template("imports/index.html", report=None, kind=kind,
                               error="Choisissez un fichier .csv ou .xlsx.", **context), 422
    importer = Importer(relocation(), readmodels(), project, actor(), principal().org_kind)
    importer.create_residences = request.form.get("creer_residences") in ("oui", "on")
    report = importer.run(kind, upload.filename, upload.read())
    # The duplicate check compared identities: the households it names are logged.
    audit_identity(report.twins_named, f"{PURPOSE} (import)")
    if report.ok:
        flash(
            f"Import terminé : {len(report.created)} ligne(s) importée(s), "
            f"{len(report.unchanged)} déjà présente(s) et inchangée(s).",
            "success",
        )
    return render_template("imports/index.html", report=report, kind=kind, filename=upload.filename, **context), (200 if report.ok else 422)


@bp.errorhandler(413)
def too_large(error):  # noqa: ANN001, ANN201 - werkzeug's RequestEntityTooLarge
    """A file over ``MAX_CONTENT_LENGTH``: said on the import page itself, not on an error
    page. Werkzeug refuses the body before the form is read (CSRF token included), so
    nothing was imported."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = f"{limit / (1024 * 1024):.0f} Mo"
    allowed = {k: bool(_projects(k)) for k in KINDS}
    message = (
        f"Le fichier envoyé dépasse la taille maximale de {size} : rien n'a été importé. "
        "Découpez-le en plusieurs fichiers (2 000 lignes au plus chacun) ou enregistrez-le en CSV, plus léger."
    )
    kind = (request.view_args or {}).get("kind")
    return render_template(
        "imports/index.html", allowed=allowed, columns=KINDS, labels=LABELS, report=None,
        kind=kind if kind in KINDS else None, error=message,
    ), 413


@bp.route("/modele/<kind>.<fmt>")
@login_required
def template(kind: str, fmt: str):
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "csv":
        return Response(
            template_csv(kind),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename=modele-{kind}.csv"},
        )
    return Response(
        template_xlsx(kind),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=modele-{kind}.xlsx"},
    )
