"""Inbox and task pages."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows.service import FormInvalid

from . import byplan_service
from .extensions import db
from .forms import form_version

bp = Blueprint("tasks", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    return redirect(url_for("public.catalogue"))


@bp.get("/opgaver")
@login_required
def inbox():
    tasks = byplan_service().inbox(db.session, current_user)
    return render_template("inbox.html", tasks=tasks)


@bp.route("/opgaver/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str):
    service = byplan_service()
    view = service.task_view(db.session, current_user, task_id)
    errors: dict = {}
    values = view.values
    posted_version = None
    if request.method == "POST":
        values = {f.name: request.form.get(f.name, "") for f in view.fields}
        try:
            case = service.complete_task(db.session, current_user, task_id, values, form_version(request.form))
            db.session.commit()
        except FormInvalid as exc:
            db.session.rollback()
            errors = exc.errors
            posted_version = form_version(request.form)
        else:
            flash(_("The task “%(title)s” is completed.", title=view.task.title))
            return redirect(url_for("cases.case", case_id=case.id))
    status = 422 if errors else 200
    # After an error the form keeps the version the user read, so a later conflict is still a 409.
    version = posted_version if posted_version is not None else view.case.version
    return render_template("task.html", view=view, values=values, errors=errors, version=version), status
