"""The network family's forms: one marshmallow schema per input, used to render, validate and document it."""
from __future__ import annotations

from datetime import time

from marshmallow import ValidationError, validates_schema

from ..forms import FormInvalid, FormSchema, choice, date_field, email, integer, text
from ..i18n import N_
from .models import FORMATS, REGIONS, ProgrammeKind

class RoundForm(FormSchema):
    theme = text(N_("Theme"), required=True, max_length=300)
    format = choice(N_("Format"), FORMATS)
    registration_deadline = date_field(N_("Registration deadline"))


class MeetingForm(FormSchema):
    region = choice(N_("Region"), [(r, r) for r in REGIONS])
    day = date_field(N_("Date"))
    starts = text(N_("Starts (HH:MM)"), required=True, max_length=5)
    ends = text(N_("Ends (HH:MM)"), required=True, max_length=5)
    venue = text(N_("Venue"), max_length=200)
    address = text(N_("Address"), max_length=300)
    online_link = text(N_("Online link"), max_length=500)
    capacity = integer(N_("Capacity (places)"), minimum=1, maximum=1000)

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        for key in ("starts", "ends"):
            if data.get(key):
                try:
                    time.fromisoformat(data[key])
                except ValueError:
                    raise ValidationError(N_("Enter a time as HH:MM."), key) from None
        if not data.get("venue") and not data.get("online_link"):
            raise ValidationError(N_("Give a venue or an online link."), "venue")


class ProgrammeForm(FormSchema):
    kind = choice(N_("Kind"), [(ProgrammeKind.TALK, N_("Talk")), (ProgrammeKind.CASE, N_("Municipal case"))])
    title = text(N_("Title"), required=True, max_length=300)
    speaker = text(N_("Speaker"), max_length=200)
    organisation = text(N_("Organisation"), max_length=200)


class RegistrationForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    email = email(N_("E-mail"), required=True)
    job_title = text(N_("Job title"), max_length=200)


class EvaluationForm(FormSchema):
    overall = integer(N_("Overall, how was the meeting? (1–5)"), minimum=1, maximum=5)
    usefulness = integer(N_("How useful was it for your work? (1–5)"), minimum=1, maximum=5)
    comment = text(N_("Comments"), widget="textarea", max_length=5000)


class PlanForm(FormSchema):
    note = text(N_("Note"), widget="textarea", max_length=2000)


class MaterialsForm(FormSchema):
    note = text(N_("Note"), widget="textarea", max_length=2000,
                help=N_("Upload presentations, canvases and photos on the meeting's page."))


def invalid(field: str, message: str) -> FormInvalid:
    return FormInvalid({field: [message]})
