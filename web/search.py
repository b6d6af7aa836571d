"""The search page: one box over cases, documents, principles, hearings, hearing responses, council meetings
and network rounds. The engine gives highlight spans in plain text; the HTML is made here."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from workflows.forms import FormInvalid
from workflows.search import KINDS, MAX_QUERY, SearchPage

from .extensions import byplan_service
from .extensions import db

bp = Blueprint("search", __name__)

FIELDS = ("q", "type", "page")


def search_args() -> dict:
    """The query's known parameters (others are ignored, like any page's)."""
    return {name: request.args[name] for name in FIELDS if name in request.args}


def reader():
    return current_user if current_user.is_authenticated else None


def marked(highlighted) -> Markup:
    """Highlighted text as HTML: every piece escaped, the matches in <mark>."""
    if highlighted is None:
        return Markup("")
    return Markup("").join(Markup("<mark>%s</mark>") % piece if hit else escape(piece)
                           for piece, hit in highlighted.segments())


def hit_url(hit) -> str:
    """The page that shows a hit's record to those who may find it."""
    ref = hit.ref or {}
    if hit.kind == "case":
        return url_for("cases.case", case_id=ref["case_id"])
    if hit.kind == "principle":
        return url_for("public.principle", key=ref["key"])
    if hit.kind == "rule":  # issue 14
        return url_for("catalogue.rule", key=ref["key"])
    if hit.kind == "hearing":
        if hit.visibility == "public":
            return url_for("hearings.public_hearing", hearing_id=ref["hearing_id"])
        return url_for("hearings.hearing", hearing_id=ref["hearing_id"])
    if hit.kind == "response":
        if hit.visibility == "public":
            return url_for("hearings.public_hearing", hearing_id=ref["hearing_id"])
        return url_for("hearings.hearing", hearing_id=ref["hearing_id"])
    if hit.kind == "meeting":
        return url_for("council.meeting", meeting_id=ref["meeting_id"])
    if hit.kind == "round":
        return url_for("network.round_page", round_id=ref["round_id"])
    if hit.kind == "review":  # issue 14: the public register's page once a decision is public
        endpoint = "reviews.public_review" if hit.visibility == "public" else "reviews.review"
        return url_for(endpoint, review_id=ref["review_id"])
    if hit.kind == "project":
        return url_for("reviews.project", key=ref["project_key"])
    if hit.kind == "document":
        if ref.get("hearing_id"):
            return url_for("hearings.public_document", hearing_id=ref["hearing_id"], document_id=ref["document_id"])
        if ref.get("meeting_id"):
            return url_for("council.document", meeting_id=ref["meeting_id"], document_id=ref["document_id"])
        return url_for("cases.download", document_id=ref["document_id"])
    return "#"


@bp.get("/soeg")
def search():
    raw = search_args()
    errors, status = {}, 200
    try:
        result = byplan_service().search.search(db.session, reader(), raw)
    except FormInvalid as exc:
        errors, status = exc.errors, 422
        result = SearchPage(query=(raw.get("q") or "")[:MAX_QUERY], kind=None, page=1, page_size=1)
    return render_template("search.html", result=result, errors=errors, kinds=KINDS, kind_labels=dict(KINDS),
                           hit_url=hit_url, marked=marked, raw=raw), status
