"""The API's cases: the cases I may see, starting one, a case with its record, tasks and events, retrying
a stopped one."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from workflows import proposal
from workflows.forms import MAX_ID

from ..extensions import byplan_service, db
from .common import PageQuery, attributes, bp, errors, renamed, token_required, write
from .schemas import CaseSchema, TaskSchema


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


class CaseDetailSchema(CaseSchema):
    record = fields.Nested(ProposalSchema, allow_none=True)
    tasks = fields.List(fields.Nested(TaskSchema))
    events = fields.List(fields.Nested(EventSchema))


class StartCaseSchema(proposal.StartForm):
    """The new-proposal form (workflows.proposal.StartForm) as the API's body. It differs in two ways: the
    API names the process (the page is the proposal's own) and calls the group `working_group_id`."""

    process_id = fields.String(required=True, validate=validate.OneOf([proposal.PROCESS_ID]))
    group_id = renamed(proposal.StartForm, "group_id", "working_group_id")


class CaseListQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(["running", "completed", "incident"]))


# The HTML retry button sends the version as a hidden field; the API sends it as the body.
class RetrySchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID),
                             metadata={"description": "The case version you read."})


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
        return write(lambda: byplan_service().start_proposal(db.session, g.api_user, body["group_id"], body["title"],
                                                             body["kind"], body.get("target")))


@bp.route("/cases/<id:case_id>")
class CaseDetail(MethodView):
    @token_required
    @bp.response(200, CaseDetailSchema)
    @errors(401, 403, 404)
    def get(self, case_id):
        """A case: status, record, open tasks and events."""
        view = byplan_service().case_view(db.session, g.api_user, case_id)
        return {**attributes(view.case, CaseSchema), "record": view.proposal, "tasks": view.tasks,
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
        return write(lambda: byplan_service().incidents.retry(db.session, g.api_user, case_id, body["version"]))
