"""The administrator's pages about personal data (issue 18): the record of processing (from the same
table as the retention rules) and erasure requests with their report."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from workflows.lanes import require_admin
from workflows.retention import RULES, ErasureRefused

from .extensions import byplan_service, db
from .forms import unit_of_work

bp = Blueprint("privacy", __name__)


@bp.get("/admin/behandlingsoversigt")
@login_required
def record_of_processing():
    require_admin(current_user)
    periods = byplan_service().retention.periods()
    return render_template("admin/processing.html", rules=RULES, periods=periods)


def _erasure_page(person: str = "", errors: dict | None = None, open_items=None, report=None, status: int = 200):
    return render_template("admin/erasure.html", person=person, errors=errors or {}, open_items=open_items or [],
                           report=report), status


@bp.get("/admin/sletning")
@login_required
def erasure():
    require_admin(current_user)
    return _erasure_page()


@bp.post("/admin/sletning")
@login_required
def erase():
    require_admin(current_user)
    person = request.form.get("person", "").strip()
    try:
        with unit_of_work() as uow:
            report = byplan_service().erasure.erase(db.session, current_user, person)
            uow.commit()
    except ErasureRefused as exc:
        return _erasure_page(person, {"person": [str(exc)]}, exc.open_items, status=422)
    current_app.logger.info("erasure request %s carried out", report.run_id)
    return _erasure_page(report=report)
