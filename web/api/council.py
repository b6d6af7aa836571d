"""The API's council: creating a meeting, a meeting as this user may see it, ad-hoc agenda items."""
from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from marshmallow import Schema, fields

from workflows.council import ItemForm, MeetingForm, get_item
from workflows.council.agenda_items import CloseForm, OpenForm, PostponeForm
from workflows.council.forms import DeadlineForm, PublishNowForm

from ..extensions import byplan_service, db
from .common import attributes, bp, errors, token_required, write


class MeetingInSchema(MeetingForm):
    """The new-meeting form (workflows.council.MeetingForm) as the API's body, unchanged."""


class ItemInSchema(ItemForm):
    """The agenda item form (workflows.council.ItemForm) as the API's body, unchanged."""


class DeadlineInSchema(DeadlineForm):
    """The item deadline form (workflows.council.forms.DeadlineForm) as the API's body, unchanged."""


class PublishNowInSchema(PublishNowForm):
    """The publish-now form (workflows.council.forms.PublishNowForm) as the API's body, unchanged."""


class ItemOutSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    title = fields.String()
    proposal_id = fields.Integer(allow_none=True)
    proposed_outcome = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    changes = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    closed = fields.Boolean(attribute="hidden_publicly", metadata={
        "description": "A closed item (lukket punkt): outside the council only the placeholder title "
                       "\"Lukket punkt\", nothing else."})


class MeetingOutSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    title = fields.String()
    starts_at = fields.DateTime()
    item_deadline_at = fields.DateTime()
    place = fields.String()
    status = fields.String()
    agenda_published_at = fields.DateTime(allow_none=True)
    minutes_published_at = fields.DateTime(allow_none=True)
    items = fields.List(fields.Nested(ItemOutSchema))


@bp.route("/council/meetings")
class CouncilMeetings(MethodView):
    @token_required
    @bp.arguments(MeetingInSchema)
    @bp.response(201, MeetingOutSchema)
    @errors(400, 401, 403, 409, 422)
    def post(self, body):
        """Create a council meeting (secretariat); the call for agenda items opens."""
        # The service checks the request's JSON with the same form as the page's input (the body, parsed
        # by it already, holds dates where the form reads text).
        raw = request.get_json()
        meeting = write(lambda: byplan_service().council.create_meeting(db.session, g.api_user, raw))
        return {**attributes(meeting, MeetingOutSchema), "items": []}


@bp.route("/council/meetings/<id:meeting_id>")
class CouncilMeeting(MethodView):
    @token_required
    @bp.response(200, MeetingOutSchema)
    @errors(401, 404)
    def get(self, meeting_id):
        """A meeting with its agenda items and decisions."""
        view = byplan_service().council.meeting_view(db.session, meeting_id, g.api_user)  # what this user may see
        return {**attributes(view.meeting, MeetingOutSchema), "items": view.items}


@bp.route("/council/meetings/<id:meeting_id>/items")
class CouncilItems(MethodView):
    @token_required
    @bp.arguments(ItemInSchema)
    @bp.response(201, ItemOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """Add an ad-hoc item (secretariat); after publication a reason is required and shown publicly."""
        return write(lambda: byplan_service().council.add_item(db.session, g.api_user, meeting_id, body))


@bp.route("/council/meetings/<id:meeting_id>/deadline")
class CouncilDeadline(MethodView):
    @token_required
    @bp.arguments(DeadlineInSchema)
    @bp.response(200, MeetingOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """Move the item deadline (secretariat, before it has passed), with a reason recorded and shown."""
        raw = request.get_json()
        council = byplan_service().council
        write(lambda: council.move_deadline(db.session, g.api_user, meeting_id, raw))
        view = council.meeting_view(db.session, meeting_id, g.api_user)
        return {**attributes(view.meeting, MeetingOutSchema), "items": view.items}


@bp.route("/council/meetings/<id:meeting_id>/publish")
class CouncilPublishNow(MethodView):
    @token_required
    @bp.arguments(PublishNowInSchema)
    @bp.response(200, MeetingOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """Publish the built agenda now, before its publication time (secretariat), with a reason."""
        council = byplan_service().council
        write(lambda: council.publish_now(db.session, g.api_user, meeting_id, body))
        view = council.meeting_view(db.session, meeting_id, g.api_user)
        return {**attributes(view.meeting, MeetingOutSchema), "items": view.items}


class CloseInSchema(CloseForm):
    """Closing an item (workflows.council.agenda_items.CloseForm) as the API's body, unchanged."""


class OpenInSchema(OpenForm):
    """Opening a closed item (workflows.council.agenda_items.OpenForm) as the API's body, unchanged."""


class PostponeInSchema(PostponeForm):
    """Postponing an item (workflows.council.agenda_items.PostponeForm) as the API's body, unchanged."""


@bp.route("/council/items/<id:item_id>/close")
class CouncilItemClose(MethodView):
    @token_required
    @bp.arguments(CloseInSchema)
    @bp.response(200, ItemOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, item_id):
        """Close an agenda item (secretariat or chair), with the reason: outside the council only "Lukket punkt"."""
        return write(lambda: byplan_service().council.close_item(db.session, g.api_user, item_id, body))


@bp.route("/council/items/<id:item_id>/open")
class CouncilItemOpen(MethodView):
    @token_required
    @bp.arguments(OpenInSchema)
    @bp.response(200, ItemOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, item_id):
        """Open a closed item (the chair): from then on it is public like any other item."""
        return write(lambda: byplan_service().council.open_item(db.session, g.api_user, item_id, body))


@bp.route("/council/items/<id:item_id>/postpone")
class CouncilItemPostpone(MethodView):
    @token_required
    @bp.arguments(PostponeInSchema)
    @bp.response(200, ItemOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, item_id):
        """Postpone an item (secretariat) to a later meeting whose agenda is not yet published, with a reason."""
        council = byplan_service().council
        write(lambda: council.postpone_item(db.session, g.api_user, item_id, body))
        return get_item(db.session, item_id)
