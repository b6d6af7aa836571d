"""From what an identity provider says about a user (SAML attributes, OIDC claims) to a Byplan identity:
who (a stable unique id), name, e-mail, organisation (a CVR number → a Byplan municipality) and roles.

The mapping is configuration (SAML_MAPPING, OIDC_MAPPING: JSON, inline or a file name):

    {"unique_id": "<attribute or claim; NameID (SAML) or sub (OIDC) when left out>",
     "name": "...", "email": "...", "organisation": "...",
     "roles": "<attribute or claim with role values>",
     "roles_format": "list" | "oiosaml-privileges",
     "role_map": {"<value from the provider>": ["secretariat", ...]},
     "organisations": {"<CVR>": "<municipality code>"},
     "default_roles": []}

`oiosaml-privileges` is the OIOSAML "privileges intermediate" attribute that KOMBIT's Context Handler
sends: base64 of a `bpp:PrivilegeList` whose `PrivilegeGroup`s carry a scope (the organisation's CVR as
`urn:dk:gov:saml:cvrNumberIdentifier:<CVR>`) and `Privilege` values (the user system roles, e.g. the
job-function roles granted to the user in the municipality's user administration).
"""
from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field

from defusedxml import ElementTree

from ..directory import MUNICIPALITY_CONTACT, ROLE_LABELS, WG_MEMBER

ASSIGNABLE = set(ROLE_LABELS) - {WG_MEMBER}  # working-group membership comes from the groups, not a role
CVR_SCOPE = "urn:dk:gov:saml:cvrNumberIdentifier:"


class MappingError(ValueError):
    """The mapping configuration is wrong (raised when the app starts)."""


@dataclass(frozen=True)
class Mapping:
    unique_id: str | None = None
    name: str | None = None
    email: str | None = None
    organisation: str | None = None
    roles: str | None = None
    roles_format: str = "list"
    role_map: dict[str, tuple[str, ...]] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    default_roles: tuple[str, ...] = ()

    @classmethod
    def load(cls, value) -> Mapping:
        """From a dict, JSON text, or the name of a JSON file; None or "" is the empty mapping."""
        if not value:
            return cls()
        if isinstance(value, str):
            text = value
            if not value.lstrip().startswith("{"):
                if not os.path.isfile(value):
                    raise MappingError(f"mapping file {value!r} not found")
                with open(value, encoding="utf-8") as fh:
                    text = fh.read()
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise MappingError(f"the mapping is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise MappingError("the mapping must be a JSON object")
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise MappingError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
        role_map = {}
        for key, roles in (value.get("role_map") or {}).items():
            roles = (roles,) if isinstance(roles, str) else tuple(roles)
            bad = set(roles) - ASSIGNABLE
            if bad:
                raise MappingError(f"role_map {key!r}: unknown Byplan roles {', '.join(sorted(bad))} "
                                   f"(known: {', '.join(sorted(ASSIGNABLE))})")
            role_map[str(key)] = roles
        default_roles = tuple(value.get("default_roles") or ())
        if set(default_roles) - ASSIGNABLE:
            raise MappingError("default_roles: unknown Byplan roles")
        fmt = value.get("roles_format", "list")
        if fmt not in ("list", "oiosaml-privileges"):
            raise MappingError("roles_format must be 'list' or 'oiosaml-privileges'")
        plain = {k: value.get(k) for k in ("unique_id", "name", "email", "organisation", "roles")}
        return cls(**plain, roles_format=fmt, role_map=role_map, default_roles=default_roles,
                   organisations={str(k): str(v) for k, v in (value.get("organisations") or {}).items()})


@dataclass(frozen=True)
class Claims:
    """What the provider said, reduced to what Byplan keeps (never the assertion or token itself)."""

    subject: str
    name: str
    email: str
    organisation: str | None  # a CVR number (or whatever the organisation attribute carries)
    provider_roles: tuple[str, ...]  # the provider's role values, before mapping

    def byplan_roles(self, mapping: Mapping) -> set[str]:
        roles = set(mapping.default_roles)
        for value in self.provider_roles:
            roles.update(mapping.role_map.get(value, ()))
        return roles

    def municipality_code(self, mapping: Mapping) -> str | None:
        return mapping.organisations.get(self.organisation or "")


def _first(values) -> str:
    if values is None:
        return ""
    if isinstance(values, (list, tuple)):
        return str(values[0]).strip() if values else ""
    return str(values).strip()


def _all(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, (list, tuple)):
        return [str(v).strip() for v in values if str(v).strip()]
    return [v for v in str(values).replace(",", " ").split() if v]


def parse_privileges(value: str) -> list[tuple[str, str]]:
    """(scope, privilege) pairs of an OIOSAML privileges-intermediate attribute (base64 of the XML, or the
    XML itself); malformed input yields none."""
    text = value.strip()
    if not text.startswith("<"):
        try:
            text = base64.b64decode(text, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return []
    try:
        root = ElementTree.fromstring(text)
    except Exception:  # noqa: BLE001 - defusedxml raises several kinds for hostile or broken XML
        return []
    pairs = []
    for group in root.iter():
        if group.tag.rsplit("}", 1)[-1] != "PrivilegeGroup":
            continue
        scope = group.get("Scope", "")
        for priv in group:
            if priv.tag.rsplit("}", 1)[-1] == "Privilege" and (priv.text or "").strip():
                pairs.append((scope, priv.text.strip()))
    return pairs


def claims_from(values: dict, mapping: Mapping, *, subject_default: str) -> Claims:
    """Claims from a provider's attributes/claims by name; `subject_default` (the NameID, or the OIDC
    issuer + sub) is the unique id when the mapping names no attribute for it."""
    subject = _first(values.get(mapping.unique_id)) if mapping.unique_id else subject_default
    organisation = _first(values.get(mapping.organisation)) if mapping.organisation else ""
    roles: list[str] = []
    if mapping.roles:
        if mapping.roles_format == "oiosaml-privileges":
            for raw in _all_raw(values.get(mapping.roles)):
                for scope, privilege in parse_privileges(raw):
                    cvr = scope[len(CVR_SCOPE):] if scope.startswith(CVR_SCOPE) else ""
                    if not organisation and cvr:
                        organisation = cvr
                    if not cvr or cvr == organisation:  # privileges for another organisation do not count
                        roles.append(privilege)
        else:
            roles = _all(values.get(mapping.roles))
    return Claims(subject=subject[:300], name=(_first(values.get(mapping.name)) if mapping.name else "")[:200],
                  email=(_first(values.get(mapping.email)) if mapping.email else "")[:254],
                  organisation=organisation or None, provider_roles=tuple(dict.fromkeys(roles)))


def _all_raw(values) -> list[str]:
    if values is None:
        return []
    return [str(v) for v in values] if isinstance(values, (list, tuple)) else [str(values)]


def needs_municipality(roles: set[str]) -> bool:
    return MUNICIPALITY_CONTACT in roles
