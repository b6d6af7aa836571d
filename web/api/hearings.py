"""The API's hearings: the hearings I may see, and a municipality's response."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields

from workflows.hearing import ResponseForm

from ..extensions import byplan_service, db
from .common import bp, errors, required_text, token_required, write


class HearingSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    status = fields.String()
    deadline = fields.Date()
    deadline_at = fields.DateTime(allow_none=True)
    parties_count = fields.Integer()
    answered_count = fields.Integer()
    late_pending_count = fields.Integer()


class ResponseInSchema(ResponseForm):
    """The response form (workflows.hearing.ResponseForm) as the API's body. The API takes no files, so
    its text is required; the page's form may leave it empty when a file is attached."""

    text = required_text(ResponseForm, "text")


class ResponseOutSchema(Schema):
    id = fields.Integer()
    hearing_id = fields.Integer()
    party = fields.String(attribute="party.name")
    version = fields.Integer()
    text = fields.String()
    submitted_at = fields.DateTime()
    late = fields.Boolean()
    late_status = fields.String(allow_none=True)


@bp.route("/hearings")
class HearingList(MethodView):
    @token_required
    @bp.response(200, HearingSchema(many=True))
    @errors(401, 403)
    def get(self):
        """Hearings: for a municipality contact those of the municipality, for staff the open ones."""
        return byplan_service().hearings.listing(db.session, g.api_user)


@bp.route("/hearings/<id:hearing_id>/responses")
class HearingResponses(MethodView):
    @token_required
    @bp.arguments(ResponseInSchema)
    @bp.response(201, ResponseOutSchema)
    @errors(400, 401, 403, 404, 409, 422, e403="Your municipality is not a party to the hearing.",
            e422="Empty response, or the hearing is not open.")
    def post(self, body, hearing_id):
        """Answer a hearing for your municipality (replaces your earlier answer until the deadline)."""
        return write(lambda: byplan_service().hearings.respond_as_contact(db.session, g.api_user, hearing_id,
                                                                          {"text": body["text"]}, []))
