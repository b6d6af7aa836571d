"""The proposal family's input schemas: starting a proposal, and the task forms draft (and revise), screen,
schedule."""
from __future__ import annotations

from marshmallow import ValidationError, validates_schema

from ..forms import MAX_ID, REQUIRED, FormSchema, choice, integer, reference, text
from ..i18n import N_
from ..catalogue.models import SCOPES
from .models import KINDS, SCREENING, ProposalKind, Screening


class StartForm(FormSchema):
    """A new proposal: its working group (one of the user's), kind and working title."""

    group_id = reference(N_("Working group"))
    kind = choice(N_("Kind of proposal"), KINDS, default=ProposalKind.PRINCIPLE.value)
    title = text(N_("Title"), required=True, max_length=200)
    target = text(N_("Principle or rule the proposal concerns"), max_length=40,
                  help=N_("For a new rule: the principle's number. For a change or a retirement: the rule, e.g. AR 2.1."))


class DraftForm(FormSchema):
    kind = choice(N_("Kind of proposal"), KINDS)
    title = text(N_("Title"), required=True, max_length=200)
    summary = text(N_("Summary"), required=True, widget="textarea", max_length=5000,
                   help=N_("What the proposal is about, in a few sentences."))
    statement = text(N_("Principle statement"), widget="textarea", max_length=5000,
                     help=N_("Required for a principle and a rule: the principle statement or the rule text."))
    rationale = text(N_("Rationale"), widget="textarea", max_length=10000,
                     help=N_("For a rule: its background."))
    implications = text(N_("Implications"), widget="textarea", max_length=10000,
                        help=N_("For a rule: \"This means that …\", one point per line."))
    guidance = text(N_("Guidance"), widget="textarea", max_length=10000, help=N_("For a rule."))
    attention = text(N_("Points of attention"), widget="textarea", max_length=10000, help=N_("For a rule."))
    scope = choice(N_("Scope"), SCOPES, default="common", help=N_("For a rule: whom it binds."))
    contacts = text(N_("Contact persons"), widget="textarea", max_length=5000,
                    help=N_("For a rule: one per line, as name, organisation, e-mail."))

    @validates_schema(skip_on_field_errors=False)
    def _principle_needs_statement(self, data, **kwargs):
        if data.get("kind") in (ProposalKind.PRINCIPLE, ProposalKind.RULE, ProposalKind.RULE_CHANGE) \
                and not data.get("statement"):
            raise ValidationError(REQUIRED, "statement")


class ScreenForm(FormSchema):
    screening = choice(N_("Screening"), SCREENING)
    hearing = choice(N_("Send the proposal for public hearing?"),
                     [("no", N_("No, straight to the council")), ("yes", N_("Yes, hold a hearing first"))],
                     required=False)
    reason = text(N_("Reason for returning"), widget="textarea", max_length=5000,
                  help=N_("Required when the proposal is returned."))

    @validates_schema(skip_on_field_errors=False)
    def _return_needs_reason(self, data, **kwargs):
        if data.get("screening") == Screening.RETURN and not data.get("reason"):
            raise ValidationError(REQUIRED, "reason")


class ScheduleForm(FormSchema):
    meeting_id = integer(N_("Council meeting"), minimum=1, maximum=MAX_ID, widget="radio",
                         help=N_("The meetings that still take agenda items."))
