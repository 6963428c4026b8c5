"""``relogement audit …`` and ``relogement privacy …``: registered on the main CLI group.

Kept apart from runtime/cli.py so that the shared file only gains two ``add_command`` lines.
The operator running these commands has the database in hand: the CLI acts as an
administrator (erasure included) and its actions are recorded under ``--by``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import click

from relogement.platform.actors import SYSTEM_ORG, Actor
from relogement.platform.errors import DomainError
from relogement.runtime import bootstrap
from relogement.runtime.application import RelocationApp


def _app(ctx: click.Context) -> RelocationApp:
    database = (ctx.find_root().obj or {}).get("database")
    return bootstrap.build_application(database)


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise click.BadParameter(f"identifiant invalide : {value}") from None


# -- audit -----------------------------------------------------------------------


@click.group("audit", help="Historique vérifiable : chaîne d'empreintes, vérification, export.")
def audit_group() -> None:
    pass


@audit_group.command("verify", help="Recalcule toute la chaîne ; code retour 1 à la première rupture.")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    app = _app(ctx)
    try:
        verdict = app.audit_chain.verify()
    finally:
        app.close()
    click.echo(verdict.describe(), err=not verdict.ok)
    if not verdict.ok:
        sys.exit(1)


@audit_group.command("export", help="Exporte tout l'historique en JSON Lines (données personnelles chiffrées).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def audit_export(ctx: click.Context, file: Path) -> None:
    app = _app(ctx)
    try:
        with file.open("w", encoding="utf-8") as out:
            count, last = app.audit_chain.export(out)
    finally:
        app.close()
    click.echo(f"{count} événements exportés dans {file} ; empreinte de tête : {last}")
    click.echo(f"Vérification autonome : python3 scripts/verify_export.py {file} --head {last}")


@audit_group.command("seal", help="Scelle dans la chaîne les événements pas encore scellés.")
@click.pass_context
def audit_seal(ctx: click.Context) -> None:
    app = _app(ctx)
    try:
        sealed = app.audit_chain.extend()
        position, head = app.audit_chain.head()
    finally:
        app.close()
    click.echo(f"{sealed} événement(s) scellé(s) ; tête n° {position} = {head}")


@audit_group.command("head", help="Position et empreinte de tête (à conserver hors de la base).")
@click.pass_context
def audit_head(ctx: click.Context) -> None:
    app = _app(ctx)
    try:
        app.audit_chain.extend()
        position, head = app.audit_chain.head()
    finally:
        app.close()
    click.echo(f"{position} {head}")


# -- privacy ---------------------------------------------------------------------


@click.group("privacy", help="Données personnelles : durées de conservation, effacement, journal des accès.")
def privacy_group() -> None:
    pass


@privacy_group.command("due", help="Ménages dont la durée de conservation est échue (à effacer).")
@click.option("--at", "at", default=None, help="Date de référence AAAA-MM-JJ (défaut : aujourd'hui).")
@click.pass_context
def privacy_due(ctx: click.Context, at: str | None) -> None:
    from relogement.platform.privacy import retention_months

    when = datetime.fromisoformat(at).replace(tzinfo=UTC) if at else None
    app = _app(ctx)
    try:
        due = app.households_due(when)
    finally:
        app.close()
    click.echo(f"Durée de conservation : {retention_months()} mois après le relogement ou la sortie.")
    if not due:
        click.echo("Aucun ménage à effacer.")
    for d in due:
        click.echo(
            f"{d.household_id}  {d.reference:<14} {d.how:<7} le {d.ended_on:%d/%m/%Y}  "
            f"à effacer depuis le {d.due_on:%d/%m/%Y}"
        )


@privacy_group.command("erase", help="Efface les données personnelles d'un ménage (destruction de sa clé).")
@click.argument("household_id")
@click.option(
    "--reason",
    type=click.Choice(["duree_conservation", "demande"]),
    required=True,
    help="duree_conservation : durée échue ; demande : demande de la personne (motif requis).",
)
@click.option("--motive", default="", help="Motif, rédigé sans identifier personne.")
@click.option("--by", "by", required=True, help="Identifiant de l'administrateur qui efface.")
@click.pass_context
def privacy_erase(ctx: click.Context, household_id: str, reason: str, motive: str, by: str) -> None:
    ident = _uuid(household_id)
    app = _app(ctx)
    try:
        done = app.erase_household(ident, Actor(by, SYSTEM_ORG), reason, motive, administrator=True)
    except DomainError as error:
        click.echo(error.message, err=True)
        sys.exit(2)
    finally:
        app.close()
    click.echo("Ménage effacé." if done else "Ménage déjà effacé (clé et vues revérifiées).")


@privacy_group.command(
    "clear-identity",
    help="Événements écrits avant la garde qui portent une donnée d'identité hors de la partie chiffrée.",
)
@click.pass_context
def privacy_clear_identity(ctx: click.Context) -> None:
    from relogement.runtime.clear_identity import find_clear_identity

    app = _app(ctx)
    try:
        found = find_clear_identity(app)
    finally:
        app.close()
    if not found:
        click.echo("Aucune donnée d'identité hors de la partie chiffrée des événements.")
        return
    households = {f.originator_id for f in found}
    for f in found:  # where, never the value
        click.echo(f"n° {f.position}  {f.originator_id}  {f.event}  {', '.join(f.paths)}")
    click.echo(
        f"{len(found)} événement(s) de {len(households)} ménage(s) ou proposition(s) portent une "
        "donnée d'identité en clair : l'effacement ne peut pas l'atteindre. Voir le README, "
        "« Bases écrites avant la garde d'identité ».",
        err=True,
    )
    sys.exit(1)


@privacy_group.command("access-log", help="Journal des consultations de données personnelles.")
@click.option("--household", default=None, help="Un ménage.")
@click.option("--user", default=None, help="Un utilisateur.")
@click.option("--limit", default=100, show_default=True, type=int)
@click.pass_context
def privacy_access_log(ctx: click.Context, household: str | None, user: str | None, limit: int) -> None:
    app = _app(ctx)
    try:
        entries = app.access_log(
            _uuid(household) if household else None, user=user, limit=limit
        )
    finally:
        app.close()
    for e in entries:
        click.echo(
            f"{e.at:%d/%m/%Y %H:%M:%S} UTC  {e.user:<20} {e.role or '-':<18} "
            f"{e.household_id}  {e.purpose}"
        )
    if not entries:
        click.echo("Aucune consultation enregistrée.")
