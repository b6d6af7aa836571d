"""Every input field fits where it is stored: checked from the schemas and the models, not by chance.

SQLite stores a string of any length in a VARCHAR(N) column and any integer in an INTEGER one;
PostgreSQL refuses them (DataError), so a form or API field whose limit is above its column's length is
a 500 on PostgreSQL only. This module lists, for every input schema — every FormSchema of workflows/
(task forms, admin, hearing, council, network, search, incident forms) and every schema web/api/ reads
with @bp.arguments — where each text field ends up, and checks:

- a free-text field's max_length is at most its VARCHAR columns' lengths (Text columns take any length);
- a choice field's longest option fits its column;
- a field that is in no column says why (NOT_STORED), so a new field cannot go unchecked;
- every whole-number field has a range within a 32-bit INTEGER (MAX_ID);
- an e-mail field refuses what the mail outbox would refuse later.

Then the consequences that showed on PostgreSQL, end to end.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from marshmallow import fields, validate
from sqlalchemy import String, Text, select

import web.api as api
from engine.mail import OutboxMail
from engine.models import Case, ReadyTask
from engine.search import SearchEntry
from web.api import council as api_council
from web.api import hearings as api_hearings
from workflows import architecture_review as review
from workflows.council import agenda_items as council_items
from workflows.council import forms as council_forms
from workflows.council import models as council_models
from workflows import delegation
from workflows.hearing import forms as hearing_forms
from workflows import admin, catalogue, council, hearing, incidents, network, proposal, search, sessions
from workflows.directory import ApiToken, Municipality, User, UserRole, WorkingGroup
from workflows.forms import FORMS, MAX_ID, FormInvalid, FormSchema, load_values

# schema -> the model its fields are stored in, field name = column name unless COLUMNS says otherwise
MODELS = {
    proposal.StartForm: proposal.Proposal,
    proposal.DraftForm: proposal.Proposal,
    proposal.ScreenForm: proposal.Proposal,
    hearing.PrepareForm: hearing.Hearing,
    hearing.NoteForm: hearing.Hearing,
    hearing.ApproveNoteForm: hearing.Hearing,
    hearing.PartyForm: hearing.HearingParty,
    hearing.ResponseForm: hearing.HearingResponse,
    hearing.NotePointForm: hearing.NotePoint,
    hearing.LateDecisionForm: hearing.HearingResponse,
    council.MeetingForm: council.Meeting,
    council.ItemForm: council.AgendaItem,
    council.PositionForm: council.Position,
    council.DecideForm: council.AgendaItem,
    council_items.DecideOrPostponeForm: council.AgendaItem,
    council_forms.ConflictForm: council_models.Conflict,
    council_forms.AbsenceForm: council_models.Absence,
    delegation.DelegationSchema: delegation.Delegation,  # issue 19
    council.MinutesForm: council.Meeting,
    council.ObjectionForm: council.MinutesObjection,
    network.RoundForm: network.Round,
    network.MeetingForm: network.RegionalMeeting,
    network.ProgrammeForm: network.ProgrammeItem,
    network.RegistrationForm: network.Registration,
    network.EvaluationForm: network.Evaluation,
    admin.UserEditForm: User,
    admin.UserCreateForm: User,
    admin.MunicipalityForm: Municipality,
    admin.GroupForm: WorkingGroup,
    admin.NetworkForm: network.Network,
    admin.TermForm: council.CouncilMember,
    admin.CouncilMemberForm: council.CouncilMember,
    admin.TokenForm: ApiToken,
    api.StartCaseSchema: proposal.Proposal,
    api.ResponseInSchema: hearing.HearingResponse,
    api.MeetingInSchema: council.Meeting,
    api.ItemInSchema: council.AgendaItem,
    api_hearings.ResponseWithSectionsSchema: hearing.HearingResponse,
    review.forms.RequestForm: review.models.Review,
    review.forms.TriageForm: review.models.Review,
    review.forms.WorkingGroupReviewForm: review.models.Review,
    review.forms.BoardDecisionForm: review.models.ReviewDecision,
    review.forms.BoardForm: review.models.ArchitectureBoard,
    review.forms.BoardMemberForm: review.models.BoardMember,
}

# (schema, field) -> the columns it is stored in, where the name differs or it is copied elsewhere too
COLUMNS = {
    (proposal.DraftForm, "title"): [proposal.Proposal.title, catalogue.PrincipleVersion.title, Case.title,
                                    ReadyTask.case_title, SearchEntry.title],
    (proposal.StartForm, "title"): [proposal.Proposal.title, Case.title, ReadyTask.case_title],
    (api.StartCaseSchema, "title"): [proposal.Proposal.title, Case.title, ReadyTask.case_title],
    (api.StartCaseSchema, "kind"): [proposal.Proposal.kind],
    (proposal.DraftForm, "kind"): [proposal.Proposal.kind],
    (proposal.ScreenForm, "reason"): [proposal.Proposal.screening_reason],
    (hearing.PrepareForm, "title"): [hearing.Hearing.title, Case.title, SearchEntry.title],
    (hearing.ApproveNoteForm, "reason"): [hearing.Hearing.note_return_reason],
    (hearing.PartyForm, "name"): [hearing.HearingParty.name, OutboxMail.to_name],
    (hearing.PartyForm, "email"): [hearing.HearingParty.email, OutboxMail.to_address],
    (hearing.LateDecisionForm, "decision"): [hearing.HearingResponse.late_status],
    (hearing.LateDecisionForm, "reason"): [hearing.HearingResponse.late_reason],
    (council.MeetingForm, "title"): [council.Meeting.title, Case.title],
    (api.MeetingInSchema, "title"): [council.Meeting.title, Case.title],
    (council.ItemForm, "reason"): [council.AgendaChange.reason],
    (api.ItemInSchema, "reason"): [council.AgendaChange.reason],
    (council.DecideForm, "decision"): [council.AgendaItem.outcome],
    (council.DecideForm, "changes"): [council.AgendaItem.changes],
    (council.DecideForm, "reason"): [council.AgendaItem.reason],
    (council_items.DecideOrPostponeForm, "decision"): [council.AgendaItem.outcome],
    # issue 15: closing, postponing, ruling on a conflict
    (council_items.CloseForm, "reason"): [council.AgendaItem.closed_reason],
    (api_council.CloseInSchema, "reason"): [council.AgendaItem.closed_reason],
    (council_items.PostponeForm, "reason"): [council_models.Postponement.reason],
    (api_council.PostponeInSchema, "reason"): [council_models.Postponement.reason],
    (council_forms.RulingForm, "member"): [council_models.Conflict.member],
    (council_forms.RulingForm, "ruling"): [council_models.Conflict.ruling],
    (council_forms.RulingForm, "note"): [council_models.Conflict.ruling_note],
    (council.ObjectionForm, "text"): [council.MinutesObjection.text],
    (network.RoundForm, "theme"): [network.Round.theme, Case.title],
    (network.RegistrationForm, "name"): [network.Registration.name, OutboxMail.to_name],
    (network.RegistrationForm, "email"): [network.Registration.email, OutboxMail.to_address],
    (admin.UserEditForm, "roles"): [UserRole.role],
    (admin.UserCreateForm, "roles"): [UserRole.role],
    (admin.UserEditForm, "email"): [User.email, OutboxMail.to_address],
    (admin.UserCreateForm, "email"): [User.email, OutboxMail.to_address],
    (admin.UserEditForm, "name"): [User.name, OutboxMail.to_name],
    (admin.UserCreateForm, "name"): [User.name, OutboxMail.to_name],
    (admin.MunicipalityForm, "email"): [Municipality.email, OutboxMail.to_address],
    (council_forms.DeadlineForm, "reason"): [council.AgendaChange.reason],
    (api_council.DeadlineInSchema, "reason"): [council.AgendaChange.reason],
    (council_forms.PublishNowForm, "reason"): [council.AgendaChange.reason],
    (api_council.PublishNowInSchema, "reason"): [council.AgendaChange.reason],
    (hearing_forms.ExtendForm, "reason"): [hearing.records.DeadlineChange.reason],
    (hearing_forms.CloseForm, "close_reason"): [hearing.records.DeadlineChange.reason],
    (hearing_forms.RedactionForm, "reason"): [hearing.records.Redaction.reason],
    # the project's key is slugify(organisation + project), cut to 100 characters (Review.project_key: 120)
    (review.forms.RequestForm, "project"): [review.models.Review.project, Case.title, ReadyTask.case_title],
    (review.forms.TriageForm, "reason"): [review.models.Review.refusal_reason],
    (review.forms.BoardDecisionForm, "conditions"): [review.models.Dispensation.conditions],
}

# (schema, field) -> why it is in no VARCHAR column
WORKFLOW_DATA = "kept in the task's data (the serialized workflow, a Text column)"
NOT_STORED = {
    (council_items.OpenForm, "note"): "kept in the audit event's detail (JSON, a Text column)",
    (api_council.OpenInSchema, "note"): "kept in the audit event's detail (JSON, a Text column)",
    # issue 14: resolved to the id of a principle or a rule (Proposal.target_principle_id / target_rule_id)
    (proposal.StartForm, "target"): "looked up as a catalogue entry, stored as its id",
    (api.StartCaseSchema, "target"): "looked up as a catalogue entry, stored as its id",
    (proposal.ScreenForm, "screening"): WORKFLOW_DATA,
    (proposal.ScreenForm, "hearing"): WORKFLOW_DATA,
    (hearing.ApproveNoteForm, "note_decision"): WORKFLOW_DATA,
    (council.AgendaForm, "note"): WORKFLOW_DATA,
    (network.PlanForm, "note"): WORKFLOW_DATA,
    (network.MaterialsForm, "note"): WORKFLOW_DATA,
    (incidents.DataFixSchema, "name"): "the name of a workflow variable (the serialized workflow, Text)",
    (incidents.DataFixSchema, "value"): "a workflow variable's value (the serialized workflow, Text)",
    (council.MeetingForm, "start_time"): "combined with the date into Meeting.starts_at (a timestamp)",
    (api.MeetingInSchema, "start_time"): "combined with the date into Meeting.starts_at (a timestamp)",
    (admin.UserCreateForm, "password"): "only its argon2 hash is stored",
    (admin.PasswordForm, "password"): "only its argon2 hash is stored",
    (sessions.PasswordChangeForm, "current_password"): "checked against the stored argon2 hash, not stored",
    (sessions.PasswordChangeForm, "new_password"): "only its argon2 hash is stored",
    (sessions.PasswordChangeForm, "repeat_password"): "compared with the new password, not stored",
    (search.SearchForm, "q"): "a query, not stored",
    (search.SearchForm, "type"): "a filter, not stored",
    (api.SearchQuery, "q"): "a query, not stored",
    (api.SearchQuery, "type"): "a filter, not stored",
    (api.CaseListQuery, "status"): "a filter, not stored",
    (council.MeetingForm, "item_deadline_time"): "combined with the item deadline into Meeting.item_deadline_at",
    (api.MeetingInSchema, "item_deadline_time"): "combined with the item deadline into Meeting.item_deadline_at",
    (council_forms.DeadlineForm, "item_deadline_time"): "combined with the item deadline into Meeting.item_deadline_at",
    (api_council.DeadlineInSchema, "item_deadline_time"):
        "combined with the item deadline into Meeting.item_deadline_at",
    (hearing.PrepareForm, "reminder_unit"): "stored as the boolean Hearing.reminder_working_days",
    (hearing_forms.RedactionForm, "passage"): "located in the response's text, stored as Redaction.start / end",
    (review.forms.RequestForm, "municipal"): "stored as the boolean Review.municipal",
    (review.forms.TriageForm, "triage"): WORKFLOW_DATA,
    (review.forms.ReReviewForm, "re_review"): WORKFLOW_DATA,
    (api.StartCaseSchema, "process_id"): "one of the deployed processes' ids (Case.process_id, String(200))",
}


def _form_schemas() -> set[type]:
    found, todo = set(), [FormSchema]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("workflows."):
                found.add(sub)
            todo.append(sub)
    return found


def _api_input_schemas() -> set[type]:
    """The schemas the web/api package's modules read requests with (@bp.arguments)."""
    import importlib

    found = set()
    for path in sorted(Path(inspect.getfile(api)).parent.glob("*.py")):
        module = importlib.import_module(f"web.api.{path.stem}") if path.stem != "__init__" else api
        found |= {getattr(module, name) for name in re.findall(r"@bp\.arguments\((\w+)", path.read_text())}
    return found


