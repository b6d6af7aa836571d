"""The access-request family's input schemas: the public request form, the assessment of a document,
the delay letter and the choice of documents. The same schemas validate HTML and API input."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..forms import MAX_ID, FormSchema, checkbox, choice, date_field, email, integer, text
from ..i18n import N_
from .models import EXEMPTIONS, Assessment

ASSESSMENTS = [(Assessment.FULL.value, N_("Released in full")),
               (Assessment.PARTIAL.value, N_("Released in part")),
               (Assessment.REFUSED.value, N_("Refused"))]
LEGAL_BASES = [(e.code, f"{e.section} {e.text}") for e in EXEMPTIONS]


class RequestForm(FormSchema):
    name = text(N_("Your name"), required=True, max_length=200)
    email = email(N_("Your e-mail address"), required=True,
                  help=N_("The receipt, any delay letter and the decision are sent here."))
    asked = text(N_("What do you ask for access to?"), required=True, widget="textarea", max_length=10_000,
                 help=N_("Describe the documents or the matter as precisely as you can."))
    case_id = integer(N_("Case number (if you know it)"), required=False, minimum=1, maximum=MAX_ID,
                      widget="text")


class AssessmentForm(FormSchema):
    assessment = choice(N_("Assessment"), ASSESSMENTS)
    redactions = text(N_("What is redacted"), widget="textarea", max_length=5000,
                      help=N_("For a release in part: the passages that are blacked out."))
    reason = text(N_("Reason"), widget="textarea", max_length=5000,
                  help=N_("For a release in part or a refusal: why."))
    legal_basis = choice(N_("Legal basis"), LEGAL_BASES, required=False, widget="select",
                         help=N_("The section of the Access to Public Administration Files Act the "
                                 "redaction or refusal rests on."))

    @validates_schema
    def _complete(self, data, **kwargs):
        kind = data.get("assessment")
        errors = {}
        if kind == Assessment.PARTIAL:
            if not data.get("redactions"):
                errors["redactions"] = [N_("Say what is redacted.")]
            if not data.get("reason"):
                errors["reason"] = [N_("A release in part needs the reason for the redactions.")]
        if kind == Assessment.REFUSED and not data.get("legal_basis"):
            errors["legal_basis"] = [N_("A refusal needs its legal basis.")]
        if errors:
            raise ValidationError(errors)


class DelayLetterForm(FormSchema):
    reason = text(N_("Why the decision takes longer"), required=True, widget="textarea", max_length=5000)
    expected = date_field(N_("Expected date of the decision"),
                          help=N_("The new deadline; it must be a working day after today."))


class DocumentsForm(FormSchema):
    document_ids = fields.List(
        fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID, error=N_("Choose one of the options.")),
                       error_messages={"invalid": N_("Choose one of the options.")}),
        load_default=list, error_messages={"invalid": N_("Choose one of the options.")},
        metadata={"label": N_("Documents covered by the request"), "widget": "checkboxes"})


class ListingForm(FormSchema):
    release_listing = checkbox(N_("Release the case's journal listing"),
                               help=N_("The list of the case's documents (offentlighedsloven § 7, stk. 2)."))


class DecisionForm(FormSchema):
    final = checkbox(N_("Final decision"), help=N_("Unchecked: a partial decision releasing the documents "
                                                   "assessed so far; the rest follow."))
