"""Task forms: marshmallow schemas referenced from BPMN user tasks by `formKey`.

The same schema renders the HTML form (through `describe`), validates the
browser's and the API's input, and documents itself as JSON Schema.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Callable, Iterable

from marshmallow import Schema, ValidationError, fields, missing, validate

from engine.mail import MailError, check_address

from .i18n import N_

REQUIRED = N_("This field is required.")
CHOOSE = N_("Choose one of the options.")
TOO_LONG = N_("The text is too long.")
# The largest record id (and any other whole number kept in an INTEGER column): PostgreSQL refuses a
# larger one even in a lookup, so a larger input is a field error, never a database error.
MAX_ID = 2**31 - 1


def text(label: str, *, required: bool = False, max_length: int = 10_000, widget: str = "text",
         help: str = "") -> fields.String:
    return fields.String(
        required=required,
        validate=[validate.Length(min=1 if required else 0, max=max_length, error=TOO_LONG)],
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": N_("Not valid text.")},
        metadata={"label": label, "widget": widget, "help": help, "max_length": max_length},
    )


def choice(label: str, options: list[tuple[str, str]], *, required: bool = True, widget: str = "radio",
           help: str = "", default: str | None = None) -> fields.String:
    """One of the options; with a `default`, optional and the default when left out."""
    return fields.String(
        required=required and default is None, load_default=missing if default is None else default,
        validate=validate.OneOf([v for v, _ in options], error=CHOOSE),
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": CHOOSE},
        metadata={"label": label, "widget": widget, "choices": options, "help": help},
    )


DATE_PARTS = ("day", "month", "year")


def join_date_parts(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Form pairs with each date posted as <name>-day, -month and -year joined into <name>: ISO text when the
    parts are numbers (the date field still refuses 31 February), else "d.m.y" as typed, which it refuses
    with its own message. Three empty parts are an empty field."""
    parts: dict[str, dict[str, str]] = {}
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        name, _, part = key.rpartition("-")
        if name and part in DATE_PARTS:
            if name not in parts:
                parts[name] = {}
                out.append((name, ""))  # keeps the field's place among the others
            parts[name][part] = (value or "").strip()
        else:
            out.append((key, value))
    joined = []
    for key, value in out:
        if key in parts:
            day, month, year = (parts[key].get(p, "") for p in DATE_PARTS)
            if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
                value = f"{year}-{int(month):02d}-{int(day):02d}"
            elif day or month or year:
                value = f"{day}.{month}.{year}"
        joined.append((key, value))
    return joined


def date_field(label: str, *, required: bool = True, help: str = "") -> fields.Date:
    """A date: ISO text (YYYY-MM-DD). An HTML form shows three fields, day, month and year (DKFDS
    "Datofelter"), posted as <name>-day, <name>-month and <name>-year and joined by `join_date_parts`."""
    return fields.Date(
        required=required,
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": N_("Enter a real date.")},
        metadata={"label": label, "widget": "date", "help": help},
    )


TIME_PATTERN = r"^[0-9]{2}:[0-9]{2}$"


def time_of_day(label: str, *, required: bool = True, help: str = "") -> fields.String:
    """A time of day as HH:MM, kept as text for the service to combine with a date. Its limit is the
    pattern (documented as such in the API), not a length."""
    message = N_("Enter a time as HH:MM.")

    def _valid(value: str) -> None:
        if re.match(TIME_PATTERN, value):  # a value off the pattern has the pattern's error already
            try:
                time.fromisoformat(value)
            except ValueError:
                raise ValidationError(message) from None

    return fields.String(
        required=required, validate=[validate.Regexp(TIME_PATTERN, error=message), _valid],
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": message},
        metadata={"label": label, "widget": "text", "help": help, "max_length": 5},
    )


def integer(label: str, *, required: bool = True, minimum: int = 0, maximum: int = 1000,
            help: str = "", widget: str = "number", default: int | None = None) -> fields.Integer:
    """A whole number in [minimum, maximum]; with a `default`, optional and the default when left out."""
    return fields.Integer(
        required=required and default is None, load_default=missing if default is None else default,
        strict=False,
        validate=[validate.Range(min=minimum, max=maximum, error=N_("The number is out of range."))],
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": N_("Enter a whole number.")},
        metadata={"label": label, "widget": widget, "help": help, "min": minimum, "max": maximum},
    )


def email(label: str, *, required: bool = False, help: str = "") -> fields.String:
    """An e-mail address the mail outbox accepts (engine.mail.check_address: ASCII local@domain.tld, a
    local part of at most 64 characters), so that a mail to it later cannot fail."""
    def _valid(value: str) -> None:
        try:
            check_address(value)
        except MailError:
            raise ValidationError(N_("Enter a valid e-mail address.")) from None

    f = text(label, required=required, max_length=254, widget="email", help=help)
    f.validators.append(_valid)
    return f


def reference(label: str, *, required: bool = True, help: str = "") -> fields.Integer:
    """The id of a record chosen from a list; the choices come from the records (FieldSpec.choices)."""
    return fields.Integer(
        required=required, strict=False, validate=[validate.Range(min=1, max=MAX_ID, error=CHOOSE)],
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": CHOOSE},
        metadata={"label": label, "widget": "select", "help": help},
    )


