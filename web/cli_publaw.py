"""The `byplan` commands of issue 18: `retention [--dry-run]` and `export-archive`."""
from __future__ import annotations

from pathlib import Path

import click


def register(main, app_factory) -> None:
    @main.command("retention")
    @click.option("--dry-run", is_flag=True, help="Only print what would be deleted or anonymised.")
    def retention(dry_run):
        """Apply the retention rules (the worker does it daily); with --dry-run print what is due."""
        from engine.uow import UnitOfWork
        from workflows.retention import RULES_BY_KEY

        from .extensions import db

        app = app_factory()
        with app.app_context():
            runner = app.extensions["byplan"].retention
            with UnitOfWork(db.session) as uow:
                report = runner.run(db.session, dry_run=dry_run)
                if not dry_run:
                    uow.commit()
            periods = runner.periods()
            for due in report.due:
                rule = RULES_BY_KEY[due.rule]
                click.echo(f"{'would ' if dry_run else ''}{due.action} {due.what} "
                           f"({due.rule}: {periods[due.rule]} days after {rule.after})")
            verb = "would be changed" if dry_run else "changed"
            click.echo(f"{len(report.due)} record(s) {verb}" + (" (dry run: nothing changed)" if dry_run else ""))

    @main.command("export-archive")
    @click.option("--case", "case_id", type=int, help="Only this case.")
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only cases changed since DATE.")
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    def export_archive(case_id, since, file):
        """Write cases with documents, metadata, task history and audit events to FILE (a zip with a
        manifest of sha256 sums; see docs/archive-export.md)."""
        from workflows.archive import ArchiveError, export_archive as export

        from .extensions import db

        if case_id is not None and since is not None:
            raise click.UsageError("give --case or --since, not both")
        app = app_factory()
        with app.app_context():
            try:
                with open(file, "wb") as out:
                    result = export(db.session, out, case_id=case_id, since=since.date() if since else None)
            except ArchiveError as exc:
                file.unlink(missing_ok=True)
                raise click.ClickException(str(exc)) from None
            db.session.rollback()
        click.echo(f"{len(result.cases)} case(s), {result.documents} document(s), {result.files} file(s) "
                   f"written to {file}")
