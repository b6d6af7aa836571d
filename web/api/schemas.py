"""The answers two areas of the API share: a case (cases, retry, task completion) and a task (the inbox, a
case's open tasks)."""
from __future__ import annotations

from marshmallow import Schema, fields


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
