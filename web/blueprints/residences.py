"""Residences (peuplement): the view by residence, a residence's sheet, its objectives and
note, the occupancy import (OPS), and the project's class thresholds."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from relogement.platform import peuplement as pp
from relogement.platform.residence_commands import NewResidence
from relogement.projections.residence_sheets import filter_sheets, residences_xlsx, sheet
from relogement.web import residence_reads as reads
from relogement.web.blueprints._common import run_form
from relogement.web.context import (
    actor,
    can,
    forbid_in_past,
    principal,
    readmodels,
    relocation,
    require,
    viewpoint,
)
from relogement.web.occupancy_import import OCCUPANCY_COLUMNS, import_occupancy
from relogement.web.parsing import Reader
from relogement.web.policy import project_resource

bp = Blueprint("residences", __name__, url_prefix="/residences")

SHARE_FIGURES = [(f, pp.FIGURE_LABELS[f]) for f in pp.FIGURES]


def _project(action: str = "residence.view"):
    vp = viewpoint()
    projects = [p for p in readmodels().projects(vp.position) if can(action, project_resource(p))]
    if not projects:
        abort(403, description="Votre organisation n'est partenaire d'aucun projet.")
    chosen = request.values.get("projet")
    if chosen:
        project = next((p for p in projects if str(p.id) == chosen), None)
        if project is None:
            abort(400, description="Projet inconnu ou non accessible.")
        return project, projects
    return projects[0], projects


def _state() -> dict:
    vp = viewpoint()
    return {"state_position": vp.position or readmodels().last_position(), "state_at": vp.at}


def _filters(project):
    r = Reader(request.args)
    klass = r.choice("classe", pp.CLASS_LABELS, required=False)
    bailleurs = {o.id.hex: o.name for o in readmodels().organisations() if o.kind == "bailleur"}
    bailleur = r.choice("bailleur", bailleurs, required=False)
    commune = r.text("commune", max_length=120)
    if r.errors:
        abort(400, description="Filtre invalide : " + " ".join(r.errors.values()))
    return klass or "", bailleur or "", commune, bailleurs


@bp.route("")
@login_required
def index():
    project, projects = _project()
    klass, bailleur, commune, bailleurs = _filters(project)
    vp = viewpoint()
    every = reads.sheets(project.id, project.settings, vp.position)
    shown = filter_sheets(every, klass, bailleur, commune)
    return render_template(
        "residences/index.html", project=project, projects=projects, sheets=shown, total=len(every),
        classes=pp.CLASS_LABELS, bailleurs=bailleurs, communes=sorted({s.commune for s in every if s.commune}),
        form=request.args, can_import=can("residence.import", project_resource(project)) and vp.live,
        can_thresholds=can("residence.thresholds", project_resource(project)) and vp.live,
        **_state(),
    )


@bp.route("/export.xlsx")
@login_required
def export():
    project, _ = _project()
    klass, bailleur, commune, bailleurs = _filters(project)
    vp = viewpoint()
    shown = filter_sheets(reads.sheets(project.id, project.settings, vp.position), klass, bailleur, commune)
    state = _state()
    line = (f"Résidences – {project.name} – état au {vp.at:%d/%m/%Y %H:%M} UTC, "
            f"événement n° {state['state_position']}")
    return Response(
        residences_xlsx(shown, bailleurs, line),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=residences-{project.code}.xlsx"},
    )


def _residence(residence_id: str):
    vp = viewpoint()
    try:
        rid = UUID(hex=residence_id).hex
    except ValueError:
        abort(404, description="Résidence introuvable.")
    row = reads.residence(rid, vp.position)
    project = readmodels().project(UUID(row["project_id"]), vp.position) if row else None
    if row is None or project is None:
        abort(404, description="Résidence introuvable.")
    resource = replace(project_resource(project), owner_org=UUID(row["bailleur_org"]))
    require("residence.view", resource)
    return row, project, resource


@bp.route("/<residence_id>")
@login_required
def detail(residence_id: str):
    row, project, resource = _residence(residence_id)
    vp = viewpoint()
    balance = reads.balances(project.id, project.settings, vp.position, residence_id=row["residence_id"])[0]
    return render_template(
        "residences/detail.html", s=sheet(balance), row=row, project=project,
        surveys=reads.surveys(row["residence_id"], vp.position),
        bailleur=next((o.name for o in readmodels().organisations() if o.id.hex == row["bailleur_org"]), ""),
        can_objectives=can("residence.objectives", resource) and vp.live,
        can_note=can("residence.note", resource) and vp.live,
        figures=SHARE_FIGURES, errors={}, form=_objectives_form(row), **_state(),
    )


def _objectives_form(row: dict) -> dict:
    """The forms as recorded: the note, and the objectives (one of each kind)."""
    form = {"texte": row["note_text"]}
    for objective in row["objectives"] or []:
        if objective["kind"] == "max_first_quartile":
            form["max_premier_quartile"] = str(objective["limit"])
        elif objective["kind"] == "employment_priority":
            form["priorite_emploi"] = "oui"
        else:
            form["part_indicateur"], form["part_max"] = objective["figure"], objective["percent"]
    return form


@bp.route("/<residence_id>/objectifs", methods=["POST"])
@login_required
def objectives(residence_id: str):
    row, project, resource = _residence(residence_id)
    require("residence.objectives", resource)

    def command():
        r = Reader(request.form)
        limit = r.optional_int("max_premier_quartile", 0, 10_000)
        figure = r.choice("part_indicateur", dict(SHARE_FIGURES), required=False)
        share = r.text("part_max", max_length=10)
        comment = r.text("commentaire", max_length=300)
        r.check()
        chosen = []
        if limit is not None:
            chosen.append({"kind": "max_first_quartile", "limit": limit})
        if r.boolean("priorite_emploi"):
            chosen.append({"kind": "employment_priority"})
        if figure and share:
            chosen.append({"kind": "max_share", "figure": figure, "percent": share})
        relocation().set_residence_objectives(UUID(row["residence_id"]), chosen, comment, actor())

    return _after(command, row, project, "Objectifs de la résidence enregistrés.")


@bp.route("/<residence_id>/note", methods=["POST"])
@login_required
def note(residence_id: str):
    row, project, resource = _residence(residence_id)
    require("residence.note", resource)

    def command():
        r = Reader(request.form)
        text = r.text("texte", max_length=500, multiline=True)
        r.check()
        relocation().write_residence_note(UUID(row["residence_id"]), text, actor())

    return _after(command, row, project, "Note enregistrée.")


def _after(command, row, project, message: str):
    vp = viewpoint()
    balance = reads.balances(project.id, project.settings, vp.position, residence_id=row["residence_id"])[0]
    return run_form(
        command, lambda _: url_for("residences.detail", residence_id=row["residence_id"]),
        "residences/detail.html", message, s=sheet(balance), row=row, project=project,
        surveys=reads.surveys(row["residence_id"], vp.position), bailleur="", figures=SHARE_FIGURES,
        can_objectives=True, can_note=True, form=request.form, **_state(),
    )


@bp.route("/nouvelle", methods=["GET", "POST"])
@login_required
def register():
    project, projects = _project("residence.import")
    form = request.form if request.method == "POST" else {}
    context = {"project": project, "projects": projects, "form": form}
    if request.method == "GET":
        return render_template("residences/new.html", errors={}, **context)

    def command():
        r = Reader(request.form)
        row = NewResidence(
            r.text("residence", required=True, max_length=30), r.text("nom", max_length=200),
            r.text("adresse", max_length=200), r.text("commune", max_length=200),
            r.text("quartier", max_length=200), r.boolean("qpv"), r.integer("logements", low=0, high=10_000),
        )
        r.check()
        return relocation().register_residence(project.id, row, actor())

    return run_form(command, lambda rid: url_for("residences.detail", residence_id=rid.hex),
                    "residences/new.html", "Résidence enregistrée.", **context)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def occupancy():
    project, projects = _project("residence.import")
    context = {"project": project, "projects": projects, "columns": OCCUPANCY_COLUMNS, "report": None}
    if request.method == "GET":
        return render_template("residences/import.html", **context)
    forbid_in_past()
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        return render_template("residences/import.html", error="Choisissez un fichier .csv ou .xlsx.", **context), 422
    me = principal().org
    report = import_occupancy(
        relocation(), project.id, actor(), reads.codes(project.id, me), upload.filename, upload.read(),
        create_missing=request.form.get("creer_residences") in ("oui", "on"),
    )
    if report.ok:
        flash(f"Enquête d'occupation importée : {report.recorded} résidence(s), dont "
              f"{len(report.created)} créée(s).", "success")
    context["report"] = report
    return render_template("residences/import.html", filename=upload.filename, **context), (200 if report.ok else 422)


@bp.route("/modele.csv")
@login_required
def template():
    header = ";".join(c[0] for c in OCCUPANCY_COLUMNS)
    example = ";".join(c[3] for c in OCCUPANCY_COLUMNS)
    return Response(("\ufeff" + header + "\r\n" + example + "\r\n").encode("utf-8"),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=modele-occupation.csv"})


@bp.route("/seuils", methods=["GET", "POST"])
@login_required
def thresholds():
    project, projects = _project("residence.thresholds")
    require("residence.thresholds", project_resource(project))
    current = pp.thresholds(project.settings)
    form = request.form if request.method == "POST" else {k: str(v) for k, v in current.items()}
    context = {"project": project, "form": form, "keys": list(pp.DEFAULT_THRESHOLDS)}
    if request.method == "GET":
        return render_template("residences/thresholds.html", errors={}, **context)

    def command():
        values = {k: request.form.get(k, "").strip() for k in pp.DEFAULT_THRESHOLDS}
        relocation().change_project_settings(project.id, {"peuplement": pp.check_thresholds(values)}, actor())

    return run_form(command, lambda _: url_for("residences.index", projet=project.id),
                    "residences/thresholds.html", "Seuils de classement enregistrés.", **context)


__all__ = ["bp", "redirect"]
