"""The ``relogement`` command line: store, demo data, history, replay."""

from __future__ import annotations

import sys
from collections import Counter
from uuid import UUID

import click

from relogement.platform.errors import DomainError
from relogement.runtime import bootstrap, cli_french
from relogement.runtime.application import RelocationApp

cli_french.install()  # before the options below are declared: their types name themselves


def _app(database: str | None) -> RelocationApp:
    return bootstrap.build_application(database)


@click.group(help="Relogement inter-bailleurs : commandes d'exploitation.")
@click.option("--database", envvar="DATABASE_URL", default=None, help="URL de la base (défaut : SQLite dans ./data).")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    ctx.obj = {"database": database}


@main.command("init-db", help="Crée les tables du magasin d'événements (idempotent).")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    from sqlalchemy.engine import make_url

    app = _app(ctx.obj["database"])
    # Operators paste this output into tickets: never show the password.
    shown = make_url(app.database_url).render_as_string(hide_password=True)
    click.echo(f"Magasin d'événements prêt : {shown}")
    app.close()


@main.command("demo", help="Charge un programme de démonstration (base vide uniquement).")
@click.option("--small", is_flag=True, help="Le petit programme des tests (3 ménages).")
@click.option("--if-empty", is_flag=True,
              help="Ne rien faire (sans erreur) si la base contient déjà des événements.")
@click.option("--households", type=click.IntRange(1, 100_000), default=None,
              help="Programme réaliste de N ménages sur trois ans (défaut : 200).")
@click.option("--seed", type=int, default=1, show_default=True, help="Graine : même graine, même programme.")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Début de l'historique (défaut : il y a trois ans, un lundi).")
@click.pass_context
def demo(ctx: click.Context, small: bool, if_empty: bool, households: int | None, seed: int, start) -> None:  # noqa: ANN001
    from relogement.simulation import sample

    if if_empty:
        app = _app(ctx.obj["database"])
        try:
            existing = app.recorder.max_notification_id() or 0
        finally:
            app.close()
        if existing:
            click.echo(f"La base contient déjà {existing} événements : démo non rechargée.")
            return
    if not small:
        _realistic_demo(ctx.obj["database"], households or 200, seed, start.date() if start else None)
        return
    app = _app(ctx.obj["database"])
    try:
        if app.recorder.max_notification_id():
            raise click.ClickException("La base contient déjà des événements : démo non chargée.")
        world = sample.build_world(app)
        for bailleur, name in (("LMH", "Famille Martin"), ("VCL", "Famille Benali"), ("LMH", "M. Lefebvre")):
            sample.register(world, bailleur=bailleur, name=name)
        app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
        click.echo(f"Démo chargée : {app.recorder.max_notification_id()} événements.")
    finally:
        app.close()


def _realistic_demo(database: str | None, households: int, seed: int, start) -> None:  # noqa: ANN001
    """A metropolitan programme written through the use cases (relogement.simulation.demo)."""
    from relogement.simulation import demo as programme

    start = start or programme.default_start()
    app = _app(database)
    try:
        if app.recorder.max_notification_id():
            raise click.ClickException("La base contient déjà des événements : démo non chargée.")
    finally:
        app.close()
    click.echo(f"Programme de démonstration : {households} ménages, graine {seed}, historique depuis le {start:%d/%m/%Y}...")
    summary = programme.load(database, households=households, seed=seed, start=start,
                             progress=lambda line: click.echo(f"  {line}"), app_factory=RelocationApp)
    click.echo(
        f"Démo chargée : {summary.events} événements en {summary.seconds:.0f} s "
        f"({summary.events_per_second:.0f} événements/s), jusqu'au {summary.end:%d/%m/%Y}."
    )


@main.command("history", help="Affiche l'historique d'un agrégat (ménage, offre, proposition...).")
@click.argument("aggregate_id")
@click.pass_context
def history(ctx: click.Context, aggregate_id: str) -> None:
    try:
        ident = UUID(aggregate_id)
    except ValueError:
        raise click.BadParameter(f"identifiant invalide : {aggregate_id}", param_hint="AGGREGATE_ID") from None
    app = _app(ctx.obj["database"])
    try:
        events = app.history(ident)
        if not events:
            raise click.ClickException(f"Aucun événement pour {ident}.")
        for e in events:
            who = f"{getattr(e, 'by_user', '?')} ({getattr(e, 'by_org', '?')})"
            click.echo(f"v{e.originator_version:<3} {e.timestamp:%d/%m/%Y %H:%M:%S} UTC  {type(e).__name__:<30} {who}")
    finally:
        app.close()


