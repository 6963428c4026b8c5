"""Renewal projects: list, page (quartiers, operations, partners, settings), creation by
the pilot, partners and settings changed by the pilot."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import login_required

from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.project import DEFAULT_CHARTER_TEXT, DEFAULT_SETTINGS
from relogement.platform.values import ORGANISATION_KINDS
from relogement.web.blueprints._common import run_form
from relogement.web.context import (
    PARIS,
    actor,
    can,
    parse_id,
    readmodels,
    relocation,
    require,
    viewpoint,
)
from relogement.web.form_values import (
    OPERATION_KINDS,
    RAV_CONVENTIONS,
    read_operations,
    read_quartiers,
    read_settings,
)
from relogement.web.parsing import FormErrors, Reader
from relogement.web.policy import project_resource

bp = Blueprint("projects", __name__, url_prefix="/projets")


def _settings_form(settings: dict) -> dict:
    from relogement.web.filters import number

    return {
        "delai_heures": str(settings["objection_window_hours"]),
        "jours_ouvres": "oui" if settings.get("working_days_only") else "",
        "offres_max": str(settings["max_proposals"]),
        "convention_rav": settings["rav_convention"],
        "seuil_rav": number(settings["rav_threshold"], 2),
        "delai_reponse_jours": str(settings.get("answer_days") or DEFAULT_SETTINGS["answer_days"]),
        "charte_relogement": settings.get("charter_text") or DEFAULT_CHARTER_TEXT,
    }


@bp.route("")
@login_required
def index():
    vp = viewpoint()
    projects = [p for p in readmodels().projects(vp.position) if can("project.view", project_resource(p))]
    return render_template(
        "projects/index.html", projects=projects, may_create=vp.live and can("project.create"),
    )


def _project(project_id: str):
    project = readmodels().project(parse_id(project_id), viewpoint().position)
    if project is None:
        abort(404, description="Projet introuvable.")
    require("project.view", project_resource(project))
    return project


def _detail_context(project) -> dict:  # noqa: ANN001
    orgs = readmodels().organisations(viewpoint().position)
    partners = [o for o in orgs if o.id in project.partners]
    candidates = [o for o in orgs if o.id not in project.partners and o.kind != "audit"]
    manage = viewpoint().live and can("project.manage", project_resource(project))
    return {
        "project": project, "partners": partners, "candidates": candidates, "manage": manage,
        "open_data": can("open_data.export", project_resource(project)),
        "anru_export": can("anru.export", project_resource(project)),
        "kinds": ORGANISATION_KINDS, "operation_kinds": OPERATION_KINDS, "conventions": RAV_CONVENTIONS,
    }


@bp.route("/<project_id>")
@login_required
def detail(project_id: str):
    project = _project(project_id)
    return render_template(
        "projects/detail.html", form=_settings_form(project.settings), errors={}, **_detail_context(project)
    )


@bp.route("/<project_id>/donnees-ouvertes.zip")
@login_required
def open_data(project_id: str):
    """The project's open-data package (Frictionless: datapackage.json + CSV) as a zip,
    at the page's position (an auditor's past date included). No identity in it; each
    download is written to the access log for the households it describes."""
    from flask import Response

    from relogement.projections.open_data_archive import package_zip
    from relogement.web.context import audit_identity

    project = _project(project_id)
    require("open_data.export", project_resource(project))
    position = readmodels().position(viewpoint().position)
    archive = package_zip(relocation(), readmodels().db, project.id, position, readmodels().instant_of(position))
    if archive is None:
        abort(404, description="Projet introuvable à cette date.")
    audit_identity(list(archive.household_ids), "export données ouvertes")
    return Response(
        archive.data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{archive.file_name}"',
            "X-Position": str(archive.position),
        },
    )


ANRU_FORMATS = {"xlsx": "XLSX : synthèse, ménages, conventions", "csv": "CSV : ménages (séparateur « ; »)"}


def _anru_form(project, args) -> tuple[dict, dict]:  # noqa: ANN001
    """The export's options read from the query string, as the CLI takes them: format,
    bailleur of origin (code), as-of day (jj/mm/aaaa). Returns (options, French errors)."""
    from relogement.web.parsing import parse_date

    errors: dict[str, str] = {}
    fmt = args.get("format", "xlsx")
    if fmt not in ANRU_FORMATS:
        errors["format"] = "Format attendu : XLSX ou CSV."
    bailleurs = _anru_bailleurs(project)
    code = args.get("bailleur", "").strip()
    org = None
    if code:
        org = next((o for o in bailleurs if o.code == code), None)
        if org is None:
            errors["bailleur"] = f"Bailleur inconnu dans ce projet : « {code} »."
    day = None
    text = args.get("au", "").strip()
    if text:
        try:
            day = parse_date(text)
        except ValueError as error:
            errors["au"] = str(error)
        else:
            vp = viewpoint()
            if day > vp.at.astimezone(PARIS).date():
                limit = "la date consultée" if not vp.live else "aujourd'hui"
                errors["au"] = f"Date à venir « {text} » : l'export décrit un état passé, au plus tard {limit}."
    return {"format": fmt, "org": org, "day": day}, errors


def _anru_bailleurs(project) -> list:  # noqa: ANN001
    position = viewpoint().position
    return [o for o in readmodels().organisations(position) if o.id in project.partners and o.kind == "bailleur"]


@bp.route("/<project_id>/export-anru")
@login_required
def anru(project_id: str):
    """The ANRU export's options (those of ``relogement export anru``): project, bailleur
    of origin, as-of day, XLSX or CSV; the form downloads the file."""
    project = _project(project_id)
    require("anru.export", project_resource(project))
    _, errors = _anru_form(project, request.args)
    return render_template(
        "projects/anru_export.html", project=project, bailleurs=_anru_bailleurs(project),
        formats=ANRU_FORMATS, form=request.args, errors=errors if request.args else {},
    ), (422 if errors and request.args else 200)


@bp.route("/<project_id>/export-anru/telecharger")
@login_required
def anru_file(project_id: str):
    """The ANRU export as a file, at the chosen day's end (or the page's position). It
    holds exact amounts per household (pseudonymised): each download is written to the
    access log for the households it describes."""
    from flask import Response

    from relogement.projections import anru_export
    from relogement.web.context import audit_identity

    project = _project(project_id)
    require("anru.export", project_resource(project))
    options, errors = _anru_form(project, request.args)
    if errors:
        return render_template(
            "projects/anru_export.html", project=project, bailleurs=_anru_bailleurs(project),
            formats=ANRU_FORMATS, form=request.args, errors=errors,
        ), 422
    db = readmodels().db
    day = options["day"]
    position = anru_export.position_at_end_of(db, day) if day else readmodels().position(viewpoint().position)
    org = options["org"]
    try:
        data = anru_export.anru_data(db, project.id, org.id if org else None, position, as_of=day)
    except LookupError:
        abort(404, description="Ce projet n'existait pas encore à cette date.")
    fmt = options["format"]
    if fmt == "csv":
        content, mimetype = anru_export.anru_csv(db, project.id, data=data), "text/csv; charset=utf-8"
    else:
        content = anru_export.anru_export(db, project.id, data=data)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit_identity(data["household_ids"], "export ANRU")
    when = day or data["instant"].astimezone(PARIS).date()
    scope = f"-{org.code}" if org else ""
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="export-anru-{project.code}{scope}-{when:%Y-%m-%d}.{fmt}"',
            "X-Position": str(data["position"]),
        },
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def create():
    require("project.create")
    defaults = {
        "delai_heures": "48", "offres_max": "3", "convention_rav": "personne", "seuil_rav": "6,00",
        "delai_reponse_jours": str(DEFAULT_SETTINGS["answer_days"]), "charte_relogement": DEFAULT_CHARTER_TEXT,
    }
    form = request.form if request.method == "POST" else defaults
    context = {"form": form, "operation_kinds": OPERATION_KINDS, "conventions": RAV_CONVENTIONS}
    if request.method == "GET":
        return render_template("projects/new.html", errors={}, **context)

    def command() -> UUID:
        r = Reader(request.form)
        name = r.text("nom_projet", required=True, max_length=200)
        code = r.text("code_projet", required=True, max_length=30)
        quartiers = read_quartiers(r, "quartiers")
        operations = read_operations(r, "operations", {q["code"] for q in quartiers})
        settings = read_settings(r)
        r.check()
        try:
            return relocation().create_project(name, code, quartiers, operations, actor(), settings=settings)
        except DomainError as error:
            if error.code == "project_code_taken":  # under the field, with the others
                raise FormErrors({"code_projet": error.message}) from None
            raise

    return run_form(
        command,
        lambda pid: url_for("projects.detail", project_id=pid),
        "projects/new.html",
        "Projet créé : ajoutez ses partenaires (bailleurs, ville, Département, réservataires).",
        **context,
    )


def _managed(project_id: str):
    project = _project(project_id)
    require("project.manage", project_resource(project))
    return project


@bp.route("/<project_id>/partenaires", methods=["POST"])
@login_required
def add_partner(project_id: str):
    project = _managed(project_id)
    context = _detail_context(project)

    def command() -> None:
        r = Reader(request.form)
        chosen = r.choice(
            "partenaire", {str(o.id): o.name for o in context["candidates"]},
            invalid="Organisation inconnue ou déjà partenaire du projet.",
        )
        r.check()
        relocation().add_partner(project.id, UUID(chosen), actor())

    return run_form(
        command,
        lambda _: url_for("projects.detail", project_id=project.id),
        "projects/detail.html",
        "Partenaire ajouté : il voit le projet et reçoit ses notifications.",
        form={**_settings_form(project.settings), **request.form}, **context,
    )


@bp.route("/<project_id>/operations", methods=["POST"])
@login_required
def add_operations(project_id: str):
    """A later phase of the programme: new operations, and the new quartiers they are in."""
    project = _managed(project_id)

    def command() -> None:
        r = Reader(request.form)
        quartiers = read_quartiers(r, "nouveaux_quartiers", required=False)
        known = {q["code"] for q in project.quartiers} | {q["code"] for q in quartiers}
        operations = read_operations(r, "nouvelles_operations", known)
        r.check()
        try:
            relocation().add_operations(project.id, quartiers, operations, actor())
        except InvalidValue as error:  # a code already in the project: under this form's fields
            field = {"operations": "nouvelles_operations", "quartiers": "nouveaux_quartiers"}.get(error.field, error.field)
            raise FormErrors({field: error.message}) from None

    return run_form(
        command,
        lambda _: url_for("projects.detail", project_id=project.id),
        "projects/detail.html",
        "Opérations ajoutées : leurs ménages peuvent être inscrits.",
        form={**_settings_form(project.settings), **request.form}, **_detail_context(project),
    )


@bp.route("/<project_id>/parametres", methods=["POST"])
@login_required
def settings(project_id: str):
    project = _managed(project_id)

    def command() -> None:
        r = Reader(request.form)
        values = read_settings(r)
        r.check()
        relocation().change_project_settings(project.id, values, actor())

    return run_form(
        command,
        lambda _: url_for("projects.detail", project_id=project.id),
        "projects/detail.html",
        "Paramètres enregistrés : ils valent pour les propositions faites à partir de maintenant.",
        form=request.form, **_detail_context(project),
    )

