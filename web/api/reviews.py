"""The API's architecture reviews (issue 14): starting one (its tasks then go through /tasks like all
others) and reading one as its owner, the staff, the board or its working group see it."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields

from workflows.architecture_review import RequestForm

from ..extensions import byplan_service, db
from .common import bp, errors, token_required, write


class AnswerSchema(Schema):
    id = fields.Integer()
    rule_version_id = fields.Integer()
    code = fields.String()
    title = fields.String()
    version = fields.Integer()
    assessment = fields.String(allow_none=True)
    explanation = fields.String()
    wg_agrees = fields.Boolean(allow_none=True)
    wg_comment = fields.String()


class ReviewSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    project = fields.String()
    organisation = fields.String()
    description = fields.String()
    phase = fields.String()
    status = fields.String()
    round = fields.Integer()
    answers = fields.List(fields.Nested(AnswerSchema))


@bp.route("/reviews")
class Reviews(MethodView):
    @token_required
    @bp.arguments(RequestForm)
    @bp.response(201, ReviewSchema)
    @errors(400, 401, 403, 422)
    def post(self, body):
        """Request an architecture review of a project (project owners and municipality contacts)."""
        raw = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body.items()}
        service = byplan_service().reviews
        review = write(lambda: service.start_review(db.session, g.api_user, raw))
        return service.review_page(db.session, g.api_user, review.id)[0]


@bp.route("/reviews/<id:review_id>")
class ReviewDetail(MethodView):
    @token_required
    @bp.response(200, ReviewSchema)
    @errors(401, 404)
    def get(self, review_id):
        """An architecture review with its rule-by-rule answers."""
        return byplan_service().reviews.review_page(db.session, g.api_user, review_id)[0]
