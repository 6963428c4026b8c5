"""Home, dashboard, reste-à-vivre and semestrial report pages, and the auditors'
"as of" date selector.

Every figure is read from the projections at a position: the live one, or for an
auditor the position of the chosen instant (``position_at``); each page states it
("état au 30/06/2026 23:59, événement n° 41 237").
"""

from __future__ import annotations

from datetime import time as dtime
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from relogement.web.context import (
    PARIS,
    can,
    now,
    principal,
    readmodels,
    require,
    viewpoint,
)
from relogement.web.page_parts import encoded, page_around
from relogement.web.parsing import Reader, parse_date
from relogement.web.policy import ACTING_ROLES, project_resource

bp = Blueprint("main", __name__)

CONVENTIONS = {"personne": "par personne", "uc": "par unité de consommation"}


def _project_convention(project) -> str:  # noqa: ANN001
    """The project's reste-à-vivre convention: the pages' default (domain.md: set per project)."""
    chosen = project.settings.get("rav_convention")
    return chosen if chosen in CONVENTIONS else "personne"
RAV_LISTS = {
    "tous": "Tous les ménages",
    "sous_seuil": "Sous le seuil",
    "forte_baisse": "Forte baisse",
    "reloges": "Relogés",
}
RAV_PAGE = 50


def reports():  # noqa: ANN201 - relogement.web.reports.Reports
    return current_app.extensions["relogement.reports"]


@bp.route("/")
@login_required
def home():
    """The landing page after login: « À traiter » for the users who act (officers and
    partners: what is due on them first), the dashboard for auditors and administrators,
    who have no work list."""
    if current_user.role in ACTING_ROLES:
        return redirect(url_for("worklist.index"))
    return redirect(url_for("main.dashboard"))


def report_project(r: Reader):
    """The project a report page is about: ``?projet=`` among those the user may read."""
    vp = viewpoint()
    projects = [p for p in readmodels().projects(vp.position) if can("report.view", project_resource(p))]
    if not projects:
        if readmodels().projects(vp.position):
            abort(403, description="Votre organisation n'est partenaire d'aucun projet.")
        # Nothing yet (an auditor looking before the programme began, or an empty store):
        # a page that says so, not an error.
        abort(make_response(render_template("main/no_project.html"), 200))
    chosen = r.uuid("projet", required=False)
    if chosen is None:
        return projects[0], projects
    for project in projects:
        if project.id == chosen:
            return project, projects
    # Unknown, or a project this user may not read: the same answer (no probing).
    abort(404, description="Projet introuvable.")


def _state(position: int | None) -> dict:
    """Position and instant a page is computed at, for its "état au …" line."""
    vp = viewpoint()
    pos = reports().position(position)
    return {"state_position": pos, "state_at": vp.at}


@bp.route("/tableau-de-bord")
@login_required
def dashboard():
    r = Reader(request.args)
    project, projects = report_project(r)
    require("report.view", project_resource(project))
    if r.errors:
        abort(400, description="Paramètre invalide : " + " ".join(r.errors.values()))
    vp = viewpoint()
    key, figures, shown_at = reports().dashboard_view(project.id, vp.position, vp.at)

    def body() -> Markup:
        latest = readmodels().proposals_page(
            vp.at, key[2], project_ids=[project.id], status=["bail_signe"], size=10
        )
        names = readmodels()._names(key[2])
        label = {
            "par_quartier": project.quartier_name,
            "par_operation": project.operation_name,
            "par_bailleur": lambda k: names.get(k, k),
            "par_bailleur_accueil": lambda k: names.get(k, k),
        }
        # Rows in the order people look for them: by name, not by code.
        groups = {
            k: sorted((figures.get(k) or {}).items(), key=lambda kv, f=fn: f(kv[0]).lower())
            for k, fn in label.items()
        }
        return Markup(render_template(
            "main/_dashboard_body.html", project=project, d=figures, t=figures["total"],
            names=names, groups=groups, latest=latest.items,
        ))

    return render_template(
        "main/dashboard.html",
        project=project,
        projects=projects,
        body=reports().cache.get(("corps",) + key, body),  # kept as Markup: no copy per request
        state_position=figures["position"],
        state_at=shown_at,
    )


