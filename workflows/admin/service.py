"""`Admin`: the administration's one service, made of one part per aggregate.

Each action is one method: plain values in, records changed in the caller's session, one audit event of
kind "admin" (actor, summary, and the changed fields; never a password or a token hash). Every method
checks that the actor is an administrator (workflows.lanes.require_admin). Edits carry the version the
form was read from; an edit read from an older version is refused with StaleRecord (409).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..council import CouncilMember
from ..directory import Municipality, User, WorkingGroup
from ..lanes import require_admin
from ..network import REGIONS, Network, NetworkMembership
from .common import Locked
from .council import COUNCIL_TERM, CouncilAdmin
from .organisations import GROUP, MUNICIPALITY, NETWORK, SEATS, OrganisationAdmin
from .tokens import TokenAdmin
from .users import USER, UserAdmin

LOCKED: dict[type, Locked] = {User: USER, Municipality: MUNICIPALITY, WorkingGroup: GROUP, Network: NETWORK,
                              NetworkMembership: SEATS, CouncilMember: COUNCIL_TERM}


class Admin(UserAdmin, OrganisationAdmin, CouncilAdmin, TokenAdmin):
    def overview(self, session: Session, actor: User | None) -> None:
        """The administration's front page (nothing to read; only who may see it)."""
        require_admin(actor)

    def initial(self, session: Session, actor: User | None, model: type) -> dict[str, str]:
        """The values a form for a new record of `model` starts with."""
        require_admin(actor)
        return {"region": REGIONS[0]} if model is Municipality else {}

    @staticmethod
    def stamp(row) -> dict[str, str]:
        """The hidden fields (version, values as shown) that an edit form of `row` carries."""
        return LOCKED[type(row)].stamp(row)
