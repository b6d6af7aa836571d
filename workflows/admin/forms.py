"""The administration's forms (marshmallow), one per page form; the same schema renders and validates."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validate, validates_schema

from ..directory import COUNCIL_CHAIR, COUNCIL_MEMBER, MIN_PASSWORD, ROLE_LABELS, WG_MEMBER
from ..forms import (
    FieldSpec, FormSchema, checkbox, choice, date_field, describe, email, integer, multi_choice, reference, text,
)
from ..i18n import N_
from ..network import REGIONS

# Roles given by hand; working-group membership (wg_member) follows from the groups.
# Roles that follow from records are set on those records' pages: working-group membership on the
# group's page, the council roles on the council page (terms, one chair at a time).
RECORD_ROLES = {WG_MEMBER, COUNCIL_MEMBER, COUNCIL_CHAIR}
ASSIGNABLE_ROLES = [(r, label) for r, label in ROLE_LABELS.items() if r not in RECORD_ROLES]

USERNAME = validate.Regexp(r"^[A-Za-z0-9._@-]+$",
                           error=N_("Use letters, digits and . _ @ - only (no spaces)."))


def _password(label: str) -> Any:
    f = text(label, required=True, max_length=200, widget="password",
             help=N_("At least 10 characters. Give it to the user in a safe way; they should change it."))
    f.validators.append(validate.Length(min=MIN_PASSWORD, error=N_("The password must be at least 10 characters.")))
    return f


class UserEditForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    email = email(N_("E-mail"), required=True)
    municipality_id = reference(N_("Municipality"), required=False,
                                help=N_("For municipality contacts: the municipality they answer for."))
    roles = multi_choice(N_("Roles"), ASSIGNABLE_ROLES,
                         help=N_("Working-group membership is set on the working group's page, "
                                 "council membership and the chair on the council page."))


def _username() -> Any:
    f = text(N_("User name"), required=True, max_length=100, help=N_("Used to log in."))
    f.validators.append(USERNAME)
    return f


class UserCreateForm(UserEditForm):
    username = _username()
    password = _password(N_("Initial password"))


USER_CREATE_ORDER = ["username", "name", "email", "municipality_id", "roles", "password"]


class PasswordForm(FormSchema):
    password = _password(N_("New password"))


class MunicipalityForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=100)
    code = text(N_("Municipality code"), required=True, max_length=10, help=N_("The three-digit code, e.g. 860."))
    region = choice(N_("Region"), [(r, r) for r in REGIONS], widget="select")
    email = email(N_("E-mail for hearings"), help=N_("The municipality's mailbox for hearings (høringspostkasse)."))


class GroupForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    description = text(N_("Description"), widget="textarea", max_length=1000)


class MemberForm(FormSchema):
    user_id = reference(N_("User"))
    lead = checkbox(N_("Lead of the group"), help=N_("The lead submits the group's proposals; a group has one lead."))


class NetworkForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    description = text(N_("Description"), widget="textarea", max_length=5000)


class SeatsForm(FormSchema):
    seats_per_meeting = integer(N_("Seats per meeting"), minimum=1, maximum=100)


class NetworkMemberForm(SeatsForm):
    municipality_id = reference(N_("Municipality"))


class TermForm(FormSchema):
    term_start = date_field(N_("Term starts"))
    term_end = date_field(N_("Term ends"), required=False, help=N_("Leave empty while the term is open-ended."))
    organisation = text(N_("Organisation"), max_length=200)
    is_chair = checkbox(N_("Chair of the council"),
                        help=N_("There is one chair at a time: choosing a new chair ends the previous one's "
                                "chairmanship."))

    @validates_schema(skip_on_field_errors=True)
    def _order(self, data, **kwargs):
        if data.get("term_end") and data["term_end"] < data["term_start"]:
            raise ValidationError(N_("The term cannot end before it starts."), "term_end")


class CouncilMemberForm(TermForm):
    user_id = reference(N_("User"))


class EndTermForm(FormSchema):
    last_day = date_field(N_("Last day of the term"))


class TokenForm(FormSchema):
    user_id = reference(N_("User"))
    label = text(N_("Label"), required=True, max_length=100,
                 help=N_("What the token is for, e.g. the system that uses it."))


def fields_for(schema_cls: type[FormSchema], choices: dict[str, list[tuple[str, str]]] | None = None,
               order: list[str] | None = None) -> list[FieldSpec]:
    """The form's fields for the page, with choices that come from the records."""
    specs = describe(schema_cls())
    for spec in specs:
        if choices and spec.name in choices:
            spec.choices = choices[spec.name]
    if order:
        specs.sort(key=lambda s: order.index(s.name) if s.name in order else len(order))
    return specs
