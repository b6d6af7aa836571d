"""The council's input schemas: the meeting and item forms of its pages and the task forms of its process."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from marshmallow import ValidationError, validates_schema

from ..dates import COPENHAGEN
from ..forms import REQUIRED, FormSchema, checkbox, choice, date_field, integer, text, time_of_day
from ..i18n import N_
from .models import KINDS, OUTCOMES, POSITIONS, Outcome


class MeetingForm(FormSchema):
    title = text(N_("Title"), required=True, max_length=200)
    date = date_field(N_("Meeting date"))
    start_time = time_of_day(N_("Start time (HH:MM)"))
    place = text(N_("Place"), max_length=300)
    online_link = text(N_("Online link"), max_length=500)
    item_deadline = date_field(N_("Deadline for agenda items"), required=False,
                               help=N_("Left out: the day before the meeting."))
    item_deadline_time = time_of_day(N_("Time of the item deadline (HH:MM)"), required=False,
                                     help=N_("Left out: 12:00."))
    publish_days = integer(N_("Publish the agenda this many days before"), minimum=1, maximum=60, default=7)

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **kwargs):
        if not data.get("place") and not data.get("online_link"):
            raise ValidationError(N_("Give a place or an online link."), "place")
        starts = meeting_start(data)
        if starts is not None and item_deadline_moment(data) >= starts:
            raise ValidationError(N_("The item deadline must be before the meeting."), "item_deadline")


DEADLINE_TIME = "12:00"  # the item deadline's default time of day (the day before the meeting)


def meeting_start(values: dict) -> datetime | None:
    """The meeting's start (UTC) from the form's date and start time, None while either is missing."""
    if not isinstance(values.get("date"), date) or not values.get("start_time"):
        return None
    try:
        return datetime.combine(values["date"], time.fromisoformat(values["start_time"]),
                                COPENHAGEN).astimezone(timezone.utc)
    except ValueError:
        return None


def item_deadline_moment(values: dict) -> datetime:
    """The item deadline (UTC): the given day (default: the day before the meeting) at the given time
    (default 12:00), Copenhagen time."""
    day = values.get("item_deadline") or (values["date"] - timedelta(days=1))
    at = time.fromisoformat(values.get("item_deadline_time") or DEADLINE_TIME)
    return datetime.combine(day, at, COPENHAGEN).astimezone(timezone.utc)


class DeadlineForm(FormSchema):
    """The secretariat moves the item deadline (before it has passed), with a reason."""

    item_deadline = date_field(N_("New deadline for agenda items"))
    item_deadline_time = time_of_day(N_("Time of the item deadline (HH:MM)"), required=False,
                                     help=N_("Left out: 12:00."))
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=2000,
                  help=N_("Recorded and shown with the meeting."))


class PublishNowForm(FormSchema):
    """The secretariat publishes the built agenda before its publication time, with a reason."""

    reason = text(N_("Reason"), required=True, widget="textarea", max_length=2000,
                  help=N_("Recorded and shown with the meeting."))


class ItemForm(FormSchema):
    kind = choice(N_("Kind of item"), KINDS)
    title = text(N_("Title"), required=True, max_length=200)
    description = text(N_("Description"), widget="textarea", max_length=10000)
    reason = text(N_("Reason for the change"), widget="textarea", max_length=2000,
                  help=N_("Required once the agenda is published; shown on the public page."))


class PositionForm(FormSchema):
    position = choice(N_("Your position"), POSITIONS)
    comment = text(N_("Comment"), widget="textarea", max_length=5000)


class DecideForm(FormSchema):
    decision = choice(N_("The council's decision"), OUTCOMES)
    changes = text(N_("Changes"), widget="textarea", max_length=10000, help=N_("Required when approved with changes."))
    reason = text(N_("Reason"), widget="textarea", max_length=10000, help=N_("Required when rejected or sent back."))
    quorum_exception = text(N_("Exception to the quorum rule"), widget="textarea", max_length=5000,
                            help=N_("Required when the council does not have a quorum on the item."))

    @validates_schema(skip_on_field_errors=False)
    def _conditional(self, data, **kwargs):
        if data.get("decision") == Outcome.APPROVED_WITH_CHANGES and not data.get("changes"):
            raise ValidationError(REQUIRED, "changes")
        if data.get("decision") in (Outcome.REJECTED, Outcome.SENT_BACK) and not data.get("reason"):
            raise ValidationError(REQUIRED, "reason")


class AgendaForm(FormSchema):
    note = text(N_("Note to the agenda"), widget="textarea", max_length=5000)


class MinutesForm(FormSchema):
    minutes_summary = text(N_("Minutes"), required=True, widget="textarea", max_length=50000,
                           help=N_("The minutes of each item are written on the meeting page."))


class ObjectionForm(FormSchema):
    text = text(N_("Your objection"), required=True, widget="textarea", max_length=5000)


def field_limits(schema_cls: type[FormSchema]) -> dict[str, int]:
    """{field: max length} of a schema, for hand-written HTML forms that must not copy the limits."""
    return {name: f.metadata["max_length"] for name, f in schema_cls().fields.items()
            if f.metadata.get("max_length")}


# ------------------------------------------------------------------ issue 15: conflicts, absences (board.py)

RULINGS = [("conflicted", N_("Conflicted: takes no part in the item")),
           ("not_conflicted", N_("Not conflicted"))]


class ConflictForm(FormSchema):
    """A member declares a conflict of interest on an item; the secretariat may raise it for a member."""

    member = text(N_("Council member (user name)"), max_length=100,
                  help=N_("Left out: yourself. The secretariat names the member it raises the conflict for."))
    reason = text(N_("Reason for the conflict of interest"), required=True, widget="textarea", max_length=5000)


class RulingForm(FormSchema):
    """The chair rules on a declared conflict."""

    member = text(N_("Council member (user name)"), required=True, max_length=100)
    ruling = choice(N_("Ruling"), RULINGS)
    note = text(N_("Note to the ruling"), widget="textarea", max_length=5000)
    reason_public = checkbox(N_("The reason is public"),
                             help=N_("The public minutes show the reason with the conflict."))


class AbsenceForm(FormSchema):
    """A member registers absence from a meeting (or the secretariat for them), with a substitute."""

    member = text(N_("Council member (user name)"), max_length=100,
                  help=N_("Left out: yourself. The secretariat names the member it registers."))
    substitute = text(N_("Substitute (user name)"), max_length=100,
                      help=N_("Acts for the member at this meeting only: an active user who is not a member."))
    reason = text(N_("Reason"), widget="textarea", max_length=2000)
