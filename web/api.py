"""JSON API under /api/v1 (flask-smorest), bearer tokens only."""
from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflows import proposal
from workflows import search as search_domain
from workflows.directory import user_for_token
from workflows.forms import MAX_ID

from .extensions import byplan_service
from .extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Byplan cases and tasks")

ERROR_DESCRIPTIONS = {
    400: "The request could not be read (e.g. a NUL character in a text).",
    401: "No valid bearer token (byplan token create USER).",
    403: "Your role may not do this.",
    404: "Not found, or not visible to you.",
    409: "The case changed since you read it (or the task is done, or the case is not stopped).",
    422: "Invalid input; errors per field.",
}


def errors(*codes: int, **descriptions: str):
    """Document the error answers of an operation (body: code, status, message, errors per field)."""
    from flask_smorest.error_handler import ErrorSchema

    def decorator(view):
        for code in codes:
            description = descriptions.get(f"e{code}") or ERROR_DESCRIPTIONS[code]
            view = bp.alt_response(code, schema=ErrorSchema, description=description)(view)
        return view

    return decorator


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(db.session, token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            abort(401, "A valid bearer token is required (byplan token create USER).")
        if db.session.dirty:  # the token's last use was recorded: keep it even if the call only reads
            db.session.commit()
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


class TaskSchema(Schema):
    id = fields.String()
    case_id = fields.Integer()
    case_title = fields.String()
    process_id = fields.String()
    name = fields.String(attribute="spec_name")
    title = fields.String()
    lane = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    ready_since = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)


class TaskDetailSchema(TaskSchema):
    case_version = fields.Integer()
    instructions = fields.String()
    form_schema = fields.Dict(allow_none=True)
    values = fields.Dict()


class EventSchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    kind = fields.String()
    summary = fields.String()


class ProposalSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    summary = fields.String()
    statement = fields.String()
    rationale = fields.String()
    implications = fields.String()
    status = fields.String()
    working_group = fields.String(attribute="working_group.name")
    decision = fields.String(allow_none=True)
    principle_key = fields.String(allow_none=True)


class CaseSchema(Schema):
    id = fields.Integer()
    process_id = fields.String()
    title = fields.String()
    status = fields.String()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    error = fields.String(allow_none=True, metadata={"description": "Why the case stopped (status incident)."})
    incident_element = fields.String(allow_none=True, metadata={"description": "BPMN id of the failed step."})
    incident_element_name = fields.String(allow_none=True)
    incident_at = fields.DateTime(allow_none=True)


class CaseDetailSchema(CaseSchema):
    record = fields.Nested(ProposalSchema, allow_none=True)
    tasks = fields.List(fields.Nested(TaskSchema))
    events = fields.List(fields.Nested(EventSchema))


class StartCaseSchema(Schema):
    process_id = fields.String(required=True, validate=validate.OneOf([proposal.PROCESS_ID]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    working_group_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    kind = fields.String(load_default="principle", validate=validate.OneOf([k for k, _ in proposal.KINDS]))


class CompleteTaskSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID),
                             metadata={"description": "The case version you read."})
    data = fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "Form values; see the task's form_schema."})


class RetrySchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID),
                             metadata={"description": "The case version you read."})


class PageQuery(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


class CaseListQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(["running", "completed", "incident"]))


def _attributes(obj, schema_cls) -> dict:
    """The raw attribute values a schema reads from obj, to extend before dumping."""
    return {name: getattr(obj, f.attribute or name) for name, f in schema_cls().fields.items()
            if hasattr(obj, f.attribute or name)}


@bp.route("/cases")
class Cases(MethodView):
    @token_required
    @bp.arguments(CaseListQuery, location="query")
    @bp.response(200, CaseSchema(many=True))
    @errors(400, 401, 422)
    def get(self, args):
        """Cases visible to me, newest first."""
        return byplan_service().cases(db.session, g.api_user, status=args.get("status"), limit=args["limit"],
                                      offset=args["offset"])

    @token_required
    @bp.arguments(StartCaseSchema)
    @bp.response(201, CaseSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body):
        """Start a case of a process."""
        case = byplan_service().start_proposal(db.session, g.api_user, body["working_group_id"], body["title"],
                                               body["kind"])
        db.session.commit()
        return case


@bp.route("/cases/<id:case_id>")
class CaseDetail(MethodView):
    @token_required
    @bp.response(200, CaseDetailSchema)
    @errors(401, 403, 404)
    def get(self, case_id):
        """A case: status, record, open tasks and events."""
        view = byplan_service().case_view(db.session, g.api_user, case_id)
        return {**_attributes(view.case, CaseSchema), "record": view.proposal, "tasks": view.tasks,
                "events": view.events}


@bp.route("/cases/<id:case_id>/retry")
class CaseRetry(MethodView):
    @token_required
    @bp.arguments(RetrySchema)
    @bp.response(200, CaseSchema)
    @errors(400, 401, 403, 404, 409, 422, e403="Only an administrator can retry.")
    def post(self, body, case_id):
        """Retry the failed step of a stopped case (status incident); administrators only.

        A retry that fails again answers 200 with the case still an incident and the new error.
        """
        case = byplan_service().incidents.retry(db.session, g.api_user, case_id, body["version"])
        db.session.commit()
        return case


