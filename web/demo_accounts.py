"""Demo accounts: one per role and per organisation of the demo programme.

Logins are ``<code>.<role>`` in lower case (``lmh.charge``, ``vls.partenaire``,
``anru.auditeur``) plus ``admin``; the password is the same for all, for
demonstrations only (web/README-accounts.md).
"""

from __future__ import annotations

from relogement.web.accounts import AccountError, Accounts
from relogement.web.readmodels import OrgView

DEMO_PASSWORD = "demo-relogement"

ROLE_BY_KIND = {
    "bailleur": ("charge", "charge_relogement"),
    "mous": ("charge", "charge_relogement"),
    "ville": ("partenaire", "partenaire"),
    "epci": ("partenaire", "partenaire"),
    "departement": ("partenaire", "partenaire"),
    "reservataire": ("partenaire", "partenaire"),
    "audit": ("auditeur", "auditeur"),
}


def demo_logins(orgs: list[OrgView]) -> list[tuple[str, str, OrgView]]:
    """(login, role, organisation) of every demo account, admin last."""
    rows = []
    for org in orgs:
        suffix, role = ROLE_BY_KIND.get(org.kind, ("partenaire", "partenaire"))
        rows.append((f"{org.code.lower()}.{suffix}", role, org))
    pilot = next((o for o in orgs if o.kind == "epci"), orgs[0] if orgs else None)
    if pilot is not None:
        rows.append(("admin", "admin", pilot))
    return rows


def create_demo_accounts(accounts: Accounts, orgs: list[OrgView], password: str = DEMO_PASSWORD) -> list[str]:
    """Create the missing demo accounts (idempotent); returns the logins created."""
    created = []
    for login, role, org in demo_logins(orgs):
        if accounts.by_login(login):
            continue
        try:
            accounts.create(login, password, org.id, role, login)
        except AccountError:
            continue
        created.append(login)
    return created


ROLE_LABEL = {
    "charge_relogement": "Chargé(e) de relogement",
    "partenaire": "Partenaire",
    "auditeur": "Auditeur",
    "admin": "Administrateur",
}
