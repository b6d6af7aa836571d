"""Administration: users and roles, organisations (municipalities, working groups, networks and seats),
council terms, API tokens. One module per aggregate; `Admin` (service.py) is the one service over them.

The names other code imports from `workflows.admin` are re-exported here.
"""
from __future__ import annotations

from ..network import REGIONS
from .common import (
    ACTIVE_ROUNDS, ORIGINAL_FIELD, PAGE_SIZE, VERSION_FIELD, AdminError, Edit, Page, RegistrationStatus,
    RoundStatus, take_edit, today,
)
from .forms import (
    ASSIGNABLE_ROLES, MIN_PASSWORD, RECORD_ROLES, USER_CREATE_ORDER, USERNAME, CouncilMemberForm, EndTermForm,
    GroupForm, MemberForm, MunicipalityForm, NetworkForm, NetworkMemberForm, PasswordForm, SeatsForm, TermForm,
    TokenForm, UserCreateForm, UserEditForm, fields_for,
)
from .organisations import GroupMember
from .service import LOCKED, Admin

__all__ = [
    "ACTIVE_ROUNDS", "ASSIGNABLE_ROLES", "LOCKED", "MIN_PASSWORD", "ORIGINAL_FIELD", "PAGE_SIZE", "RECORD_ROLES",
    "REGIONS", "USERNAME", "USER_CREATE_ORDER", "VERSION_FIELD", "Admin", "AdminError", "CouncilMemberForm", "Edit",
    "EndTermForm", "GroupForm", "GroupMember", "MemberForm", "MunicipalityForm", "NetworkForm", "NetworkMemberForm",
    "Page", "PasswordForm", "RegistrationStatus", "RoundStatus", "SeatsForm", "TermForm", "TokenForm",
    "UserCreateForm", "UserEditForm", "fields_for", "take_edit", "today",
]
