"""The hearing family's access rules: who may see the staff pages, the working group's actions."""
from __future__ import annotations

from engine import Forbidden

from ..directory import User
from ..i18n import N_
from ..lanes import is_group_member, is_staff
from .models import Hearing


def may_see_staff_pages(user: User | None) -> bool:
    """The hearing dashboard and pages: staff (secretariat, admin, council) and working-group members."""
    return is_staff(user) or is_group_member(user)


def require_staff(user: User | None) -> None:
    if not may_see_staff_pages(user):
        raise Forbidden(N_("You do not have access to this page."))


def in_group(user: User | None, hearing: Hearing) -> bool:
    return user is not None and hearing.working_group_id in user.group_ids


def require_group(user: User | None, hearing: Hearing) -> None:
    if not in_group(user, hearing):
        raise Forbidden(N_("Only the working group responsible for the hearing can do this."))


def may_view(user: User | None, hearing: Hearing) -> bool:
    """The secretariat's page of one hearing: staff, and the members of its working group."""
    return is_staff(user) or in_group(user, hearing)


def require_user(user: User | None) -> User:
    if user is None:
        raise Forbidden(N_("You do not have access to this page."))
    return user
