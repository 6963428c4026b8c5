"""Home, dashboard and report pages, and the auditors' "as of" date selector."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_required

from relogement.web.context import can, readmodels, require, viewpoint
from relogement.web.parsing import parse_date

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    return redirect(url_for("main.dashboard"))


@bp.route("/tableau-de-bord")
@login_required
def dashboard():
    require("report.view", _any_project_resource())
    vp = viewpoint()
    figures = readmodels().dashboard(vp.at, vp.position)
    return render_template("main/dashboard.html", figures=figures)


@bp.route("/reste-a-vivre")
@login_required
def reste_a_vivre():
    require("report.view", _any_project_resource())
    return render_template(
        "main/placeholder.html",
        title="Suivi du reste-à-vivre",
        text="Le suivi avant / proposé / après / suivi par ménage sera affiché ici dès que "
        "les projections de reste-à-vivre seront disponibles.",
    )


@bp.route("/rapport-semestriel")
@login_required
def semestrial_report():
    require("report.view", _any_project_resource())
    return render_template(
        "main/placeholder.html",
        title="Rapport semestriel du groupe de suivi peuplement",
        text="Le rapport semestriel (HTML, PDF et XLSX) sera affiché ici dès que les "
        "projections correspondantes seront disponibles.",
    )


@bp.route("/historique/date", methods=["POST"])
@login_required
def set_as_of():
    """Auditors: show every page as it stood at the end of the chosen day."""
    require("history.asof")
    text = request.form.get("au", "").strip()
    if not text or request.form.get("action") == "aujourdhui":
        session.pop("as_of", None)
        flash("Retour à l'état actuel.", "info")
    else:
        try:
            day = parse_date(text)
        except ValueError as error:
            abort(422, description=str(error))
        session["as_of"] = day.isoformat()
        flash(f"Vous consultez l'état au {day:%d/%m/%Y} (fin de journée).", "info")
    return redirect(_back())


def _back() -> str:
    target = request.form.get("retour", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.dashboard")


def _any_project_resource():
    """Reports cover the projects the user's organisation takes part in."""
    from relogement.web.context import principal
    from relogement.web.policy import Resource

    p = principal()
    projects = readmodels().projects()
    for project in projects:
        if p and p.org in project.partners:
            return project.resource()
    return Resource()


def _current_org_name() -> str:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return ""
    org = readmodels().organisation(current_user.org_id)
    return org.name if org else "Organisation inconnue"


@bp.app_context_processor
def inject() -> dict:
    return {
        "can": can,
        "viewpoint": viewpoint,
        "current_org_name": _current_org_name,
        "any_project": _any_project_resource,
    }
