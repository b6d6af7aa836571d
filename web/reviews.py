"""Architecture reviews: the request, a review's page, the rule-by-rule self-assessment and working-group review,
the report (PDF), the public register (after the embargo), rule usage, a project's history, the board's
administration. Views parse, call one service function and render; the service decides who sees what."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows import architecture_review as domain
from workflows.architecture_review.forms import AGREE, DISAGREE
from workflows.forms import describe
from workflows.lanes import require_admin

from .extensions import byplan_service, db
from .forms import attempt, form_version

bp = Blueprint("reviews", __name__)

LABELS = {"phase_labels": dict(domain.PHASES), "assessment_labels": dict(domain.ASSESSMENTS),
          "assessments": domain.ASSESSMENTS, "recommendation_labels": dict(domain.RECOMMENDATIONS),
          "recommendations": domain.RECOMMENDATIONS, "outcome_labels": dict(domain.OUTCOMES),
          "status_labels": domain.STATUS_LABELS}
REQUEST_FIELDS = ("project", "organisation", "description", "phase", "municipal", "wished_decision_on")


def _service():
    return byplan_service().reviews


def _user():
    return current_user if current_user.is_authenticated else None


# ------------------------------------------------------------------ internal pages

@bp.get("/arkitekturvurderinger")
@login_required
def reviews():
    service = _service()
    return render_template("review/list.html", rows=service.my_reviews(db.session, current_user),
                           may_request=service.may_request(current_user), **LABELS)


def _request_page(values: dict, errors: dict, status: int):
    # the form only for those who may send it (others: a page saying who requests reviews, not a form that is a 403)
    return render_template("review/new.html", fields=describe(domain.RequestForm()), values=values,
                           errors=errors, may_request=_service().may_request(current_user)), status


@bp.get("/arkitekturvurderinger/ny")
@login_required
def new_review():
    return _request_page({"phase": "idea", "municipal": "yes"}, {}, 200)


@bp.post("/arkitekturvurderinger/ny")
@login_required
def create_review():
    values = {k: request.form.get(k, "") for k in REQUEST_FIELDS}
    created = {}

    def action():
        created["review"] = _service().start_review(db.session, current_user, values)

    response = attempt(action, anchor="review", success=_("The request is sent to the secretariat."),
                       rerender=lambda errors, form, status: _request_page(values, errors["review"], status),
                       redirect_to="")
    if "review" in created and response.status_code == 302:
        response.location = url_for("reviews.review", review_id=created["review"].id)
    return response


@bp.get("/arkitekturvurderinger/<int:review_id>")
@login_required
def review(review_id: int):
    record, tasks = _service().review_page(db.session, current_user, review_id)
    return render_template("review/review.html", r=record, tasks=tasks, **LABELS)


def _answer_form(review_id: int, form_key: str, template: str, errors: dict | None = None,
                 values: dict | None = None, status: int = 200):
    service = _service()
    task = service.task_for(db.session, current_user, review_id, form_key)
    record, _tasks = service.review_page(db.session, current_user, review_id)
    review_row = service.get(db.session, current_user, review_id)
    if values is None:
        values = {}
        for a in record.answers:
            values[f"assessment_{a.id}"] = a.assessment or ""
            values[f"explanation_{a.id}"] = a.explanation
            values[f"agree_{a.id}"] = "" if a.wg_agrees is None else (AGREE if a.wg_agrees else DISAGREE)
            values[f"comment_{a.id}"] = a.wg_comment
    return render_template(template, r=record, task=task, values=values, errors=errors or {},
                           version=service.case_version(db.session, review_row), **LABELS), status


def _submit_answers(review_id: int, form_key: str, template: str, success: str):
    task = _service().task_for(db.session, current_user, review_id, form_key)
    raw = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version")}
    return attempt(lambda: byplan_service().complete_task(db.session, current_user, task.id, raw,
                                                          form_version(request.form)),
                   anchor="answers", success=success,
                   rerender=lambda errors, form, status: _answer_form(review_id, form_key, template,
                                                                      errors["answers"], form, status),
                   redirect_to=url_for("reviews.review", review_id=review_id))


@bp.get("/arkitekturvurderinger/<int:review_id>/selvvurdering")
@login_required
def assessment(review_id: int):
    return _answer_form(review_id, "review.self_assessment", "review/assessment.html")


@bp.post("/arkitekturvurderinger/<int:review_id>/selvvurdering")
@login_required
def submit_assessment(review_id: int):
    return _submit_answers(review_id, "review.self_assessment", "review/assessment.html",
                           _("The self-assessment is sent to the working group."))


@bp.get("/arkitekturvurderinger/<int:review_id>/gennemgang")
@login_required
def wg_review(review_id: int):
    return _answer_form(review_id, "review.wg_review", "review/wg_review.html")


@bp.post("/arkitekturvurderinger/<int:review_id>/gennemgang")
@login_required
def submit_wg_review(review_id: int):
    return _submit_answers(review_id, "review.wg_review", "review/wg_review.html",
                           _("The working group's review is sent to the architecture board."))


@bp.get("/arkitekturvurderinger/<int:review_id>/arkitekturrapport.pdf")
@login_required
def report(review_id: int):
    data = _service().report_pdf(db.session, current_user, review_id)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="arkitekturrapport-{review_id}.pdf"'})


@bp.get("/arkitekturvurderinger/<int:review_id>/dispensationer.ics")
@login_required
def dispensation_calendar(review_id: int):
    data = _service().expiry_calendar(db.session, current_user, review_id)
    return Response(data, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="dispensationer-{review_id}.ics"'})


# ------------------------------------------------------------------ public register

@bp.get("/register/arkitekturvurderinger")
def register():
    page = request.args.get("side", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1
    service = _service()
    rows, total = service.register(db.session, page)
    return render_template("review/register.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // 25)), dispensations=service.public_dispensations(db.session),
                           embargoed=service.embargoed(db.session), **LABELS)


@bp.get("/register/arkitekturvurderinger/regler")
def rule_usage():
    return render_template("review/usage.html", rows=_service().rule_usage(db.session))


@bp.get("/register/arkitekturvurderinger/projekter/<key>")
def project(key: str):
    rows = _service().project_history(db.session, key[:120])
    return render_template("review/project.html", rows=rows, **LABELS)


@bp.get("/register/arkitekturvurderinger/<int:review_id>")
def public_review(review_id: int):
    return render_template("review/public_review.html", r=_service().public_review(db.session, review_id), **LABELS)


# ------------------------------------------------------------------ the board (administrators)

def _board_page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    require_admin(_user())
    admin = byplan_service().board
    from workflows.directory import User
    from sqlalchemy import select

    users = [(str(u.id), f"{u.name} ({u.username})") for u in db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.name)).unique()]
    member_fields = describe(domain.BoardMemberForm())
    for f in member_fields:
        if f.name == "user_id":
            f.choices = users
    board = admin.board(db.session)
    return render_template("review/board.html", board=board, members=admin.members(db.session),
                           board_fields=describe(domain.BoardForm()), member_fields=member_fields,
                           errors=errors or {}, form=form or ({"name": board.name, "mandate": board.mandate}
                                                             if board else {})), status


@bp.get("/admin/arkitekturboard")
@login_required
def board():
    return _board_page()


@bp.post("/admin/arkitekturboard")
@login_required
def save_board():
    values = {k: request.form.get(k, "") for k in ("name", "mandate")}
    return attempt(lambda: byplan_service().board.save_board(db.session, current_user, values), anchor="board",
                   success=_("Saved."), rerender=lambda errors, form, status: _board_page(errors, form, status),
                   redirect_to=url_for("reviews.board"))


@bp.post("/admin/arkitekturboard/medlemmer")
@login_required
def add_board_member():
    values = {k: request.form.get(k, "") for k in ("user_id", "term_start", "term_end", "organisation", "is_chair")}
    values = {k: v for k, v in values.items() if v != ""}
    return attempt(lambda: byplan_service().board.add_member(db.session, current_user, values), anchor="members",
                   success=_("Saved."), rerender=lambda errors, form, status: _board_page(errors, form, status),
                   redirect_to=url_for("reviews.board"))


@bp.post("/admin/arkitekturboard/medlemmer/<int:member_id>/fjern")
@login_required
def remove_board_member(member_id: int):
    return attempt(lambda: byplan_service().board.remove_member(db.session, current_user, member_id),
                   anchor="members", success=_("Saved."),
                   rerender=lambda errors, form, status: _board_page(errors, form, status),
                   redirect_to=url_for("reviews.board"))
