"""The API's hearings: the hearings I may see, and a municipality's response."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields

from workflows.hearing import ResponseForm
from workflows.hearing.forms import CloseForm, ExtendForm, RedactionForm

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


# ------------------------------------------------------------------ issue 16: the secretariat's controls

class ResponseWithSectionsSchema(ResponseInSchema):
    """A response with comments per section: {"text": ..., "section_comments": {"<section id>": "..."}}."""


@bp.route("/hearings/<id:hearing_id>/section-responses")
class HearingSectionResponses(MethodView):
    @token_required
    @bp.arguments(ResponseWithSectionsSchema)
    @bp.response(201, ResponseOutSchema)
    @errors(400, 401, 403, 404, 409, 422, e422="Empty response, a section the hearing does not have, or the "
                                                "hearing is not open.")
    def post(self, body, hearing_id):
        """Answer a hearing for your municipality, on the whole text and on sections."""
        return write(lambda: byplan_service().hearings.respond_as_contact(
            db.session, g.api_user, hearing_id, {"text": body["text"],
                                                 "section_comments": body.get("section_comments") or {}}, []))


class DeadlineChangeSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    old_deadline = fields.Date()
    new_deadline = fields.Date()
    reason = fields.String()


@bp.route("/hearings/<id:hearing_id>/deadline")
class HearingDeadline(MethodView):
    @token_required
    @bp.arguments(ExtendForm)
    @bp.response(201, DeadlineChangeSchema)
    @errors(400, 401, 403, 404, 422, e422="Not a working day, not after the current deadline, or no reason.")
    def post(self, body, hearing_id):
        """Extend a running hearing's deadline (the secretariat); the timers move, silent parties are told."""
        raw = {"deadline": body["deadline"].isoformat(), "reason": body["reason"]}
        return write(lambda: byplan_service().hearings.deadlines.extend(db.session, g.api_user, hearing_id, raw))


@bp.route("/hearings/<id:hearing_id>/close")
class HearingClose(MethodView):
    @token_required
    @bp.arguments(CloseForm)
    @bp.response(201, DeadlineChangeSchema)
    @errors(400, 401, 403, 404, 422)
    def post(self, body, hearing_id):
        """Close a running hearing now (the secretariat), with a reason."""
        return write(lambda: byplan_service().hearings.deadlines.close_early(db.session, g.api_user, hearing_id,
                                                                             body))


class RedactionOutSchema(Schema):
    id = fields.Integer()
    response_id = fields.Integer()
    section_comment_id = fields.Integer(allow_none=True)
    start = fields.Integer()
    end = fields.Integer()
    reason = fields.String()


@bp.route("/hearing-responses/<id:response_id>/redactions")
class ResponseRedactions(MethodView):
    @token_required
    @bp.arguments(RedactionForm)
    @bp.response(201, RedactionOutSchema)
    @errors(400, 401, 403, 404, 422, e422="The passage is outside the response's text, or the response is never "
                                          "published.")
    def post(self, body, response_id):
        """Redact a passage of a response before publication (by its text, or by start and end): of its overall
        text, or with `section_id` of its comment on that section."""
        raw = {k: str(v) for k, v in body.items()}
        return write(lambda: byplan_service().hearings.publication.add_redaction(db.session, g.api_user,
                                                                                 response_id, raw))
