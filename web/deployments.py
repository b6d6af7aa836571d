"""Process versions for administrators: upload new versions, migrate running cases to a version."""
from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from engine import InvalidBpmn
from engine.errors import Problem
from workflows import processes

from .extensions import byplan_service
from .extensions import db
from .forms import form_ids, unit_of_work

bp = Blueprint("deployments", __name__)


def _engine():
    return byplan_service().engine


def _uploaded_files() -> tuple[dict[str, bytes], list[Problem]]:
    files: dict[str, bytes] = {}
    problems = []
    for upload in request.files.getlist("files"):
        if upload is None or not upload.filename:
            continue
        name = PurePath(upload.filename.replace("\\", "/")).name or "file"
        if name in files:
            problems.append(Problem.of(name, None, None, "duplicate_file_name"))
            continue
        files[name] = upload.read()
    return files, problems


@bp.route("/processer/ny", methods=["GET", "POST"])
@login_required
def new():
    processes.require_admin(current_user)
    problems: list[Problem] = []
    check_only = request.form.get("check_only") == "1"
    if request.method == "POST":
        files, problems = _uploaded_files()
        if not problems:
            try:
                with unit_of_work() as uow:
                    deployed = processes.deploy_files(_engine(), db.session, current_user, files,
                                                      check_only=check_only)
                    uow.commit()
            except InvalidBpmn as exc:
                problems = exc.problems
            else:
                if check_only:
                    return render_template("deployments/new.html", problems=[], checked=deployed,
                                           check_only=True), 200
                if not deployed:
                    flash(_("Nothing new: every process in the files is already deployed and current."))
                    return redirect(url_for("deployments.new"))
                flash(_("The process versions are deployed."))
                return redirect(url_for("processes.index"))
    return render_template("deployments/new.html", problems=problems, checked=None, check_only=check_only), \
        (422 if problems else 200)


def _preview_page(version_id: int, error: str | None = None, status: int = 200):
    with unit_of_work():  # the preview writes nothing: rolled back, no transaction left open
        plan = processes.migration_preview(_engine(), db.session, current_user, version_id)
    from workflows.timeline import display_names

    return render_template("deployments/migrate.html", plan=plan, error=error,
                           names=display_names(db.session, [plan.target.deployed_by])), status


@bp.route("/processer/<id:version_id>/migrering", methods=["GET", "POST"])
@login_required
def migrate(version_id: int):
    processes.require_admin(current_user)
    if request.method == "GET":
        return _preview_page(version_id)
    case_ids = form_ids(request.form, "case")
    if not case_ids:
        return _preview_page(version_id, _("Choose at least one case to migrate."), 422)
    expected = {i: request.form.get(f"version-{i}", type=int) for i in case_ids}
    with unit_of_work() as uow:
        result = processes.migrate(_engine(), db.session, current_user, version_id, case_ids,
                                   {i: v for i, v in expected.items() if v is not None})
        uow.commit()
    flash(ngettext("%(num)d case migrated, %(refused)d refused.", "%(num)d cases migrated, %(refused)d refused.",
                   len(result.migrated), refused=len(result.refused)))
    return redirect(url_for("deployments.migrate", version_id=version_id))
