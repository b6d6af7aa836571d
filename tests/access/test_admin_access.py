"""Who may use the administration, decided in the service (workflows.admin), for every one of its methods:
only administrators. Anonymous (None), every other role and another municipality's contact get Forbidden, and
nothing changes; an administrator gets the answer."""
from __future__ import annotations

import inspect

import pytest
from sqlalchemy import func, select

from engine import Forbidden
from engine.models import AuditEvent
from workflows.admin import Admin

NOT_ADMINS = ["secretary", "councillor", "chair", "contact", "lead", "member", "outsider", "other_contact"]


@pytest.fixture
def world(app, people):
    """People, plus a contact of another municipality, a network with a member and a council member."""
    from web.extensions import db
    from workflows.council import CouncilMember
    from workflows.directory import MUNICIPALITY_CONTACT, ApiToken, Municipality, create_token, create_user
    from workflows.network import Network, NetworkMembership
    from workflows.admin import today

    with app.app_context():
        s = db.session
        other = Municipality(code="147", name="Frederiksberg", region="Hovedstaden")
        net = Network(name="KITA")
        s.add_all([other, net])
        s.flush()
        contact = create_user(s, "other_contact", "Other Contact", "oc@example.org", "x" * 12,
                              (MUNICIPALITY_CONTACT,), other)
        seats = NetworkMembership(network_id=net.id, municipality_id=other.id, seats_per_meeting=2)
        member = CouncilMember(user_id=people.ids["councillor"], term_start=today(), organisation="KL")
        s.add_all([seats, member])
        create_token(s, contact, "t")
        s.commit()
        return {"municipality": other.id, "network": net.id, "seats": seats.id, "member": member.id,
                "token": s.scalar(select(ApiToken.id)), "other_contact": contact.id}


def calls(ids: dict, people) -> dict:
    """One call of every public method of Admin: name -> fn(admin, session, actor)."""
    from workflows.directory import Municipality

    uid, gid = people.ids["lead"], people.group_id
    return {
        "overview": lambda a, s, u: a.overview(s, u),
        "initial": lambda a, s, u: a.initial(s, u, Municipality),
        "municipality_choices": lambda a, s, u: a.municipality_choices(s, u),
        "user_choices": lambda a, s, u: a.user_choices(s, u),
        "users": lambda a, s, u: a.users(s, u),
        "get_user": lambda a, s, u: a.get_user(s, u, uid),
        "create_user": lambda a, s, u: a.create_user(s, u, {"username": "x"}),
        "edit_user": lambda a, s, u: a.edit_user(s, u, uid, {"name": "X"}),
        "set_active": lambda a, s, u: a.set_active(s, u, uid, False),
        "reset_password": lambda a, s, u: a.reset_password(s, u, uid, {"password": "p" * 12}),
        "roles_overview": lambda a, s, u: a.roles_overview(s, u),
        "municipalities": lambda a, s, u: a.municipalities(s, u),
        "get_municipality": lambda a, s, u: a.get_municipality(s, u, ids["municipality"]),
        "save_municipality": lambda a, s, u: a.save_municipality(s, u, ids["municipality"], {"name": "Y"}),
        "groups": lambda a, s, u: a.groups(s, u),
        "group_members": lambda a, s, u: a.group_members(s, u, gid),
        "get_group": lambda a, s, u: a.get_group(s, u, gid),
        "save_group": lambda a, s, u: a.save_group(s, u, gid, {"name": "Z"}),
        "add_group_member": lambda a, s, u: a.add_group_member(s, u, gid, {"user_id": str(people.ids["member"])}),
        "remove_group_member": lambda a, s, u: a.remove_group_member(s, u, gid, people.ids["member"]),
        "set_group_lead": lambda a, s, u: a.set_group_lead(s, u, gid, people.ids["member"]),
        "networks": lambda a, s, u: a.networks(s, u),
        "get_network": lambda a, s, u: a.get_network(s, u, ids["network"]),
        "network_members": lambda a, s, u: a.network_members(s, u, ids["network"]),
        "save_network": lambda a, s, u: a.save_network(s, u, ids["network"], {"name": "N"}),
        "add_network_member": lambda a, s, u: a.add_network_member(s, u, ids["network"], {}),
        "change_seats": lambda a, s, u: a.change_seats(s, u, ids["network"], ids["seats"], {"seats_per_meeting": "9"}),
        "remove_network_member": lambda a, s, u: a.remove_network_member(s, u, ids["network"], ids["seats"]),
        "council_members": lambda a, s, u: a.council_members(s, u),
        "get_council_member": lambda a, s, u: a.get_council_member(s, u, ids["member"]),
        "council_candidates": lambda a, s, u: a.council_candidates(s, u),
        "register_council_member": lambda a, s, u: a.register_council_member(s, u, {}),
        "edit_council_member": lambda a, s, u: a.edit_council_member(s, u, ids["member"], {}),
        "end_term": lambda a, s, u: a.end_term(s, u, ids["member"], {"last_day": "2099-01-01"}),
        "tokens": lambda a, s, u: a.tokens(s, u),
        "create_token": lambda a, s, u: a.create_token(s, u, {"user_id": str(uid), "label": "x"}),
        "revoke_token": lambda a, s, u: a.revoke_token(s, u, ids["token"]),
    }


# Pure helpers that read or decide nothing about any record.
NO_ACCESS_QUESTION = {"stamp"}


def test_every_public_method_is_checked_here(people, world):
    """A method added to Admin without a line in calls() fails here, so none goes unchecked."""
    public = {name for name, _ in inspect.getmembers(Admin, callable) if not name.startswith("_")}
    assert set(calls(world, people)) == public - NO_ACCESS_QUESTION


def _actor(session, name):
    from workflows.directory import User

    return None if name is None else session.scalar(select(User).where(User.username == name))


@pytest.mark.parametrize("who", [None, *NOT_ADMINS])
def test_only_administrators(app, people, world, who):
    from web.extensions import db

    admin = app.extensions["byplan"].admin
    with app.app_context():
        s = db.session
        before = s.scalar(select(func.count()).select_from(AuditEvent))
        for name, call in calls(world, people).items():
            with pytest.raises(Forbidden):
                call(admin, s, _actor(s, who))
            s.rollback()
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_an_administrator_is_answered(app, people, world):
    """The same calls for an administrator: answered, or refused for the probe's input, never Forbidden."""
    from web.extensions import db

    admin = app.extensions["byplan"].admin
    with app.app_context():
        s = db.session
        for name, call in calls(world, people).items():
            try:
                call(admin, s, _actor(s, "admin"))
            except Forbidden:
                pytest.fail(f"{name}: an administrator was refused")
            except Exception:  # noqa: BLE001 - the probe's input may be refused (FormInvalid, AdminError, ...)
                pass
            s.rollback()
