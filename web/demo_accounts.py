"""Demo accounts: one per role and per organisation of the demo programme.

Logins are ``<code>.<role>`` in lower case (``vil.charge``, ``v-lille.partenaire``,
``anru.auditeur``) plus ``admin``; the password is the same for all, for
demonstrations only (web/README-accounts.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from relogement.projections.views import OrgView
from relogement.web.accounts import AccountError, Accounts

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
ROLE_ORDER = list(ROLE_LABEL)


@dataclass(frozen=True)
class DemoAccount:
    """One line of the table `relogement demo-accounts` prints."""

    login: str
    organisation: str  # "Vilogia — Bailleur social"
    role: str  # French label
    created: bool  # created by this run (else it was already there)


def demo_accounts_table(
    accounts: Accounts, orgs: list[OrgView], created: list[str]
) -> list[DemoAccount]:
    """Every demo account present, as stored (organisation, role): chargés first, admin last."""
    by_id = {org.id: org for org in orgs}
    rows = []
    for login, _, _ in demo_logins(orgs):
        user = accounts.by_login(login)
        if user is None:
            continue
        org = by_id.get(user.org_id)
        rows.append(DemoAccount(
            user.login,
            f"{org.name} — {org.kind_label}" if org else str(user.org_id),
            ROLE_LABEL.get(user.role, user.role),
            login in created,
        ))
    rank = {ROLE_LABEL[role]: i for i, role in enumerate(ROLE_ORDER)}
    return sorted(rows, key=lambda row: (rank.get(row.role, len(rank)), row.login))


def format_demo_accounts(rows: list[DemoAccount], password: str = DEMO_PASSWORD) -> list[str]:
    """The lines printed by `relogement demo-accounts` (French)."""
    created = sum(row.created for row in rows)
    lines = [
        f"Comptes de démonstration : {created} créé(s), {len(rows) - created} déjà présent(s).",
        f"Mot de passe : {password} pour chacun (démonstration uniquement ; "
        "un mot de passe changé depuis reste changé).",
        "Identifiant : <code de l'organisation>.<charge|partenaire|auditeur>, et admin.",
    ]
    if not rows:
        return [*lines, "Aucune organisation : chargez d'abord la démo (relogement demo)."]
    header = DemoAccount("identifiant", "organisation", "rôle", False)
    login_width = max(len(row.login) for row in [header, *rows])
    org_width = max(len(row.organisation) for row in [header, *rows])
    role_width = max(len(row.role) for row in [header, *rows])
    lines.append("")
    for row in [header, *rows]:
        new = "nouveau" if row.created else ""
        lines.append(
            f"  {row.login:<{login_width}}  {row.organisation:<{org_width}}  "
            f"{row.role:<{role_width}}  {new}".rstrip()
        )
    return lines