@bp.route("/tasks")
class Tasks(MethodView):
    @token_required
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, TaskSchema(many=True))
    @errors(400, 401, 422)
    def get(self, args):
        """My ready tasks, the most urgent first."""
        return byplan_service().inbox(db.session, g.api_user, limit=args["limit"], offset=args["offset"])


@bp.route("/tasks/<task_id>")
class TaskDetail(MethodView):
    @token_required
    @bp.response(200, TaskDetailSchema)
    @errors(401, 403, 404)
    def get(self, task_id):
        """A ready task with its form's JSON Schema and the case version to send back."""
        view = byplan_service().task_view(db.session, g.api_user, task_id)
        return {**_attributes(view.task, TaskSchema), "case_version": view.case.version,
                "instructions": view.instructions, "form_schema": view.json_schema, "values": view.values}


@bp.route("/tasks/<task_id>/complete")
class CompleteTask(MethodView):
    @token_required
    @bp.arguments(CompleteTaskSchema)
    @bp.response(200, CaseSchema)
    @errors(400, 401, 403, 404, 409, 422, e403="The task belongs to another role.")
    def post(self, body, task_id):
        """Complete a task with form data and the case version you read."""
        case = byplan_service().complete_task(db.session, g.api_user, task_id, body["data"], body["version"])
        db.session.commit()
        return case


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


class ResponseInSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=50000))


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
        hearings = byplan_service().hearings
        party = hearings.party_for_contact(db.session, g.api_user, hearing_id)
        response = hearings.respond(db.session, party, {"text": body["text"]}, [], g.api_user.username,
                                    allow_late=False)
        db.session.commit()
        return response


class MeetingInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    date = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    start_time = fields.String(required=True, metadata={"description": "HH:MM"})
    place = fields.String(load_default="", validate=validate.Length(max=300))
    online_link = fields.String(load_default="", validate=validate.Length(max=500))
    item_deadline = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    publish_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=60))


class ItemInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["decision", "discussion", "information"]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


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


class MeetingOutSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    title = fields.String()
    starts_at = fields.DateTime()
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
        council = byplan_service().council
        raw = {k: str(v) for k, v in body.items()}
        meeting = council.create_meeting(db.session, g.api_user, raw)
        db.session.commit()
        return {**_attributes(meeting, MeetingOutSchema), "items": []}


@bp.route("/council/meetings/<id:meeting_id>")
class CouncilMeeting(MethodView):
    @token_required
    @bp.response(200, MeetingOutSchema)
    @errors(401, 404)
    def get(self, meeting_id):
        """A meeting with its agenda items and decisions."""
        view = byplan_service().council.meeting_view(db.session, meeting_id, g.api_user)  # what this user may see
        return {**_attributes(view.meeting, MeetingOutSchema), "items": view.items}


@bp.route("/council/meetings/<id:meeting_id>/items")
class CouncilItems(MethodView):
    @token_required
    @bp.arguments(ItemInSchema)
    @bp.response(201, ItemOutSchema)
    @errors(400, 401, 403, 404, 409, 422)
    def post(self, body, meeting_id):
        """Add an ad-hoc item (secretariat); after publication a reason is required and shown publicly."""
        item = byplan_service().council.add_item(db.session, g.api_user, meeting_id, body)
        db.session.commit()
        return item


class SearchQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=search_domain.MAX_QUERY),
                      metadata={"description": "Words to find; the last one also matches as a prefix (SQLite)."})
    type = fields.String(validate=validate.OneOf([k for k, _ in search_domain.KINDS]))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))


class SearchHitSchema(Schema):
    kind = fields.String()
    key = fields.String()
    title = fields.String()
    snippet = fields.String(metadata={"description": "HTML: the text escaped, matches in <mark>."})
    rank = fields.Float()
    url = fields.String()


class SearchResultSchema(Schema):
    total = fields.Integer(metadata={"description": "Hits of the requested kind (or all)."})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "Hits per kind."})
    hits = fields.List(fields.Nested(SearchHitSchema))


@bp.route("/search")
class SearchView(MethodView):
    @token_required
    @bp.arguments(SearchQuery, location="query")
    @bp.response(200, SearchResultSchema)
    @errors(400, 401, 422)
    def get(self, args):
        """Search cases, documents, principles, hearings and meetings that I may see, best first."""
        from .search import hit_url

        hits, total, counts = byplan_service().search.find(db.session, g.api_user, args["q"], args.get("type"),
                                                           limit=args["limit"], offset=args["offset"])
        return {"total": total, "counts": counts,
                "hits": [{"kind": h.kind, "key": h.key, "title": h.title, "snippet": str(h.snippet),
                          "rank": h.rank, "url": hit_url(h)} for h in hits]}
