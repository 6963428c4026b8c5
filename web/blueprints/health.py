"""``GET /sante``: is this instance fit to serve? For monitoring and load balancers.

No login, no rate limit, no business data: the status and the number of events the
read models are behind the event store (``lag``), plus whether a projection failure
holds them (``bloque``). 503 when the lag passes ``RELOGEMENT_HEALTH_MAX_LAG`` (app
setting or environment variable; default 1000 events, more than a large import
leaves behind for a few seconds) or when the database does not answer.
"""

from __future__ import annotations

import os

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from relogement.projections.lag import lag
from relogement.web.context import runner

bp = Blueprint("sante", __name__)

DEFAULT_MAX_LAG = 1000


def max_lag() -> int:
    value = current_app.config.get("RELOGEMENT_HEALTH_MAX_LAG") or os.environ.get(
        "RELOGEMENT_HEALTH_MAX_LAG"
    )
    return int(value) if value not in (None, "") else DEFAULT_MAX_LAG


@bp.get("/sante")
def health() -> ResponseReturnValue:
    try:
        state = lag(runner())
    except Exception:  # noqa: BLE001 - the database does not answer: say so, nothing more
        current_app.logger.error("/sante : base de données injoignable")
        return _answer({"status": "indisponible"}, 503)
    late = state.events > max_lag()
    body = {"status": "en_retard" if late else "ok", "lag": state.events, "bloque": state.blocked}
    return _answer(body, 503 if late else 200)


def _answer(body: dict, status: int) -> ResponseReturnValue:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
