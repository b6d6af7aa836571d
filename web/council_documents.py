"""The council's documents (issue 15): the secretariat's draft of the minutes as PDF, on demand.

The stored agenda packs and minutes are downloaded through the meeting's document route
(`council.document`), which applies the service's access rules; the meeting page lists them
(`council/_documents.html`).
"""
from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user, login_required

from .cases import attachment_header
from .extensions import byplan_service, db

bp = Blueprint("council_documents", __name__)


@bp.get("/raadet/moeder/<id:meeting_id>/referat-udkast.pdf")
@login_required
def minutes_draft(meeting_id: int):
    filename, content = byplan_service().council.papers.minutes_draft(db.session, current_user, meeting_id)
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = attachment_header(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
