"""Which users act in which BPMN lane. Lanes are role names in the process models."""
from __future__ import annotations

from engine import Forbidden

from .directory import (
    ADMIN, BOARD_MEMBER, COUNCIL_CHAIR, COUNCIL_MEMBER, MUNICIPALITY_CONTACT, PROJECT_OWNER, SECRETARIAT, User,
    group_scope,
)
from .i18n import N_

# Lanes open to a role regardless of the case's scope.
LANE_ROLES: dict[str, set[str]] = {
    "Sekretariat": {SECRETARIAT},
    # The council's decision is recorded by the chair; members record positions (council process).
    "Råd": {COUNCIL_CHAIR},
    "Rådsmedlem": {COUNCIL_MEMBER},
    "Rådsformand": {COUNCIL_CHAIR},
    # issue 14 (architecture reviews): the project's owner (its tasks are assigned to the owner by name) and
    # the architecture board (the decision checks a current board membership too)
    "Projektejer": {PROJECT_OWNER, MUNICIPALITY_CONTACT},
    "Arkitekturboard": {BOARD_MEMBER},
}
# How lanes are named in the UI (the BPMN lane names are Danish role names).
LANE_LABELS = {"Sekretariat": N_("Secretariat"), "Råd": N_("Council chair"), "Arbejdsgruppe": N_("Working group"),
               "Høringspart": N_("Hearing party"), "Rådsmedlem": N_("Council member"),
               "Rådsformand": N_("Council chair"), "Projektejer": N_("Project owner"),
               "Arkitekturboard": N_("Architecture board")}

# Lanes open to the members of the working group that owns the case (its scope).
GROUP_LANES = {"Arbejdsgruppe"}
# Lanes of parties who act outside tasks, on their own pages (hearing answers, registrations):
# a process may show them as lanes, but they hold no human tasks.
PARTY_LANES: dict[str, set[str]] = {"Høringspart": {MUNICIPALITY_CONTACT}, "Kommune": {MUNICIPALITY_CONTACT}}


def lane_exists(lane: str) -> bool:
    """A lane a process may have: one that maps to a role (checked when process files are deployed)."""
    return lane in LANE_ROLES or lane in GROUP_LANES or lane in PARTY_LANES


def task_lane_exists(lane: str | None) -> bool:
    """A lane whose human tasks some user can take."""
    return lane is not None and (lane in LANE_ROLES or lane in GROUP_LANES)


def audiences(user: User) -> list[tuple[str, str | None]]:
    """(lane, scope) pairs whose tasks this user may see and complete."""
    pairs: list[tuple[str, str | None]] = [
        (lane, None) for lane, roles in LANE_ROLES.items() if user.roles & roles
    ]
    for membership in user.memberships:
        pairs.extend((lane, group_scope(membership.group_id)) for lane in GROUP_LANES)
    return pairs


def may_act(user: User, lane: str | None, scope: str | None) -> bool:
    if lane in GROUP_LANES:
        return scope is not None and scope in {group_scope(g) for g in user.group_ids}
    return bool(user.roles & LANE_ROLES.get(lane or "", set()))


SEES_ALL_CASES = (SECRETARIAT, ADMIN, COUNCIL_MEMBER, COUNCIL_CHAIR)


# ------------------------------------------------------------ named checks (the one role policy)
# Services decide access with these; views and templates never test roles themselves.

def is_staff(user: User | None) -> bool:
    """Secretariat, administrators and the council: they see every case and internal material."""
    return user is not None and user.has_role(*SEES_ALL_CASES)


def is_secretariat(user: User | None) -> bool:
    return user is not None and user.has_role(SECRETARIAT)


def is_admin(user: User | None) -> bool:
    return user is not None and user.has_role(ADMIN)


def is_process_staff(user: User | None) -> bool:
    return user is not None and user.has_role(*PROCESS_STAFF)


def is_contact_only(user: User | None) -> bool:
    """A municipality contact who is not also secretariat: they see their municipality's pages."""
    return user is not None and user.has_role(MUNICIPALITY_CONTACT) and not user.has_role(SECRETARIAT)


def is_project_owner(user: User | None) -> bool:
    """Who requests architecture reviews: a project owner (KL/KOMBIT) or a municipality contact."""
    return user is not None and user.has_role(PROJECT_OWNER, MUNICIPALITY_CONTACT)


def is_board_member(user: User | None) -> bool:
    return user is not None and user.has_role(BOARD_MEMBER)


def is_group_member(user: User | None) -> bool:
    return user is not None and bool(user.group_ids)


def my_scopes(user: User) -> set[str]:
    return {group_scope(g) for g in user.group_ids}


def may_view_case(user: User, scope: str | None) -> bool:
    return user.has_role(*SEES_ALL_CASES) or (scope is not None and scope in my_scopes(user))


def may_edit_case(user: User, scope: str | None) -> bool:
    """Add documents to a case: the secretariat and the working group that owns it."""
    return user.has_role(SECRETARIAT) or (scope is not None and scope in my_scopes(user))


def may_take(user: User, task) -> bool:
    """A projected ready task: the user acts in its lane, and it is assigned to nobody or to them."""
    return may_act(user, task.lane, task.scope) and task.assignee in (None, user.username)


def require_secretariat(user: User) -> None:
    if not is_secretariat(user):
        raise Forbidden(N_("Only the secretariat can do this."))


def require_admin(user: User | None) -> None:
    if not is_admin(user):
        raise Forbidden(N_("Only an administrator can do this."))


# Who sees the deployed process versions (the process catalogue).
PROCESS_STAFF = (SECRETARIAT, ADMIN)


def require_process_staff(user: User) -> None:
    if not is_process_staff(user):
        raise Forbidden(N_("Only the secretariat and administrators can see the process versions."))