@bp.route("/reste-a-vivre")
@login_required
def reste_a_vivre():
    r = Reader(request.args)
    project, projects = report_project(r)
    require("report.view", project_resource(project))
    convention = r.choice(
        "convention", CONVENTIONS, required=False,
        default=_project_convention(project),
    )
    quartiers = {q["code"]: q["name"] for q in project.quartiers}
    quartier = r.choice("quartier", quartiers, required=False) or None
    seuil = r.decimal("seuil") if r.raw("seuil") else None
    baisse = r.decimal("baisse") if r.raw("baisse") else Decimal("1")
    liste = r.choice("liste", RAV_LISTS, required=False, default="tous")
    number = r.integer("page", default=1, low=1, high=1_000_000)
    if seuil is not None and not Decimal(0) <= seuil <= Decimal(1000):
        r.errors["seuil"] = "Seuil attendu entre 0 et 1 000 € par jour."
    if not Decimal(0) <= baisse <= Decimal(1000):
        r.errors["baisse"] = "Baisse attendue entre 0 et 1 000 € par jour."
    vp = viewpoint()
    context = {
        "project": project, "projects": projects, "args": request.args, "errors": r.errors,
        "conventions": CONVENTIONS, "quartiers": quartiers, "lists": RAV_LISTS, "liste": liste,
        "convention": convention, "s": None, "rows": [], "page": None,
    }
    if r.errors:
        return render_template("main/reste_a_vivre.html", **context, **_state(vp.position)), 400
    s = reports().suivi(
        project.id, vp.position, vp.at, convention=convention, threshold=seuil, fall=baisse,
        quartier=quartier,
    )
    rows = s["households"]
    if liste == "sous_seuil":
        wanted = set(s["sous_seuil"])
        rows = [x for x in rows if x["reference"] in wanted]
    elif liste == "forte_baisse":
        wanted = set(s["forte_baisse"])
        rows = [x for x in rows if x["reference"] in wanted]
    elif liste == "reloges":
        rows = [x for x in rows if x["status"] == "reloge"]
    from relogement.projections.views import Page

    total = len(rows)
    pages = max(1, -(-total // RAV_PAGE))
    number = min(number, pages)
    page = Page(rows[(number - 1) * RAV_PAGE : number * RAV_PAGE], number, RAV_PAGE, total)
    ids = {x["household_id"] for x in page.items}
    erased = frozenset(i.hex for i in readmodels().erased(ids, vp.position))
    context.update(s=s, rows=page.items, page=page, erased=erased)
    # The figures and the page of households are the same for every reader of these
    # figures: rendered once (about 250 amounts and 60 links a page), kept as Markup. The
    # key holds what the HTML shows: the figures' key (web/reports.py, ``suivi``), the
    # list and page, the query string (the pagination's links) and the erasures it names.
    key = ("corps-rav", project.id, s["position"], convention, seuil, baisse, quartier, liste, number,
           tuple(sorted(request.args.items(multi=True))), erased)
    context["body"] = reports().cache.get(key, lambda: Markup(render_template("main/_reste_a_vivre_body.html", **context)))
    return render_template(
        "main/reste_a_vivre.html", **context, state_position=s["position"], state_at=vp.at
    )


def _report_params(project, r: Reader):
    """(year, half, quartier, convention, semester choices) from the query string."""
    from relogement.web.reports import parse_semester, semesters

    vp = viewpoint()
    created = readmodels().project_created_at(project.id, vp.position) or vp.at

    choices = semesters(created, vp.at)
    text = r.raw("semestre")
    if text:
        parsed = parse_semester(text)
        if parsed is None or not any((c.year, c.half) == parsed for c in choices):
            r.errors["semestre"] = "Semestre inconnu pour ce projet à cette date (ex. 2026-S1)."
            parsed = None
    else:
        # Default: the last semester over at the instant read (else the current one).
        done = [c for c in choices if c.ended]
        parsed = (done[0].year, done[0].half) if done else ((choices[0].year, choices[0].half) if choices else None)
    quartiers = {x["code"]: x["name"] for x in project.quartiers}
    quartier = r.choice("quartier", quartiers, required=False) or None
    convention = r.choice("convention", CONVENTIONS, required=False, default=_project_convention(project))
    return parsed, quartier, convention, choices, quartiers


@bp.route("/rapport-semestriel")
@login_required
def semestrial_report():
    r = Reader(request.args)
    project, projects = report_project(r)
    require("report.view", project_resource(project))
    parsed, quartier, convention, choices, quartiers = _report_params(project, r)
    vp = viewpoint()
    context = {
        "project": project, "projects": projects, "args": request.args, "errors": r.errors,
        "choices": choices, "quartiers": quartiers, "conventions": CONVENTIONS,
        "report": None, "chart": None, "choice": None,
    }
    if r.errors or parsed is None:
        return render_template("main/report.html", **context, **_state(vp.position)), (400 if r.errors else 200)
    year, half = parsed
    choice = next(c for c in choices if (c.year, c.half) == (year, half))
    if not vp.live and not choice.ended:
        # An auditor's past instant: the report is only defined once its semester is over.
        context["errors"] = {"semestre": "Ce semestre n'était pas terminé à la date consultée."}
        return render_template("main/report.html", **context, **_state(vp.position)), 400
    key = reports().report_key(project.id, year, half, quartier, convention)
    report = reports().report(key)
    position = readmodels().position(vp.position)

    def body() -> bytes:
        # The tables name erased households (as of the page's position) and link to files.
        return encoded(render_template(
            "main/_report_body.html", r=report, choice=choice, project=project,
            chart=reports().chart(key), erased=readmodels().erased_references(position),
        ))

    context.update(report=report, choice=choice)
    # Keyed by the erasures it names, not by the position: a new event does not change it.
    kept = reports().cache.get(
        ("corps", key, choice.ended, project.id, readmodels().erased_references(position)), body
    )
    return page_around(
        "main/report.html", kept, **context, state_position=report["position"],
        state_at=report["instant"] or vp.at,
    )


@bp.route("/rapport-semestriel.<fmt>")
@login_required
def semestrial_report_file(fmt: str):
    """The report as PDF (commission) or XLSX (bailleurs): produced in the background
    and cached by position; until ready, a page that polls (htmx) answers 202."""
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    r = Reader(request.args)
    project, _ = report_project(r)
    require("report.view", project_resource(project))
    parsed, quartier, convention, choices, _ = _report_params(project, r)
    if r.errors or parsed is None:
        abort(400, description="Paramètres du rapport invalides : " + " ".join(r.errors.values()))
    vp = viewpoint()
    year, half = parsed
    choice = next(c for c in choices if (c.year, c.half) == (year, half))
    if not vp.live and not choice.ended:
        abort(400, description="Ce semestre n'était pas terminé à la date consultée.")
    from relogement.web.reports import key_file_name

    key = reports().report_key(project.id, year, half, quartier, convention)
    # The waiting page's polls answer within a second; a click waits longer (reports.py).
    data = reports().file(key, fmt, wait=min(reports().wait_seconds, 1.0) if request.htmx else None)
    url = request.full_path.rstrip("?")
    if data is None and reports().failed(key, fmt):
        abort(503, description="La production du fichier a échoué ; réessayez dans un instant.")
    if request.htmx:
        # The waiting page polls here; once the file is ready, a link to it (286: stop).
        html = render_template("main/_report_status.html", fmt=fmt.upper(), url=url, ready=data is not None)
        return html, (286 if data is not None else 200)
    if data is None:
        back = url_for("main.semestrial_report", **request.args.to_dict())
        html = render_template(
            "main/report_waiting.html", fmt=fmt.upper(), url=url, ready=False, back=back
        )
        return html, 202, {"Retry-After": "2"}
    mimetype = (
        "application/pdf" if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = Response(data, mimetype=mimetype)
    # Named from the key: a file served from the store needs no figures.
    response.headers["Content-Disposition"] = f'attachment; filename="{key_file_name(key, fmt)}"'
    return response


@bp.route("/historique/date", methods=["POST"])
@login_required
def set_as_of():
    """Auditors: show every page as it stood at the chosen instant (end of the day by
    default, or the time given)."""
    require("history.asof")
    text = request.form.get("au", "").strip()
    hour = request.form.get("heure", "").strip()
    if not text and hour and request.form.get("action") != "aujourdhui":
        return _as_of_refused(f"Indiquez aussi la date de l'état à afficher (heure « {hour} » sans date).")
    if not text or request.form.get("action") == "aujourdhui":
        session.pop("as_of", None)
        session.pop("as_of_time", None)
        flash("Retour à l'état actuel.", "info")
        return redirect(_back())
    try:
        day = parse_date(text)
    except ValueError as error:
        return _as_of_refused(str(error))
    when = None
    if hour:
        try:
            hh, mm = hour.lower().replace("h", ":").split(":")
            when = dtime(int(hh), int(mm or 0))
        except ValueError:
            return _as_of_refused(f"Heure invalide « {hour} » (exemple : 14:30).")
    present = now().astimezone(PARIS)
    if day > present.date() or (when is not None and day == present.date() and when > present.time()):
        # The future is not history yet: back to the present (live pages), said so.
        session.pop("as_of", None)
        session.pop("as_of_time", None)
        chosen = f"{day:%d/%m/%Y}" + (f" à {when:%H:%M}" if when is not None else "")
        flash(f"Le {chosen} est à venir : l'historique s'arrête à maintenant, voici l'état actuel.", "info")
        return redirect(_back())
    session["as_of"] = day.isoformat()
    # No flash: the band under the menu says which instant is shown, on every page.
    if when is None:
        session.pop("as_of_time", None)
    else:
        session["as_of_time"] = when.strftime("%H:%M")
    return redirect(_back())


def _as_of_refused(message: str):
    """The instant typed cannot be read: say why, keep what was typed, offer the way back."""
    typed = {"au": request.form.get("au", ""), "heure": request.form.get("heure", "")}
    back = _back()
    return render_template(
        "main/asof_error.html", message=message, back=back, asof_typed=typed, asof_back=back
    ), 422


def _back() -> str:
    target = request.form.get("retour", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.dashboard")


def _any_project_resource():
    """The first project the user's organisation takes part in (menu entries)."""
    from relogement.web.policy import Resource

    p = principal()
    for project in readmodels().projects():
        if p and p.org in project.partners:
            return project_resource(project)
    return Resource()


def _current_org_name() -> str:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return ""
    org = readmodels().organisation(current_user.org_id)
    return org.name if org else "Organisation inconnue"


def _due() -> int:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return 0
    from relogement.web.worklist import due_count

    return due_count(current_user.login, current_user.org_id)


def _unread() -> int:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return 0
    from relogement.web.inbox import unread_count

    return unread_count(current_user.org_id, current_user.login, viewpoint().at,
                        getattr(current_user, "read_version", None))


@bp.app_context_processor
def inject() -> dict:
    return {
        "can": can,
        "viewpoint": viewpoint,
        "current_org_name": _current_org_name,
        "any_project": _any_project_resource,
        "unread_notifications": _unread,
        "due_items": _due,
        "readmodels_position": lambda: readmodels().last_position(),
    }
