"""The `byplan` command: init-db, demo, serve, worker, reindex, token create, audit verify/heads, deploy, migrate,
backup, restore."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from engine.uow import UnitOfWork
from . import cli_publaw

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _app(web: bool = False, **config):
    """The app for a command. Commands other than `serve` (worker, reindex, migrate, backup, ...) run
    without a PostgreSQL statement timeout: a long reindex or restore statement is not a hung request.
    The idle-in-transaction timeout holds for them too."""
    from . import create_app

    if not web:
        config.setdefault("PG_STATEMENT_TIMEOUT_MS", 0)
    return create_app(config or None)


def upgrade_database(url: str) -> None:
    """Bring the database schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def init_db(app) -> list[tuple[str, str]]:
    """Migrate the schema, deploy the bundled process files, and rebuild the search index when a migration
    changed how it is built (or it never was)."""
    from engine.audit_rechain import pseudonymise_existing
    from workflows.runtime import deploy_bundled

    from .extensions import db

    upgrade_database(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        byplan = app.extensions["byplan"]
        with UnitOfWork(db.session) as uow:  # keyed streams the migration could not pseudonymise (issue 18)
            pseudonymise_existing(db.session, byplan.engine.audit)
            uow.commit()
        with UnitOfWork(db.session) as uow:
            created = [(pv.process_id, pv.content_hash) for pv in deploy_bundled(byplan, db.session)]
            uow.commit()
        index = byplan.search.index
        with UnitOfWork(db.session) as uow:
            if index.needs_rebuild(db.session):
                if index.count(db.session):  # entries written by another analyzer: rebuild (audited)
                    byplan.reindex_search(db.session, "cli")
                else:  # a new database: nothing to rebuild
                    index.mark_built(db.session)
                uow.commit()
    return created


@click.group()
def main():
    """Byplan – workflow and case management for IT-architecture governance."""
    from engine import logcontext

    logcontext.configure("text")  # the app reconfigures it from LOG_FORMAT (web/ops.py)
    logging.getLogger("spiff").setLevel(logging.WARNING)


@main.command("init-db")
def init_db_command():
    """Create or migrate the database and deploy the process files in bpmn/."""
    created = init_db(_app())
    for process_id, content_hash in created:
        click.echo(f"deployed {process_id} {content_hash[:12]}")
    click.echo("database ready")


@main.command()
def demo():
    """Load demo data (idempotent) and print the demo logins."""
    from workflows.demo import load_demo

    from .extensions import db

    app = _app()
    init_db(app)
    with app.app_context(), UnitOfWork(db.session) as uow:
        logins = load_demo(db.session, app.extensions["byplan"])
        uow.commit()
    if logins is None:
        click.echo("demo data already present")
        from workflows.demo import DEMO_PASSWORD, USERS

        logins = [(u, DEMO_PASSWORD, "") for u, *_ in USERS]
    click.echo("Demo logins (user / password / roles):")
    for username, password, roles in logins:
        click.echo(f"  {username:<14} {password}  {roles}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not fire timers in a background thread.")
def serve(host, port, no_worker):
    """Serve the app (embedded setup) with the timer worker in a background thread."""
    app = _app(web=True, RUN_WORKER=not no_worker)
    click.echo(f"Byplan on http://{host}:{port}")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between sweeps.")
@click.option("--once", is_flag=True, help="Sweep once and exit.")
def worker(interval, once):
    """Fire due timers and deliver messages (several workers may run on PostgreSQL)."""
    from .worker import run_forever, run_once

    app = _app()
    byplan = app.extensions["byplan"]
    sessions = app.extensions["byplan_sessions"]  # expired sign-in sessions are removed on each sweep
    if once:
        fired, routed, sent = run_once(byplan, sessions)
        click.echo(f"{fired} timer(s) fired, {routed} message(s) delivered, {sent} mail(s) sent")
        return
    run_forever(byplan, interval, sessions=sessions)


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--label", default="cli")
def token_create(username, label):
    """Create a bearer token for USERNAME and print it once."""
    from sqlalchemy import select

    from workflows.directory import User

    from .extensions import db

    app = _app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            click.echo(f"no user {username!r}", err=True)
            sys.exit(1)
        with UnitOfWork(db.session) as uow:
            value = app.extensions["byplan"].create_token(db.session, user, label)
            uow.commit()
    click.echo(value)


@main.command()
def reindex():
    """Rebuild the search index from the records (documents: their text extracted again)."""
    from .extensions import db

    app = _app()
    byplan = app.extensions["byplan"]
    with app.app_context(), UnitOfWork(db.session) as uow:
        counts = byplan.reindex_search(db.session, "cli")
        uow.commit()
    click.echo("search index rebuilt: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@main.group()
def audit():
    """The audit log."""


@audit.command("verify")
@click.option("--heads", "heads_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A head list made earlier by `byplan audit heads`: each head in it must still be in its chain.")
def audit_verify(heads_file):
    """Check every hash chain of the audit log; name the first broken event.

    Exit status 0: intact; 1: broken (tampered); 2: the configured key (BYPLAN_AUDIT_KEY) is not the
    log's, so nothing could be checked."""
    import json

    from engine.audit import WrongKey

    from .extensions import db

    published = None
    if heads_file is not None:
        try:
            published = json.loads(heads_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeError) as exc:
            click.echo(f"BROKEN: heads file: {heads_file} is not a JSON list of heads ({exc})", err=True)
            sys.exit(1)
    app = _app()
    with app.app_context():
        outcome = app.extensions["byplan"].engine.audit.check(db.session, published)
    problem = outcome.problem
    if isinstance(problem, WrongKey):
        click.echo(f"WRONG KEY: {problem.reason}", err=True)
        click.echo("Nothing was checked: set BYPLAN_AUDIT_KEY to the key the log was written with.", err=True)
        sys.exit(2)
    if problem is not None:
        click.echo(f"BROKEN: {problem}", err=True)
        sys.exit(1)
    click.echo("audit log verified: every chain is intact")
    counts = f"{outcome.streams} stream(s), {outcome.events} event(s): {outcome.keyed} keyed"
    if outcome.unkeyed:
        counts += f", {outcome.unkeyed} from before the key (unkeyed rule)"
    if outcome.unchecked:
        counts += f", {outcome.unchecked} keyed but not checked (no key)"
    click.echo(counts)
    if published is not None:
        click.echo(f"{outcome.published} head(s) published at {published['at']} found unchanged in their chains")
    for note in outcome.notes:
        click.echo(note)


@audit.command("heads")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the list to this file instead of printing it.")
def audit_heads(output):
    """Print a signed, dated list of every stream's head (JSON), to store outside this system.

    Check against it later with `byplan audit verify --heads FILE`. The log is verified first: the
    heads of a broken log are not published."""
    import json

    from .extensions import db

    app = _app()
    audit_log = app.extensions["byplan"].engine.audit
    with app.app_context():
        problem = audit_log.verify(db.session)
        if problem is not None:
            click.echo(f"BROKEN: {problem}", err=True)
            click.echo("no heads published: the audit log does not verify", err=True)
            sys.exit(1)
        heads = audit_log.heads(db.session)
    text = json.dumps(heads, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(heads['heads'])} stream head(s) of {heads['at']} written to {output}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", "--dry-run", "check", is_flag=True, help="Only validate; deploy nothing.")
def deploy(files, check):
    """Deploy .bpmn/.dmn FILES together (a call activity may call a process in another of them).

    Prints each new or reactivated version, or every problem as `file:line: element: message`
    and exits with status 1, deploying nothing.
    """
    from engine import InvalidBpmn
    from engine.errors import Problem
    from workflows.processes import deploy_files

    from .extensions import db

    app = _app()
    contents = {}
    for path in files:
        if path.name in contents:
            click.echo(str(Problem.of(path.name, None, None, "duplicate_file_name")), err=True)
            sys.exit(2)
        contents[path.name] = path.read_bytes()
    with app.app_context():
        try:
            with UnitOfWork(db.session) as uow:
                deployed = deploy_files(app.extensions["byplan"].engine, db.session, None, contents,
                                        check_only=check, system="cli")
                uow.commit()
        except InvalidBpmn as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s): nothing deployed", err=True)
            sys.exit(1)
    verb = "valid, would deploy" if check else "deployed"
    for d in deployed:
        what = "reactivated" if d.reactivated else verb
        click.echo(f"{what} {d.process_id} {d.short_hash}" + (f" (version {d.version_id})" if d.version_id else ""))
    if not deployed:
        click.echo("valid; nothing new to deploy" if check else "nothing new to deploy")


@main.command()
@click.argument("process_id")
@click.option("--to", "version_id", required=True, type=int, help="The process version to move the cases to.")
@click.option("--case", "case_ids", multiple=True, type=int, help="Only this case (repeatable).")
@click.option("--dry-run", is_flag=True, help="Only show which cases can be migrated and why not.")
def migrate(process_id, version_id, case_ids, dry_run):
    """Migrate the running cases of PROCESS_ID on other versions to version --to."""
    from engine.models import ProcessVersion
    from workflows import processes

    from .extensions import db

    app = _app()
    engine = app.extensions["byplan"].engine
    with app.app_context():
        target = db.session.get(ProcessVersion, version_id)
        if target is None or target.process_id != process_id:
            click.echo(f"no version {version_id} of process {process_id!r}", err=True)
            sys.exit(2)
        selected = list(case_ids) or None
        with UnitOfWork(db.session) as uow:  # a dry run is rolled back
            if dry_run:
                plan = processes.migration_preview(engine, db.session, None, version_id, selected, system="cli")
                checks = plan.cases
            else:
                result = processes.migrate(engine, db.session, None, version_id, selected, system="cli")
                uow.commit()
                checks = result.migrated + result.refused
        for c in sorted(checks, key=lambda c: c.case_id):
            if c.migratable:
                click.echo(f"case {c.case_id}: {'can migrate' if dry_run else 'migrated'} "
                           f"from version {c.from_version_id}")
            else:
                click.echo(f"case {c.case_id}: refused: {'; '.join(c.reasons)}")
    refused = [c for c in checks if not c.migratable]
    click.echo(f"{len(checks) - len(refused)} case(s) {'can be migrated' if dry_run else 'migrated'}, "
               f"{len(refused)} refused")


def _database_url() -> str:
    """The database the app would use (DATABASE_URL, or the SQLite file in the instance folder)."""
    return _app().config["SQLALCHEMY_DATABASE_URI"]


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def backup(file, force):
    """Back up the whole database (documents included) to FILE while the system runs.

    SQLite: a consistent copy by the online backup API (a SQLite file). PostgreSQL: pg_dump's custom format.
    """
    from engine.backup import KIND_NAMES, BackupError, backup as backup_database

    try:
        done = backup_database(_database_url(), file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{KIND_NAMES[done.kind]} backup written to {done.path} ({done.size} bytes, sha256 {done.sha256})")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of a database that is not empty.")
def restore(file, force):
    """Restore a backup made by `byplan backup` from FILE into the (empty) database."""
    from engine.backup import KIND_NAMES, BackupError, restore as restore_database, safe_url

    url = _database_url()
    try:
        done = restore_database(file, url, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{KIND_NAMES[done.kind]} backup {done.path} (sha256 {done.sha256}) restored into {safe_url(url)}")
    click.echo("run `byplan init-db` if the backup comes from an older version of Byplan")


cli_publaw.register(main, _app)  # issue 18: retention, export-archive

if __name__ == "__main__":
    main()
