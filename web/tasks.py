"""Inbox and task pages."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows.service import FormInvalid
from workflows.start import TASK_STATUS, start_page
from workflows.task_pages import TaskAlreadyDone

from .extensions import byplan_service
from .extensions import db
from .forms import form_version, unit_of_work
from .public import render_public_home

bp = Blueprint("tasks", __name__)


@bp.get("/")
def home():
    """A signed-in user's start page (what to do next); anonymously, the public site's landing page."""
    if not current_user.is_authenticated:
        return render_public_home()
    page = start_page(byplan_service(), db.session, current_user)
    return render_template("start.html", page=page, task_status=TASK_STATUS)


INBOX_PAGE_SIZE = 50
INBOX_MAX_PAGE = 10_000


@bp.get("/opgaver")
@login_required
def inbox():
    # A page number that is not one (or out of range) shows the nearest page: a list, not a form.
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), INBOX_MAX_PAGE)
    tasks = byplan_service().inbox(db.session, current_user, limit=INBOX_PAGE_SIZE + 1,
                                   offset=(page - 1) * INBOX_PAGE_SIZE)
    # what waits for the user beyond the tasks (issue 13), on the first page
    waiting = byplan_service().waiting_for(db.session, current_user) if page == 1 else []
    # the links are absolute (for mail); on the page they stay on this site whatever BASE_URL says
    waiting = [replace(w, url=urlunsplit(("", "", *urlsplit(w.url)[2:]))) for w in waiting]
    return render_template("inbox.html", tasks=tasks[:INBOX_PAGE_SIZE], page=page, waiting=waiting,
                           has_next=len(tasks) > INBOX_PAGE_SIZE, page_size=INBOX_PAGE_SIZE)


@bp.get("/opgaver/<task_id>")
@login_required
def task(task_id: str):
    try:
        view = byplan_service().task_view(db.session, current_user, task_id)
    except TaskAlreadyDone as exc:
        if exc.done is None:
            raise
        # Not an error: the page says who completed the task and when, with the way to its case.
        return render_template("task_context/done.html", done=exc.done)
    return render_template("task.html", view=view, values=view.values, errors={}, version=view.case.version)


def _form_values() -> dict:
    """The submitted fields (a list where a name comes more than once: a group of check boxes)."""
    values = {}
    for key in request.form:
        if key in ("csrf_token", "version", "action"):
            continue
        given = request.form.getlist(key)
        values[key] = given if len(given) > 1 else given[0]
    return values


@bp.post("/opgaver/<task_id>")
@login_required
def complete(task_id: str):
    values = _form_values()
    if request.form.get("action") == "draft":
        return _save_draft(task_id, values)
    version = form_version(request.form)
    try:
        with unit_of_work() as uow:
            case, title = byplan_service().submit_task(db.session, current_user, task_id, values, version)
            uow.commit()
    except FormInvalid as exc:
        view = byplan_service().task_view(db.session, current_user, task_id)
        # The form keeps what the user typed and the version they read, so a later conflict is still a 409.
        return render_template("task.html", view=view, values=values, errors=exc.errors, version=version), 422
    except TaskAlreadyDone as exc:
        if exc.done is None:
            raise
        db.session.rollback()
        return render_template("task_context/done.html", done=exc.done), 409
    if uow.stopped_cases:
        # The completion stands; a step after it failed and the case waits for an administrator.
        flash(_("The task “%(title)s” is completed, but the case then stopped because of an error in an "
                "automatic step. An administrator must fix it; you need not do the task again.", title=title),
              "error")
        return redirect(url_for("cases.case", case_id=case.id) + "#haendelse")
    flash(_("The task “%(title)s” is completed.", title=title))
    return redirect(url_for("cases.case", case_id=case.id))


def _save_draft(task_id: str, values: dict):
    """'Gem kladde': the typed values are kept for this user; the task stays open (nothing validated)."""
    try:
        with unit_of_work() as uow:
            byplan_service().save_draft(db.session, current_user, task_id, values)
            uow.commit()
    except TaskAlreadyDone as exc:
        if exc.done is None:
            raise
        db.session.rollback()
        return render_template("task_context/done.html", done=exc.done), 409
    flash(_("Your draft is saved. The task is not completed yet."))
    return redirect(url_for("tasks.task", task_id=task_id))
