"""Case controls, the filtered case list with bulk actions, saved lists, internal comments and the
out-of-office delegation page (issue 19). Thin: parse, call one service, render."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows import comments, delegation, saved_lists
from workflows.case_controls import ACTIONS, STATUSES, BulkSchema, CaseControls, CaseFilterSchema, parse_filters
from workflows.errors import DomainError
from workflows.forms import FormInvalid, describe

from .cases import _case_page
from .extensions import byplan_service, db
from .forms import form_id, form_ids, form_version, unit_of_work

bp = Blueprint("case_controls", __name__)


def _controls() -> CaseControls:
    return CaseControls(byplan_service().engine)


def _rerender(case_id: int, status: int, **extra):
    db.session.rollback()
    return _case_page(case_id, status=status, **extra)


@bp.post("/sager/<id:case_id>/styring")
@login_required
def control(case_id: int):
    action = request.form.get("action", "")
    try:
        with unit_of_work() as uow:
            case = _controls().control(db.session, current_user, case_id, action, dict(request.form),
                                       form_version(request.form))
            uow.commit()
    except FormInvalid as exc:
        return _rerender(case_id, 422, control_errors=exc.errors, control_reason=request.form.get("reason", ""))
    except DomainError as exc:
        return _rerender(case_id, 422, control_errors={"reason": [str(exc)]},
                         control_reason=request.form.get("reason", ""))
    flash({"suspended": _("The case is suspended."), "terminated": _("The case is terminated.")}.get(
        case.status, _("The case is resumed.")))
    return redirect(url_for("cases.case", case_id=case_id) + "#styring")


@bp.post("/sager/<id:case_id>/kommentarer")
@login_required
def comment(case_id: int):
    service = byplan_service()
    try:
        with unit_of_work() as uow:
            comments.add_comment(db.session, current_user, case_id, dict(request.form), audit=service.engine.audit,
                                 links=service.links, now=service.engine.clock())
            uow.commit()
    except FormInvalid as exc:
        return _rerender(case_id, 422, comment_errors=exc.errors, comment_body=request.form.get("body", ""))
    flash(_("The comment is saved."))
    return redirect(url_for("cases.case", case_id=case_id) + "#kommentarer")


# ------------------------------------------------------------------ the filtered list and bulk actions

@bp.get("/sager/liste")
@login_required
def case_list():
    errors: dict = {}
    try:
        filters = parse_filters(request.args)
    except FormInvalid as exc:
        filters, errors = {}, exc.errors
    controls = _controls()
    rows = controls.filtered(db.session, current_user, filters)
    return render_template("case_controls/list.html", cases=rows, filters=filters, errors=errors,
                           choices=controls.filter_choices(db.session), may_control=controls.may_control(current_user),
                           actions=ACTIONS, saved=saved_lists.lists_of(db.session, current_user, "cases"),
                           filter_fields=describe(CaseFilterSchema()), query=request.args.to_dict(),
                           bulk_fields=describe(BulkSchema())), (422 if errors else 200)


def _bulk_raw() -> dict:
    raw = request.form.to_dict()
    raw["case_ids"] = form_ids(request.form, "case_ids")
    return raw


@bp.post("/sager/liste/forhaandsvisning")
@login_required
def bulk_preview():
    controls = _controls()
    try:
        plan = controls.preview(db.session, current_user, _bulk_raw())
    except FormInvalid as exc:
        db.session.rollback()
        return render_template("case_controls/bulk_error.html", errors=exc.errors), 422
    finally:
        db.session.rollback()  # a preview changes nothing
    return render_template("case_controls/preview.html", plan=plan, action_labels=dict(ACTIONS),
                           status_labels=dict(STATUSES))


@bp.post("/sager/liste/udfoer")
@login_required
def bulk_run():
    raw = _bulk_raw()
    expected = {}
    for case_id in raw["case_ids"]:
        value = form_id(request.form, f"version_{case_id}")
        if value is not None:
            expected[case_id] = value
    try:
        with unit_of_work() as uow:
            result = _controls().run(db.session, current_user, raw, expected)
            uow.commit()
    except FormInvalid as exc:
        return render_template("case_controls/bulk_error.html", errors=exc.errors), 422
    return render_template("case_controls/result.html", plan=result, status_labels=dict(STATUSES))


# ------------------------------------------------------------------ saved lists

@bp.post("/lister")
@login_required
def save_list():
    kind = request.form.get("kind", "")
    back = url_for("case_controls.case_list") if kind == "cases" else url_for("case_controls.task_list")
    try:
        with unit_of_work() as uow:
            row = saved_lists.save_list(db.session, current_user, request.form.to_dict(),
                                        byplan_service().engine.clock())
            uow.commit()
    except (FormInvalid, DomainError) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else {"name": [str(exc)]}
        return render_template("case_controls/bulk_error.html", errors=errors), 422
    flash(_("The list is saved."))
    return redirect(back + "?" + row.query_string)


@bp.post("/lister/<id:list_id>/slet")
@login_required
def delete_list(list_id: int):
    with unit_of_work() as uow:
        row = saved_lists.delete_list(db.session, current_user, list_id)
        kind = row.kind
        uow.commit()
    flash(_("The list is deleted."))
    return redirect(url_for("case_controls.case_list" if kind == "cases" else "case_controls.task_list"))


@bp.get("/opgaver/liste")
@login_required
def task_list():
    errors: dict = {}
    try:
        filters = saved_lists.parse_task_filters(request.args)
    except FormInvalid as exc:
        filters, errors = {}, exc.errors
    service = byplan_service()
    tasks = saved_lists.filter_tasks(service.inbox(db.session, current_user, limit=500), filters,
                                     service.engine.clock())
    return render_template("case_controls/tasks.html", tasks=tasks, filters=filters, errors=errors,
                           saved=saved_lists.lists_of(db.session, current_user, "tasks"),
                           filter_fields=describe(saved_lists.TaskFilterSchema()), query=request.args.to_dict()), \
        (422 if errors else 200)


# ------------------------------------------------------------------ out of office

def _away_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render_template("case_controls/away.html",
                           delegations=delegation.delegations_of(db.session, current_user),
                           fields=describe(delegation.DelegationSchema()), errors=errors or {},
                           values=values or {}), status


@bp.get("/konto/fravaer")
@login_required
def away():
    return _away_page()


@bp.post("/konto/fravaer")
@login_required
def add_delegation():
    try:
        with unit_of_work() as uow:
            delegation.create_delegation(db.session, current_user, request.form.to_dict(),
                                         byplan_service().engine.clock())
            uow.commit()
    except FormInvalid as exc:
        return _away_page(exc.errors, request.form.to_dict(), 422)
    flash(_("Your delegate takes your assigned tasks in the period."))
    return redirect(url_for("case_controls.away"))


@bp.post("/konto/fravaer/<id:delegation_id>/tilbagekald")
@login_required
def revoke_delegation(delegation_id: int):
    try:
        with unit_of_work() as uow:
            delegation.revoke_delegation(db.session, current_user, delegation_id, byplan_service().engine.clock())
            uow.commit()
    except DomainError as exc:
        return _away_page({"_": [str(exc)]}, status=422)
    flash(_("The delegation is revoked."))
    return redirect(url_for("case_controls.away"))


__all__ = ["bp"]