def multi_choice(label: str, options: list[tuple[str, str]], *, help: str = "") -> fields.List:
    """Any number of the options, as a group of checkboxes."""
    return fields.List(
        fields.String(validate=validate.OneOf([v for v, _ in options], error=CHOOSE)),
        load_default=list, error_messages={"invalid": CHOOSE},
        metadata={"label": label, "widget": "checkboxes", "choices": options, "help": help},
    )


def checkbox(label: str, *, help: str = "") -> fields.Boolean:
    """A single yes/no checkbox: absent (unchecked) means no."""
    return fields.Boolean(
        load_default=False, truthy={"1", "on", "true", "yes", True}, falsy={"0", "off", "false", "no", False},
        error_messages={"invalid": CHOOSE}, metadata={"label": label, "widget": "checkbox", "help": help},
    )


class FormSchema(Schema):
    """Base for task forms: strips text, treats blank strings as missing."""

    class Meta:
        # Unknown fields are an error, so typos in API calls do not pass silently.
        unknown = "raise"

    def load_form(self, raw: dict[str, Any]) -> dict[str, Any]:
        cleaned = {}
        for key, value in (raw or {}).items():
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
                if isinstance(self.fields.get(key), fields.List):  # one checked box of a group
                    value = [value]
            cleaned[key] = value
        return self.load(cleaned)

    def initial(self, values: dict[str, Any]) -> dict[str, Any]:
        """Record values as the form shows them (dates as ISO text)."""
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items() if v is not None}


class FormInvalid(Exception):
    """Form input that does not validate; `errors` maps field name to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid form input")
        self.errors = errors


def flatten_errors(errors: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, dict):
            value = [m for msgs in flatten_errors(value).values() for m in msgs]
        out[key] = list(value) if isinstance(value, (list, tuple)) else [str(value)]
    return out


def load_values(schema_cls: type[FormSchema], raw: dict[str, Any] | None) -> dict[str, Any]:
    """Validate raw form or JSON input with a form schema; FormInvalid with per-field messages."""
    try:
        return schema_cls().load_form(raw or {})
    except ValidationError as exc:
        raise FormInvalid(flatten_errors(exc.normalized_messages())) from None


@dataclass
class FieldSpec:
    name: str
    label: str
    widget: str
    required: bool
    help: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None


def describe(schema: Schema) -> list[FieldSpec]:
    specs = []
    for name, f in schema.fields.items():
        meta = f.metadata
        specs.append(FieldSpec(name=name, label=meta.get("label", name), widget=meta.get("widget", "text"),
                               required=f.required, help=meta.get("help", ""),
                               choices=list(meta.get("choices", [])), max_length=meta.get("max_length")))
    return specs


def json_schema(schema: Schema, specs: list[FieldSpec] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for spec in specs if specs is not None else describe(schema):
        prop: dict[str, Any] = {"type": "string", "title": spec.label}
        is_int = isinstance(schema.fields[spec.name], fields.Integer)
        if is_int:
            prop["type"] = "integer"
        if spec.widget == "number":
            prop["type"] = "integer"
        elif spec.widget == "date":
            prop["format"] = "date"
        if spec.choices:
            prop["enum"] = [int(v) if is_int else v for v, _ in spec.choices]
        if spec.max_length:
            prop["maxLength"] = spec.max_length
        if spec.help:
            prop["description"] = spec.help
        field_ = schema.fields[spec.name]
        if isinstance(field_, fields.List):  # a group of check boxes: an array of the choices
            inner_int = isinstance(field_.inner, fields.Integer)
            items: dict[str, Any] = {"type": "integer" if inner_int else "string"}
            if spec.choices:
                items["enum"] = [int(v) if inner_int else v for v, _ in spec.choices]
            prop = {"type": "array", "title": spec.label, "items": items}
            if spec.help:
                prop["description"] = spec.help
        props[spec.name] = prop
        if spec.required:
            required.append(spec.name)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


@dataclass
class FormDef:
    """A form key's schema and what completing it does to the domain records.

    ``on_submit(ctx, values)`` writes records and returns the (small) values
    that go into the task data for gateways; ``initial(ctx)`` prefills.
    """

    key: str
    schema: type[FormSchema]
    on_submit: Callable[[Any, dict], dict]
    initial: Callable[[Any], dict] | None = None
    # choices that depend on the records, e.g. the open meetings: {field name: [(value, label)]}
    choices: Callable[[Any], dict[str, list[tuple[str, str]]]] | None = None
    # what the task is about, shown beside the form: ``context(ctx)`` returns a small dataclass with a
    # ``kind`` (the page renders it with web/templates/task_context/<kind>.html) or None
    context: Callable[[Any], Any] | None = None


# The task forms the process families declare (each family module registers its own at import).
FORMS: dict[str, FormDef] = {}


def register(form: FormDef) -> FormDef:
    FORMS[form.key] = form
    return form


def get_form(key: str | None) -> FormDef | None:
    return FORMS.get(key or "")


class FormRegistry:
    """The task forms one set of services knows, by form key; `runtime.build` makes one and hands it on."""

    def __init__(self, forms: Iterable[FormDef] = ()):
        self._forms = {form.key: form for form in forms}

    def get(self, key: str | None) -> FormDef | None:
        return self._forms.get(key or "")

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._forms

    def __iter__(self):
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._forms)


__all__ = ["FORMS", "MAX_ID", "FieldSpec", "FormDef", "FormInvalid", "FormRegistry", "FormSchema", "ValidationError",
           "checkbox", "choice", "describe", "email", "flatten_errors", "get_form", "json_schema", "load_values",
           "multi_choice", "reference", "register", "text", "time_of_day"]
