"""The proposal form: the preview of the indicators the proposal will carry, its warnings,
and sending it (with a confirmation while a warning stands).

The routes stay in ``blueprints/households.py`` (``households.propose`` and
``households.propose_preview``); this module holds their work. The preview's context is
built in one place, :func:`preview_context`: a figure added beside the officer's aid
estimate (a simulated aid, say) is one more key there and one more block in
``households/_proposal_preview.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import render_template, request, url_for

from relogement.housing_aid.client import Estimates
from relogement.platform.command_checks import _check_aid
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.proposal_preview import warnings_token
from relogement.platform.simulated_aid import AID_USED, SIMULATED, TYPED
from relogement.web import residence_reads
from relogement.web.aid_views import offer_aids
from relogement.web.blueprints._common import run_form
from relogement.web.context import actor, relocation
from relogement.web.field_labels import DOMAIN_FIELDS
from relogement.web.parsing import FormErrors, Reader

CONFIRM_FIELD = "confirmer_alertes"  # the box of households/_proposal_preview.html
UNAVAILABLE = (
    "Cette offre n'est plus disponible (proposée entre-temps, louée ou retirée) : "
    "choisissez-en une autre."
)


def _offer_and_aid(values: Mapping[str, str], offers: list, *, aid_required: bool) -> tuple[Any, int, Reader]:
    """The chosen offer (None if none or unknown) and the aid estimate in cents, read
    from ``values``; the reader holds the errors in French. The estimate is required only
    when it is the aid used (``aide_retenue`` = "saisie", or an estimate typed)."""
    r = Reader(values)
    chosen = r.choice("offre", {str(o.id): o.reference for o in offers}, required=aid_required, invalid=UNAVAILABLE)
    aid = r.cents("apl_estimee", required=aid_required and _aid_used(values) == TYPED)
    offer = next((o for o in offers if str(o.id) == chosen), None) if chosen else None
    return offer, aid, r


def _aid_used(values: Mapping[str, str]) -> str:
    """The aid the officer chose; unchosen: the estimate typed, else (an offer chosen) the
    simulated aid, which falls back to the typed one when no simulation is available."""
    used = (values.get("aide_retenue") or "").strip()
    if used in AID_USED:
        return used
    typed, offer = ((values.get(k) or "").strip() for k in ("apl_estimee", "offre"))
    return TYPED if typed or not offer else SIMULATED


def _simulated(household: Any, offer: Any, values: Mapping[str, str], estimates: Estimates | None = None) -> dict:
    """The simulated aid of the chosen offer (issue 21) and the aid the indicators use."""
    if offer is None:
        return {"aids": Estimates(), "simulated": None, "aid_used": TYPED}
    aids = estimates if estimates is not None else offer_aids(household, [offer])
    simulated = aids.get(str(offer.id))
    used = _aid_used(values) if simulated is not None else TYPED
    return {"aids": aids, "simulated": simulated, "aid_used": used}


def preview_context(
    household: Any, offers: list, values: Mapping[str, str], estimates: Estimates | None = None
) -> dict:
    """Everything the preview partial shows, from the form's values; records nothing.

    Keys: ``offer`` (the chosen offer's view or None), ``aid_cents`` and ``aid_typed``
    (the officer's estimate; 0 while not typed), ``preview`` (the domain's
    ``ProposalPreview``: indicators, warnings, rank) or None, ``warnings``,
    ``confirm_token`` (the warnings' codes the confirmation box carries), and
    ``preview_errors`` (field → French message).
    """
    offer, aid, r = _offer_and_aid(values, offers, aid_required=False)
    sim = _simulated(household, offer, values, estimates)
    context: dict[str, Any] = {
        "offer": offer, "aid_cents": aid, "aid_typed": bool((values.get("apl_estimee") or "").strip()),
        "preview": None, "warnings": [], "confirm_token": "", "preview_errors": dict(r.errors),
        "form": values, **sim,
        # The groupe de suivi's objectives for the offer's residence (issue 22).
        "residence_warnings": residence_reads.offer_warnings(household, offers, values) if offer else [],
    }
    if offer is None or r.errors:
        return context
    if sim["aid_used"] == SIMULATED:
        context["aid_cents"] = aid = sim["simulated"].amount_cents
    try:
        preview = relocation().preview_proposal(household.id, offer.id, aid, actor())
    except InvalidValue as error:
        context["preview_errors"] = {DOMAIN_FIELDS.get(error.field, error.field): error.message}
        return context
    except DomainError as error:
        context["preview_errors"] = {"__all__": error.message}
        return context
    context.update(
        preview=preview, warnings=list(preview.warnings), confirm_token=warnings_token(list(preview.warnings))
    )
    return context


def _page_context(household: Any, offers: list, form: Mapping[str, str], *, every_offer: bool = True) -> dict:
    # The whole page: every offer simulated in one batch (cached by inputs), shown in the list.
    estimates = offer_aids(household, offers) if every_offer else None
    context = preview_context(household, offers, form, estimates)
    return {
        **context, "household": household, "offers": offers, "form": form,
        "offer_aids": estimates or context["aids"],
        "preview_url": url_for("households.propose_preview", household_id=household.id),
    }


def _typed(values: Mapping[str, str]) -> dict:
    return {k: values.get(k, "") for k in ("offre", "apl_estimee", "aide_retenue")}


def preview(household: Any, offers: list):
    """The preview (GET, htmx): the partial alone; without htmx, the whole form."""
    context = _page_context(household, offers, _typed(request.args), every_offer=not request.htmx)
    if request.htmx:
        return render_template("households/_proposal_preview.html", **context)
    return render_template("households/propose.html", errors={}, **context)


def propose(household: Any, offers: list):
    """The form (GET, an offer preselected by ``?offre=``) and sending it (POST)."""
    if request.method == "GET":
        context = _page_context(household, offers, _typed(request.args))
        return render_template("households/propose.html", errors={}, **context)
    context = _page_context(household, offers, request.form)

    def command() -> UUID:
        offer, aid, r = _offer_and_aid(request.form, offers, aid_required=True)
        r.domain(lambda: _check_aid(aid, "apl_estimee"))  # with the offer's error, in one answer
        r.check()
        # Checked on the server too: the box must confirm the warnings standing now.
        token = context["confirm_token"]
        if token and request.form.get(CONFIRM_FIELD, "") != token:
            raise FormErrors({
                CONFIRM_FIELD: "Des alertes subsistent sur cette proposition : cochez la case de "
                "confirmation pour l'envoyer malgré elles, ou changez d'offre ou d'aide estimée."
            })
        used, simulated = context["aid_used"], context["simulated"]
        typed = (request.form.get("apl_estimee") or "").strip()
        if _aid_used(request.form) == SIMULATED and simulated is None:
            raise FormErrors({"aide_retenue": "Simulation indisponible : l'aide simulée ne peut pas être retenue ; saisissez votre estimation."})
        if context["residence_warnings"] and request.form.get("malgre_avertissement") != "oui":
            raise FormErrors({"offre": "Cette proposition va à l'encontre d'un objectif de la résidence : "
                                       "lisez l'avertissement, puis confirmez ou choisissez une autre offre."})
        return relocation().make_proposal(
            household.id, offer.id, aid if (typed or used == TYPED) else None, actor(),
            simulated=simulated, aid_used=used,
            simulation_status=None if context["aids"].available else "indisponible",
        )

    return run_form(
        command,
        lambda pid: url_for("proposals.detail", proposal_id=pid),
        "households/propose.html",
        "Proposition faite : les partenaires ont le délai d'opposition pour réagir.",
        **context,
    )
