"""The council as a board (issue 15): conflicts of interest, absences with substitutes, attendance.

Each view parses the form, calls one service function (workflows.council.board.Board) and redirects to the
meeting page, or renders it again with the errors; the meeting page shows the board's part through
`council_board(meeting_id)` (templates council/_board*.html).
"""
from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows.council import board as board_domain
from workflows.council import get_item

from . import council as council_pages
from .extensions import byplan_service, db

bp = Blueprint("council_board", __name__)


def _board() -> board_domain.Board:
    return board_domain.Board(byplan_service().council)


def _user():
    return current_user if current_user.is_authenticated else None


@bp.app_context_processor
def _board_for_meeting_page():
    def council_board(meeting_id: int, public: bool):
        cache = g.setdefault("council_board", {})
        if meeting_id not in cache:
            cache[meeting_id] = _board().board_page(db.session, meeting_id, _user(), public)
        return cache[meeting_id]

    return {"council_board": council_board, "attendance_labels": board_domain.STATUS_LABELS,
            "meeting_attendance": board_domain.MEETING_STATUSES, "item_attendance": board_domain.ITEM_STATUSES}


def _meeting_of(item_id: int) -> int:
    return get_item(db.session, item_id).meeting_id


def _fields(*names: str) -> dict:
    return {k: request.form.get(k, "") for k in names}


@bp.post("/raadet/punkter/<id:item_id>/inhabilitet")
@login_required
def declare_conflict(item_id: int):
    meeting_id = _meeting_of(item_id)
    raw = _fields("member", "reason")
    return council_pages._attempt(meeting_id, f"inhabilitet-{item_id}",
                                  lambda: _board().declare_conflict(db.session, current_user, item_id, raw),
                                  _("The conflict of interest is declared; the chair rules on it."))


@bp.post("/raadet/punkter/<id:item_id>/inhabilitet/afgoerelse")
@login_required
def rule_conflict(item_id: int):
    meeting_id = _meeting_of(item_id)
    raw = {**_fields("member", "ruling", "note"), **({"reason_public": "1"} if request.form.get("reason_public")
                                                      else {})}
    return council_pages._attempt(meeting_id, f"inhabilitet-{item_id}",
                                  lambda: _board().rule_conflict(db.session, current_user, item_id, raw),
                                  _("The ruling on the conflict of interest is recorded."))


@bp.post("/raadet/moeder/<id:meeting_id>/afbud")
@login_required
def register_absence(meeting_id: int):
    raw = _fields("member", "substitute", "reason")
    return council_pages._attempt(meeting_id, "afbud",
                                  lambda: _board().register_absence(db.session, current_user, meeting_id, raw),
                                  _("The absence is registered."))


@bp.post("/raadet/moeder/<id:meeting_id>/afbud/tilbagekald")
@login_required
def withdraw_absence(meeting_id: int):
    raw = _fields("member")
    return council_pages._attempt(meeting_id, "afbud",
                                  lambda: _board().withdraw_absence(db.session, current_user, meeting_id, raw),
                                  _("The absence is withdrawn."))


@bp.post("/raadet/moeder/<id:meeting_id>/fremmoede")
@login_required
def record_attendance(meeting_id: int):
    raw = dict(request.form)
    item_id = raw.get("item_id", "0")
    item = int(item_id) if item_id.isdigit() else 0
    anchor = f"fremmoede-{item}" if item else "fremmoede"
    return council_pages._attempt(meeting_id, anchor,
                                  lambda: _board().record_attendance(db.session, current_user, meeting_id, raw, item),
                                  _("The attendance is recorded."))
