"""The API's tasks: my inbox, a task with its form's JSON Schema, completing it."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from workflows.forms import MAX_ID

from ..extensions import byplan_service, db
from .common import PageQuery, attributes, bp, errors, token_required, write
from .schemas import CaseSchema, TaskSchema


class TaskDetailSchema(TaskSchema):
    case_version = fields.Integer()
    instructions = fields.String()
    form_schema = fields.Dict(allow_none=True)
    values = fields.Dict()


# The task's own form (its formKey's schema, documented per task in form_schema) checks `data`; this is
# the envelope around it, which no HTML form has (the page's form carries the version as a hidden field).
class CompleteTaskSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID),
                             metadata={"description": "The case version you read."})
    data = fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "Form values; see the task's form_schema."})


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
        return {**attributes(view.task, TaskSchema), "case_version": view.case.version,
                "instructions": view.instructions, "form_schema": view.json_schema, "values": view.values}


@bp.route("/tasks/<task_id>/complete")
class CompleteTask(MethodView):
    @token_required
    @bp.arguments(CompleteTaskSchema)
    @bp.response(200, CaseSchema)
    @errors(400, 401, 403, 404, 409, 422, e403="The task belongs to another role.")
    def post(self, body, task_id):
        """Complete a task with form data and the case version you read."""
        return write(lambda: byplan_service().complete_task(db.session, g.api_user, task_id, body["data"],
                                                            body["version"]))