def _input_schemas() -> list[type]:
    return sorted(_form_schemas() | _api_input_schemas(), key=lambda c: f"{c.__module__}.{c.__name__}")


def _string_fields(schema: type):
    for name, field in schema._declared_fields.items():
        if isinstance(field, fields.List) and isinstance(field.inner, fields.String):
            yield name, field.inner
        elif isinstance(field, fields.String):
            yield name, field


def _max_length(field) -> int | None:
    """The longest value the field accepts: its Length's max or its longest option; None: no limit."""
    limits = []
    for v in field.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            limits.append(v.max)
        elif isinstance(v, validate.OneOf):
            limits.append(max(len(str(c)) for c in v.choices))
    return min(limits) if limits else None


def _columns(schema: type, name: str):
    if (schema, name) in COLUMNS:
        return [c.property.columns[0] for c in COLUMNS[schema, name]]
    model = MODELS.get(schema)
    if model is not None and name in model.__table__.columns:
        return [model.__table__.columns[name]]
    return None


def test_the_inventory_covers_the_input_schemas():
    schemas = _input_schemas()
    names = {s.__name__ for s in schemas}
    assert {"DraftForm", "PartyForm", "MeetingForm", "RegistrationForm", "UserCreateForm", "StartCaseSchema",
            "ItemInSchema", "CompleteTaskSchema", "DataFixSchema"} <= names
    assert {form.schema for form in FORMS.values()} <= set(schemas)  # the task forms of the BPMN models
    assert {key for key in (*COLUMNS, *NOT_STORED)} <= {(s, n) for s in schemas for n, _ in _string_fields(s)}


