"""The API's architecture catalogue: public, no token (the same visibility as the public pages).

Principles with their rules, a rule with its public versions (status, validity line, provenance ids, the
superseding version), one version.
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from workflows.catalogue import service as catalogue

from ..extensions import db
from .common import bp, errors

PUBLIC = {"security": []}  # readable without a token


class ContactSchema(Schema):
    name = fields.String()
    organisation = fields.String()
    email = fields.String()


class RuleVersionSchema(Schema):
    version = fields.Integer()
    title = fields.String()
    text = fields.String()
    implications = fields.List(fields.String(), attribute="implication_list",
                               metadata={"description": "\"Det betyder, at …\": one point each"})
    background = fields.String()
    guidance = fields.String()
    attention = fields.String(metadata={"description": "Points of attention"})
    scope = fields.String(metadata={"description": "common, or municipal (municipalities only, \"FK\")"})
    status = fields.String(metadata={"description": "in_hearing, adopted, retired or superseded"})
    validity = fields.Method("_validity", allow_none=True,
                             metadata={"description": "The validity line from the meeting that decided it"})
    superseded_by = fields.Method("_superseded_by", allow_none=True)
    decision = fields.String(allow_none=True)
    decision_changes = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    proposal_id = fields.Integer(allow_none=True)
    hearing_id = fields.Integer(allow_none=True)
    agenda_item_id = fields.Integer(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    retired_meeting_id = fields.Integer(allow_none=True)
    working_group = fields.String(attribute="working_group.name", allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema))

    def _validity(self, version):
        return catalogue.validity_line(version)

    def _superseded_by(self, version):
        if not version.superseded_by_id:
            return None
        successor = next((v for v in version.rule.versions if v.id == version.superseded_by_id), None)
        return successor.version if successor is not None and successor.is_public else None


class RuleSummarySchema(Schema):
    key = fields.String(attribute="rule.key")
    code = fields.String(attribute="rule.code")
    title = fields.String(attribute="version.title")
    version = fields.Integer(attribute="version.version")
    status = fields.String(attribute="version.status")
    scope = fields.String(attribute="version.scope")


class PrincipleSchema(Schema):
    key = fields.String(attribute="principle.key")
    number = fields.Integer(attribute="principle.number")
    title = fields.String(attribute="version.title")
    statement = fields.String(attribute="version.statement")
    version = fields.Integer(attribute="version.version")
    status = fields.String(attribute="version.status")
    rules = fields.List(fields.Nested(RuleSummarySchema))


class RuleSchema(Schema):
    key = fields.String()
    code = fields.String()
    principle = fields.Integer(attribute="principle.number")
    status = fields.Method("_status")
    versions = fields.Method("_versions")

    def _status(self, rule):
        return catalogue.public_versions(rule)[0].status

    def _versions(self, rule):
        return RuleVersionSchema(many=True).dump(catalogue.public_versions(rule))


@bp.route("/catalogue/principles")
class Principles(MethodView):
    @bp.doc(**PUBLIC)
    @bp.response(200, PrincipleSchema(many=True))
    def get(self):
        """The architecture catalogue: every principle with its rules (public, no token)."""
        return catalogue.overview(db.session)


@bp.route("/catalogue/rules/<key>")
class RuleView(MethodView):
    @bp.doc(**PUBLIC)
    @bp.response(200, RuleSchema)
    @errors(404)
    def get(self, key):
        """A rule ("ar-2-1") with its public versions, newest first (public, no token)."""
        return catalogue.public_rule(db.session, key)


@bp.route("/catalogue/rules/<key>/versions/<int:version>")
class RuleVersionView(MethodView):
    @bp.doc(**PUBLIC)
    @bp.response(200, RuleVersionSchema)
    @errors(404)
    def get(self, key, version):
        """One public version of a rule (public, no token)."""
        return catalogue.rule_page(db.session, key, version).version
