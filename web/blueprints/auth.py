"""Login and logout, and the brute-force limits on failed logins."""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from relogement.web.accounts import MIN_PASSWORD_LENGTH
from relogement.web.context import accounts

bp = Blueprint("auth", __name__)

# A failed login answers 401 (below); only those count against the limits.
FAILED_LOGIN = 401


def limit_failed_logins(limiter, view: Callable) -> Callable:
    """Brute force: only *failed* attempts count, per client address and per login.

    A whole office behind one address logs in freely; an address that fails
    ``LOGIN_RATE_LIMIT`` times (default 10 a minute), or a login that fails
    ``LOGIN_RATE_LIMIT_PER_LOGIN`` times from any addresses (default 10 in 15 minutes),
    gets 429 until the window ends, even with the right password.
    """
    for config_key, key_func, who in (
        ("LOGIN_RATE_LIMIT", None, "depuis cette adresse"),
        ("LOGIN_RATE_LIMIT_PER_LOGIN", _login_key, "pour cet identifiant"),
    ):
        view = limiter.limit(
            _config_value(config_key),
            key_func=key_func,
            methods=["POST"],
            deduct_when=_failed,
            error_message=_wait_message(config_key, who),
        )(view)
    return view


def _failed(response: Response) -> bool:
    return response.status_code == FAILED_LOGIN


def _login_key() -> str:
    # Normalised like Accounts.by_login, capped like a login (80 characters).
    return "identifiant:" + request.form.get("identifiant", "").strip().lower()[:80]


def _config_value(config_key: str) -> Callable[[], str]:
    return lambda: current_app.config[config_key]  # read at each request (tests change it)


def _wait_message(config_key: str, who: str) -> Callable[[], str]:
    def message() -> str:
        from limits import parse_many

        seconds = max(item.get_expiry() for item in parse_many(current_app.config[config_key]))
        minutes = math.ceil(seconds / 60)
        wait = "une minute" if minutes == 1 else f"{minutes} minutes"
        return f"Trop de tentatives de connexion échouées {who} : patientez {wait} avant de réessayer."

    return message


def _safe_next(target: str | None) -> str:
    # Only local paths: an attacker's link must not send the user elsewhere after login.
    # A backslash counts as a slash for browsers ("/\\evil.example" is another site).
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.home")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    login_value = ""
    if request.method == "POST":
        login_value = request.form.get("identifiant", "").strip()
        password = request.form.get("mot_de_passe", "")
        user = accounts().authenticate(login_value, password) if login_value and password else None
        if user is None:
            return (
                render_template(
                    "auth/login.html",
                    login_value=login_value,
                    error="Identifiant ou mot de passe incorrect.",
                ),
                401,
            )
        session.clear()  # a fresh session after login (no fixation)
        login_user(user)
        session.permanent = True
        flash(f"Bienvenue, {user.display_name}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", login_value=login_value, error=None)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    # Server side: every session of this user ends (a copied cookie, another browser).
    accounts().end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("auth.login"))


@bp.route("/mon-compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    """The user changes their own password: every other session of theirs ends, this one
    goes on under the new session generation."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        current = request.form.get("mot_de_passe_actuel", "")
        new = request.form.get("nouveau_mot_de_passe", "")
        confirmation = request.form.get("confirmation", "")
        store = accounts()
        if store.authenticate(current_user.login, current) is None:
            errors["mot_de_passe_actuel"] = "Le mot de passe actuel est incorrect."
        if len(new) < MIN_PASSWORD_LENGTH:
            errors["nouveau_mot_de_passe"] = (
                f"Mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères au minimum)."
            )
        elif new == current:
            errors["nouveau_mot_de_passe"] = "Le nouveau mot de passe doit différer de l'actuel."
        if confirmation != new:
            errors["confirmation"] = "La confirmation ne correspond pas au nouveau mot de passe."
        if not errors:
            store.set_password(current_user.login, new)  # ends every session of the user...
            user = store.by_login(current_user.login)
            session.clear()
            login_user(user)  # ...and this browser goes on with the new generation
            session.permanent = True
            flash("Mot de passe modifié. Vos autres sessions sont fermées.", "success")
            return redirect(url_for("main.home"))
    return (
        render_template("auth/password.html", errors=errors, min_length=MIN_PASSWORD_LENGTH),
        422 if errors else 200,
    )
