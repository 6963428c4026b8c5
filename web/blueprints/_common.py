"""Small helpers shared by the blueprints: one way to run a command from a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template

from relogement.platform.errors import DomainError, InvalidValue
from relogement.web.context import forbid_in_past
from relogement.web.errors import status_for
from relogement.web.parsing import DOMAIN_FIELDS, FormErrors


def run_form(
    command: Callable[[], Any],
    success: Callable[[Any], str],
    template: str,
    message: str,
    **context: Any,
):
    """Parse-and-run: success → flash + redirect; failure → the same form, filled, 4xx.

    ``command`` parses the request and calls ONE use case; FormErrors (bad input)
    give 422 with per-field messages; a DomainError gives its status with its message.
    """
    forbid_in_past()
    context = {k: v for k, v in context.items() if k != "errors"}
    try:
        result = command()
    except FormErrors as errors:
        return render_template(template, errors=errors.errors, **context), 422
    except InvalidValue as error:
        field = DOMAIN_FIELDS.get(error.field, error.field)
        return render_template(template, errors={field: error.message}, **context), 422
    except DomainError as error:
        return (
            render_template(template, errors={"__all__": error.message}, **context),
            status_for(error),
        )
    flash(message, "success")
    return redirect(success(result))
