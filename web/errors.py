"""Errors as French pages with a 4xx status; a domain rule broken is never a 500.

A ``DomainError`` that escapes a route becomes 403 (wrong organisation), 404 (not
found), 422 (invalid value) or 409 (the state forbids it). Routes with a form catch
it themselves to re-render the form with what the user typed.
"""

from __future__ import annotations

from flask import Flask, current_app, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from relogement.platform.errors import DomainError
from relogement.web.identity_views import forget_identity_views

FORBIDDEN_CODES = {
    "not_a_partner",
    "acts_for_itself",
    "wrong_organisation_kind",
    "not_household_officer",
    "not_offer_owner",
    "not_pilot",
    "own_proposal",
    "not_objection_author",
}

TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Action impossible dans l'état actuel",
    413: "Fichier trop volumineux",
    422: "Données invalides",
    429: "Trop de tentatives",
    500: "Erreur interne",
    503: "Service momentanément indisponible",
}

DEFAULT_MESSAGES = {
    400: "La requête n'a pas pu être comprise.",
    403: "Vous n'avez pas accès à cette page ou à cette action.",
    404: "Cette page n'existe pas, ou plus.",
    405: "Cette action n'est pas possible de cette façon.",
    413: "Le fichier envoyé dépasse la taille maximale (5 Mo).",
    429: "Trop de tentatives de connexion : patientez une minute avant de réessayer.",
    500: "Une erreur inattendue est survenue ; elle a été consignée.",
}


def status_for(error: DomainError) -> int:
    if error.code == "not_found":
        return 404
    if error.code == "invalid_value":
        return 422
    if error.code in FORBIDDEN_CODES:
        return 403
    return 409


def render_error(status: int, message: str | None = None):
    # An error page shows no household: the identities read before the refusal are
    # not logged as seen (web/identity_views).
    forget_identity_views()
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target"):
        return render_template("errors/fragment.html", status=status, message=message), status
    return (
        render_template(
            "errors/page.html",
            status=status,
            title=TITLES.get(status, "Erreur"),
            message=message or DEFAULT_MESSAGES.get(status, ""),
        ),
        status,
    )


def _page_above(path: str) -> str | None:
    """The nearest enclosing path that answers GET (``/a/b/c`` → ``/a/b``), if any."""
    adapter = current_app.url_map.bind("")
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
        except Exception:  # noqa: BLE001 - not found, not GET, a redirect rule: not a page to go to
            continue
        return candidate
    return None


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf(error: CSRFError):
        return render_error(
            400,
            "Le formulaire a expiré ou ne provient pas de cette application : "
            "rechargez la page et recommencez.",
        )

    @app.errorhandler(DomainError)
    def domain(error: DomainError):
        return render_error(status_for(error), error.message)

    @app.errorhandler(HTTPException)
    def http(error: HTTPException):
        status = error.code or 500
        if status == 405 and request.method == "GET":
            # Reloading the address a refused form was posted to (".../opposition"):
            # back to the page the form belongs to, rather than an error.
            parent = _page_above(request.path)
            if parent is not None:
                return redirect(parent, code=303)
        description = error.description
        # werkzeug's English defaults are replaced by French ones.
        # (A rate limit's own message is French, flask-limiter's default is "10 per 1 minute".)
        limit_message = getattr(getattr(error, "limit", None), "error_message", None)
        if not description or description == type(error).description or (
            status == 429 and not limit_message
        ):
            description = DEFAULT_MESSAGES.get(status)
        return render_error(status, description)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("erreur inattendue")
        return render_error(500)
