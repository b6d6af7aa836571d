"""The hearing family's input schemas: the task forms and the forms on the hearing's own pages.

The same schema validates the browser's and the API's input and gives the HTML forms their labels and
limits (`workflows.forms.describe`)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..forms import (
    MAX_ID, REQUIRED, FormSchema, choice, date_field, describe, email, integer, text,
)
from ..i18n import N_
from .models import DISPOSITIONS, LateDecision, NoteDecision

TITLE_MAX = 200
SUMMARY_MAX = 10_000


class PrepareForm(FormSchema):
    title = text(N_("Title"), required=True, max_length=TITLE_MAX)
    summary = text(N_("Summary"), required=True, widget="textarea", max_length=SUMMARY_MAX,
                   help=N_("What the hearing is about; shown on the public hearing page."))
    deadline = date_field(N_("Hearing deadline"), help=N_("Responses are due by the end of this day. It must be a "
                                                          "working day; the norm is at least four weeks."))
    reminder_days = integer(N_("Reminder (days before the deadline)"), minimum=0, maximum=60,
                            help=N_("Parties that have not answered get a reminder; 0 sends none."))
    # counted in working days (the Danish holiday calendar) or calendar days; the page proposes working days
    reminder_unit = choice(N_("The reminder's days are"), [("working", N_("working days")),
                                                          ("calendar", N_("calendar days"))], default="calendar")
    # the case's documents chosen as hearing material (the choices are the documents not yet material)
    material_documents = fields.List(
        fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID, error=N_("Choose one of the options.")),
                       error_messages={"invalid": N_("Choose one of the options.")}),
        load_default=list, error_messages={"invalid": N_("Choose one of the options.")},
        metadata={"label": N_("Use the proposal's documents as hearing material"), "widget": "checkboxes",
                  "help": N_("The chosen documents become hearing material as they are; nothing is uploaded "
                             "again.")})


class NoteForm(FormSchema):
    note_summary = text(N_("Summary of the hearing note"), widget="textarea", max_length=20000,
                        help=N_("The points and dispositions are written on the hearing's page."))


class ApproveNoteForm(FormSchema):
    note_decision = choice(N_("The hearing note"), [(NoteDecision.APPROVE, N_("Approve and publish")),
                                                    (NoteDecision.RETURN, N_("Return to the working group"))])
    reason = text(N_("Reason for returning"), widget="textarea", max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _return_needs_reason(self, data, **kwargs):
        if data.get("note_decision") == NoteDecision.RETURN and not data.get("reason"):
            raise ValidationError(REQUIRED, "reason")


class PartyForm(FormSchema):
    name = text(N_("Name of the party"), required=True, max_length=200)
    email = email(N_("E-mail"), required=True)


class ResponseForm(FormSchema):
    text = text(N_("Your response"), widget="textarea", max_length=50000)
    # a comment per section of the consulted text, by section id (the page's fields section-<id>)
    section_comments = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                                   error_messages={"invalid": N_("Not valid text.")},
                                   metadata={"label": N_("Comments on sections"), "widget": "sections"})


class ExtendForm(FormSchema):
    deadline = date_field(N_("New deadline"), help=N_("A working day after the current deadline."))
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=5000)


class CloseForm(FormSchema):
    close_reason = text(N_("Reason for closing early"), required=True, widget="textarea", max_length=5000)


class RedactionForm(FormSchema):
    section_id = integer(N_("Section"), default=0, minimum=0, maximum=MAX_ID,
                         help=N_("The section whose comment is redacted; none for the response's overall text."))
    passage = text(N_("The passage, exactly as in the response"), max_length=50000)
    start = integer(N_("From character number"), required=False, minimum=0, maximum=MAX_ID)
    end = integer(N_("Up to character number"), required=False, minimum=0, maximum=MAX_ID)
    reason = text(N_("Reason"), required=True, max_length=2000)


class NotePointForm(FormSchema):
    response_id = integer(N_("Response"), minimum=1, maximum=MAX_ID)
    section_id = integer(N_("Section"), default=0, minimum=0, maximum=MAX_ID,
                         help=N_("The section of the consulted text the point concerns; none for the whole text."))
    point = text(N_("Point"), required=True, widget="textarea", max_length=5000)
    disposition = choice(N_("Disposition"), DISPOSITIONS)
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=5000)


class LateDecisionForm(FormSchema):
    decision = choice(N_("Late response"), [(LateDecision.ADMIT, N_("Admit")), (LateDecision.REJECT, N_("Reject"))])
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=5000)


def page_forms() -> dict:
    """The fields of the forms on the hearing's pages, by form and field name, for the templates
    (labels, limits and choices come from here, not from the HTML)."""
    return {name: {spec.name: spec for spec in describe(schema())}
            for name, schema in (("party", PartyForm), ("point", NotePointForm), ("late", LateDecisionForm),
                                 ("response", ResponseForm))}