@main.command("replay", help="Rejoue tous les événements et les compte par type.")
@click.pass_context
def replay(ctx: click.Context) -> None:
    app = _app(ctx.obj["database"])
    try:
        count, aggregates = app.replay_all()
        kinds = Counter(type(a).__name__ for a in aggregates.values())
        click.echo(f"{count} événements rejoués, {len(aggregates)} agrégats : {dict(kinds)}")
    except DomainError as error:
        click.echo(error.message, err=True)
        sys.exit(2)
    finally:
        app.close()


@main.command(
    "scheduler",
    help="Planificateur : clôt les délais d'opposition échus et envoie les notifications. "
    "Un seul processus dédié par déploiement (jamais dans les workers web).",
)
@click.option("--interval", default=30, show_default=True, type=click.IntRange(5, 3600), help="Secondes entre deux passages.")
@click.option("--once", is_flag=True, help="Un seul passage puis sortie (rattrapage, cron).")
@click.pass_context
def scheduler(ctx: click.Context, interval: int, once: bool) -> None:
    import logging

    from relogement.runtime.scheduler import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs two English INFO lines per run ("Running job…", "…executed
    # successfully"): every 30 s in the console. Its warnings and errors still show; our
    # own INFO lines say when a window is closed or a mail sent.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    report = run(ctx.obj["database"], interval_seconds=interval, once=once)
    if report is not None:
        click.echo(
            f"{report.due} délai(s) échu(s), {report.closed} clos, {report.errors} erreur(s), "
            f"{report.mailed} courriel(s)."
        )


@main.group("projections", help="Vues de lecture (tableaux de bord, listes) construites depuis les événements.")
def projections_group() -> None:
    pass


def _print_counts(runner, applied: int) -> None:  # noqa: ANN001 - ProjectionRunner
    from relogement.projections.table_counts import row_counts

    click.echo(f"{applied} événements appliqués ; position {runner.position()}.")
    for name, rows in row_counts(runner.engine):
        click.echo(f"  {name:<26} {rows} lignes courantes")


def _feed(ctx: click.Context, rebuild: bool) -> None:
    from relogement.projections import build_runner
    from relogement.projections.lag import ProjectionFailed

    app = _app(ctx.obj["database"])
    runner = build_runner(app)
    try:
        _print_counts(runner, runner.rebuild() if rebuild else runner.catch_up())
        if rebuild:
            from relogement.projections.stored_states import store_current

            # A rebuild drops the stored states: without them each programme's first page
            # would read all its rows (projections/stored_states.py).
            click.echo(f"États des tableaux de bord enregistrés : {store_current(runner.engine)} projet(s).")
    except ProjectionFailed as failure:
        # Where and how it stopped, never the event's content (it may hold identity).
        raise click.ClickException(
            f"Vues arrêtées à la position {runner.position()} : l'événement n° {failure.position} "
            f"({failure.topic}) n'a pu être appliqué ({failure.error_class}). Les événements "
            "précédents sont appliqués ; voir « relogement projections status »."
        ) from None
    finally:
        runner.close()
        app.close()


@projections_group.command("rebuild", help="Efface les vues et les reconstruit depuis le premier événement.")
@click.pass_context
def projections_rebuild(ctx: click.Context) -> None:
    _feed(ctx, rebuild=True)


@projections_group.command("catch-up", help="Applique aux vues les événements nouveaux.")
@click.pass_context
def projections_catch_up(ctx: click.Context) -> None:
    _feed(ctx, rebuild=False)


@projections_group.command(
    "tableaux-de-bord",
    help="Enregistre l'état du tableau de bord et du suivi du reste-à-vivre de chaque projet "
    "tous les 500 événements de l'historique (les pages « à une date » partent de l'état "
    "enregistré le plus proche).",
)
@click.pass_context
def projections_dashboard_states(ctx: click.Context) -> None:
    from relogement.projections import build_runner, dashboard_snapshots, residual_state
    from relogement.projections.queries import organisations

    app = _app(ctx.obj["database"])
    runner = build_runner(app)
    try:
        runner.catch_up()
        for project in organisations.list_projects(runner.engine):
            written = dashboard_snapshots.store_history(runner.engine, project["project_id"])
            follow_ups = residual_state.store_history(runner.engine, project["project_id"])
            click.echo(f"{project['code']} : {written} état(s) du tableau de bord, "
                       f"{follow_ups} du reste-à-vivre enregistré(s)")
    finally:
        runner.close()
        app.close()


@projections_group.command(
    "status", help="Position des vues, retard sur les événements enregistrés, dernière erreur."
)
@click.pass_context
def projections_status(ctx: click.Context) -> None:
    from relogement.projections import build_runner
    from relogement.projections.lag import lag

    app = _app(ctx.obj["database"])
    runner = build_runner(app)
    try:
        state = lag(runner)
    finally:
        runner.close()
        app.close()
    click.echo(f"Position des vues : événement n° {state.position}")
    click.echo(f"Dernier événement enregistré : n° {state.head}")
    click.echo(f"Retard : {state.events} événement(s)")
    error = state.last_error
    if error is None:
        click.echo("Dernière erreur : aucune")
        return
    verdict = "bloque les vues" if state.blocked else "dépassée depuis"
    click.echo(
        f"Dernière erreur : événement n° {error['position']} ({error['topic']}), "
        f"{error['error_class']}, le {error['at']:%d/%m/%Y %H:%M:%S} UTC, "
        f"{error['attempts']} essai(s) ; {verdict}"
    )


# -- web application: accounts, organisations, server (relogement.runtime) --------
def _web(ctx: click.Context):
    from relogement.runtime import create_app

    config = {"DATABASE_URL": ctx.obj["database"]} if ctx.obj.get("database") else {}
    return create_app(config)


@main.command("org-create", help="Inscrit une organisation (bailleur, ville, EPCI, MOUS, audit...).")
@click.option("--name", required=True, help="Nom de l'organisation.")
@click.option("--kind", required=True, help="bailleur, ville, epci, departement, reservataire, mous, audit.")
@click.option("--code", required=True, help="Code court (ex. LMH).")
@click.pass_context
def org_create(ctx: click.Context, name: str, kind: str, code: str) -> None:
    app = _app(ctx.obj["database"])
    try:
        org_id = app.register_organisation(name, kind, code, by_user="admin-cli")
        click.echo(f"Organisation inscrite : {org_id}")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        app.close()


@main.command("user-create", help="Crée un compte utilisateur rattaché à une organisation.")
@click.option("--login", required=True, help="Identifiant de connexion.")
@click.option("--org", "org", required=True, help="Code ou identifiant de l'organisation.")
@click.option("--role", required=True, type=click.Choice(["charge_relogement", "partenaire", "auditeur", "admin"]))
@click.option("--name", default="", help="Nom affiché.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Mot de passe (10 caractères au moins).")
@click.pass_context
def user_create(ctx: click.Context, login: str, org: str, role: str, name: str, password: str) -> None:
    from relogement.web.accounts import AccountError

    flask_app = _web(ctx)
    try:
        readmodels = flask_app.extensions["relogement.readmodels"]
        found = readmodels.organisation_by_code(org)
        if found is None:
            try:
                found = readmodels.organisation(UUID(org))
            except ValueError:
                found = None
        if found is None:
            raise click.ClickException(f"Organisation inconnue : {org}")
        user = flask_app.extensions["relogement.accounts"].create(login, password, found.id, role, name)
        click.echo(f"Compte créé : {user.login} ({role}, {found.name})")
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    finally:
        flask_app.extensions["relogement"].close()


@main.command("users", help="Liste les comptes utilisateurs.")
@click.pass_context
def users(ctx: click.Context) -> None:
    flask_app = _web(ctx)
    try:
        names = {o.id: o.name for o in flask_app.extensions["relogement.readmodels"].organisations()}
        for user in flask_app.extensions["relogement.accounts"].all():
            click.echo(f"{user.login:<24} {user.role:<18} {names.get(user.org_id, user.org_id)}")
    finally:
        flask_app.extensions["relogement"].close()


@main.command("demo-accounts", help="Crée les comptes de démonstration (un par rôle et par organisation) et les affiche.")
@click.pass_context
def demo_accounts(ctx: click.Context) -> None:
    from relogement.web.demo_accounts import (
        create_demo_accounts,
        demo_accounts_table,
        format_demo_accounts,
    )

    flask_app = _web(ctx)
    try:
        orgs = flask_app.extensions["relogement.readmodels"].organisations()
        accounts = flask_app.extensions["relogement.accounts"]
        created = create_demo_accounts(accounts, orgs)
        for line in format_demo_accounts(demo_accounts_table(accounts, orgs, created)):
            click.echo(line)
    finally:
        flask_app.extensions["relogement"].close()


@main.command("run", help="Lance l'application web (serveur de développement).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def run(ctx: click.Context, host: str, port: int) -> None:
    flask_app = _web(ctx)
    click.echo(f"Relogement inter-bailleurs : http://{host}:{port}")
    flask_app.run(host=host, port=port, threaded=True)


# Data protection and verifiable history (runtime/privacy_cli.py).
from relogement.runtime.privacy_cli import audit_group, privacy_group  # noqa: E402

main.add_command(audit_group)
main.add_command(privacy_group)


# -- exports (relogement.projections.anru_export) ------------------------------------
@main.group("export", help="Exports pour les partenaires (ANRU...).")
def export_group() -> None:
    pass


def _resolve_id(value: str, by_code: dict[str, str], what: str) -> str:
    """A UUID, or a code (organisation or project) → hex id."""
    if value in by_code:
        return by_code[value]
    try:
        return UUID(value).hex
    except ValueError:
        known = ", ".join(sorted(by_code)) or "aucun"
        raise click.ClickException(f"{what.capitalize()} inconnu : « {value} » (codes connus : {known}).") from None


@export_group.command(
    "anru",
    help="Export ANRU (une ligne par ménage, avant / après relogement, indemnité de minoration "
    "de loyer), pseudonymisé. XLSX, ou CSV si le fichier se termine par .csv.",
)
@click.option("--project", "project", required=True, help="Identifiant ou code du projet.")
@click.option("--bailleur", default=None, help="Identifiant ou code du bailleur d'origine (défaut : tous).")
@click.option("--as-of", "as_of", default=None, help="État au jj/mm/aaaa (fin de journée, heure de Paris).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Fichier produit (.xlsx ou .csv).")
@click.pass_context
def export_anru(ctx: click.Context, project: str, bailleur: str | None, as_of: str | None, output: str) -> None:
    from datetime import datetime as _dt

    from relogement.projections import anru_export, build_runner
    from relogement.projections import queries as q

    day = None
    if as_of is not None:
        try:
            day = _dt.strptime(as_of, "%d/%m/%Y").date()
        except ValueError:
            raise click.BadParameter(f"date attendue au format jj/mm/aaaa : {as_of}", param_hint="'--as-of'") from None
    app = _app(ctx.obj["database"])
    runner = build_runner(app)
    try:
        if not runner.try_catch_up():  # the export reads the read models: bring them up to the store
            click.echo("Attention : les vues sont en retard sur les événements (relogement projections status).", err=True)
        db = runner.engine
        project_id = _resolve_id(project, {p["code"]: p["project_id"] for p in q.list_projects(db)}, "projet")
        org = None
        if bailleur is not None:
            org = _resolve_id(bailleur, {o["code"]: o["org_id"] for o in q.list_organisations(db)}, "bailleur")
        position = anru_export.position_at_end_of(db, day) if day else None
        try:
            data = anru_export.anru_data(db, project_id, org, position, as_of=day)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
        if output.lower().endswith(".csv"):
            content = anru_export.anru_csv(db, project_id, data=data)
        else:
            content = anru_export.anru_export(db, project_id, data=data)
        with open(output, "wb") as f:
            f.write(content)
        click.echo(
            f"Export ANRU : {len(data['rows'])} ménage(s), {anru_export.state_line(data).lower()} → {output}"
        )
    finally:
        runner.close()
        app.close()


@export_group.command(
    "open-data",
    help="Jeu de données ouvert (paquet Frictionless : datapackage.json + CSV UTF-8) d'un projet : "
    "un tableau par type de fait, les indicateurs du tableau de bord, sans aucune donnée d'identité.",
)
@click.option("--project", "project", required=True, help="Identifiant ou code du projet.")
@click.option("--as-of", "as_of", default=None, help="État au AAAA-MM-JJ ou jj/mm/aaaa (fin de journée, heure de Paris).")
@click.argument("directory", type=click.Path(file_okay=False))
@click.pass_context
def export_open_data(ctx: click.Context, project: str, as_of: str | None, directory: str) -> None:
    from datetime import datetime as _dt
    from pathlib import Path

    from relogement.projections import anru_export, build_runner, open_data
    from relogement.projections import queries as q

    day = None
    if as_of is not None:
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = _dt.strptime(as_of, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise click.BadParameter(f"date attendue au format AAAA-MM-JJ ou jj/mm/aaaa : {as_of}", param_hint="'--as-of'")
    out = Path(directory)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise click.ClickException(f"Le dossier {directory} existe et n'est pas vide : choisissez un dossier vide ou nouveau.")
    app = _app(ctx.obj["database"])
    runner = build_runner(app)
    try:
        if not runner.try_catch_up():
            click.echo("Attention : les vues sont en retard sur les événements (relogement projections status).", err=True)
        db = runner.engine
        project_id = _resolve_id(project, {p["code"]: p["project_id"] for p in q.list_projects(db)}, "projet")
        position = anru_export.position_at_end_of(db, day) if day else q.current_position(db)
        row = q.get_project(db, project_id, position=position)
        if row is None:
            raise click.ClickException(f"Projet inconnu à cette date : {project}")
        instant = q.instant_of(db, position) or anru_export.EPOCH
        descriptor = open_data.write_package(app, db, row, position, instant, out)
        click.echo(
            f"Jeu de données ouvert : {len(descriptor['resources'])} tableaux, état à l'événement n° {position} "
            f"({instant:%d/%m/%Y %H:%M} UTC) → {out / 'datapackage.json'}"
        )
    finally:
        runner.close()
        app.close()