@pytest.mark.parametrize("schema", _input_schemas(), ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_every_text_field_fits_its_columns(schema):
    problems = []
    for name, field in _string_fields(schema):
        limit = _max_length(field)
        columns = _columns(schema, name)
        if columns is None:
            if (schema, name) not in NOT_STORED:
                problems.append(f"{name}: no column known; add it to MODELS/COLUMNS or say why in NOT_STORED")
            continue
        for column in columns:
            if isinstance(column.type, Text) or not isinstance(column.type, String) or column.type.length is None:
                continue  # Text: any length
            if limit is None or limit > column.type.length:
                problems.append(f"{name}: accepts {limit or 'any'} characters, {column.table.name}.{column.name} "
                                f"holds {column.type.length}")
    assert problems == []


@pytest.mark.parametrize("schema", _input_schemas(), ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_every_whole_number_field_fits_an_integer_column(schema):
    problems = []
    for name, field in schema._declared_fields.items():
        if isinstance(field, fields.Integer):
            ranges = [v for v in field.validators if isinstance(v, validate.Range) and v.max is not None]
            if not ranges or min(r.max for r in ranges) > MAX_ID:
                problems.append(f"{name}: no range within {MAX_ID}")
    assert problems == []


@pytest.mark.parametrize("address", [
    "a" * 65 + "@example.org",   # a local part over 64 characters
    "søren@example.dk",          # not ASCII
    "kim@example",               # no top-level domain
    "kim..k@example.org",
])
def test_an_email_field_refuses_what_the_mail_outbox_refuses(address):
    with pytest.raises(FormInvalid) as exc:
        load_values(hearing.PartyForm, {"name": "Leverandør", "email": address})
    assert set(exc.value.errors) == {"email"}


def test_an_id_beyond_an_integer_column_is_a_field_error():
    with pytest.raises(FormInvalid) as exc:
        load_values(admin.MemberForm, {"user_id": str(MAX_ID + 1)})
    assert set(exc.value.errors) == {"user_id"}
    assert load_values(admin.MemberForm, {"user_id": str(MAX_ID)})["user_id"] == MAX_ID


# ------------------------------------------------------------------ end to end, on both databases

def test_a_round_with_the_longest_theme_opens_and_mails_its_members(app, people):
    """The theme may be 300 characters; "Tilmelding åben: " + the theme is not a 300-character subject."""
    from network_support import NetworkDriver
    from web.extensions import db

    net = NetworkDriver(app, people)
    theme = "Brug af rammearkitekturen " * 11 + "x" * (300 - 26 * 11)
    assert len(theme) == 300
    network_id = net.network(municipalities=("Hjørring",))
    round_id, _ = net.create_round(network_id, theme=theme)
    with app.app_context():
        row = db.session.get(network.Round, round_id)
        assert (row.status, db.session.get(Case, row.case_id).status) == ("open", "running")
        subjects = db.session.scalars(select(OutboxMail.subject).where(OutboxMail.tag == "network.open")).all()
    assert subjects and all(len(s) == 300 and s.endswith("…") and s.startswith("Tilmelding åben: Brug af")
                            for s in subjects)


@pytest.mark.parametrize("path", ["/test-data-error", "/api/test-data-error"])
def test_a_value_too_long_for_its_column_is_422_with_a_message_and_logged(app, people, client, caplog, path):
    """The safety net (web/errors.py): a DataError from the database — a field left without its limit —
    is a 422 that changes nothing, not a 500. SQLite stores the name, so there the route raises the error
    PostgreSQL raises."""
    from sqlalchemy.exc import DataError

    from web.extensions import db

    def too_long():
        db.session.add(WorkingGroup(name="Arbejdsgruppe " + "x" * 300))
        db.session.flush()  # PostgreSQL: value too long for type character varying(200)
        raise DataError("INSERT INTO working_group ...", {}, Exception("value too long for type character "
                                                                        "varying(200)"))

    app.add_url_rule(path, "test_data_error", too_long, methods=["POST"])
    people.login(client, "lead")
    response = client.post(path)
    assert response.status_code == 422
    assert response.mimetype == ("application/json" if path.startswith("/api/") else "text/html")
    assert "value too long" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(WorkingGroup.id).where(WorkingGroup.name.like("Arbejdsgruppe x%"))) is None
