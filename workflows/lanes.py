"""Which users act in which BPMN lane. Lanes are role names in the process models."""
from __future__ import annotations

from .directory import ADMIN, COUNCIL_CHAIR, COUNCIL_MEMBER, MUNICIPALITY_CONTACT, SECRETARIAT, User

# Lanes open to a role regardless of the case's scope.
LANE_ROLES: dict[str, set[str]] = {
    "Sekretariat": {SECRETARIAT},
    "Råd": {COUNCIL_MEMBER, COUNCIL_CHAIR},
    "Rådsformand": {COUNCIL_CHAIR},
    "Kommune": {MUNICIPALITY_CONTACT},
}
# Lanes open to the members of the working group that owns the case (its scope).
GROUP_LANES = {"Arbejdsgruppe"}


def audiences(user: User) -> list[tuple[str, str | None]]:
    """(lane, scope) pairs whose tasks this user may see and complete."""
    pairs: list[tuple[str, str | None]] = [
        (lane, None) for lane, roles in LANE_ROLES.items() if user.roles & roles
    ]
    for membership in user.memberships:
        pairs.extend((lane, f"wg:{membership.group_id}") for lane in GROUP_LANES)
    return pairs


def may_act(user: User, lane: str | None, scope: str | None) -> bool:
    if lane in GROUP_LANES:
        return scope is not None and scope in {f"wg:{g}" for g in user.group_ids}
    return bool(user.roles & LANE_ROLES.get(lane or "", set()))


def may_view_case(user: User, scope: str | None) -> bool:
    if user.has_role(SECRETARIAT, ADMIN, COUNCIL_MEMBER, COUNCIL_CHAIR):
        return True
    return scope is not None and scope in {f"wg:{g}" for g in user.group_ids}
