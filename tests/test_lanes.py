"""Who may take a projected task: its lane's role, the owning group for group lanes, and its assignee."""
from __future__ import annotations

from types import SimpleNamespace

from workflows import lanes


def user(username, roles=(), groups=()):
    return SimpleNamespace(username=username, roles=set(roles), group_ids=set(groups),
                           has_role=lambda *r: bool(set(roles) & set(r)))


def task(lane, scope=None, assignee=None):
    return SimpleNamespace(lane=lane, scope=scope, assignee=assignee)


def test_lane_role_scope_and_assignee():
    secretary = user("sofie", {"secretariat"})
    chair = user("frede", {"council_chair", "council_member"})
    member = user("rikke", {"council_member"})
    lead = user("anders", groups={3})
    assert lanes.may_take(secretary, task("Sekretariat"))
    assert not lanes.may_take(member, task("Råd"))  # the council's decision is the chair's
    assert lanes.may_take(chair, task("Råd"))
    assert lanes.may_take(lead, task("Arbejdsgruppe", "wg:3"))
    assert not lanes.may_take(lead, task("Arbejdsgruppe", "wg:4"))
    assert lanes.may_take(secretary, task("Sekretariat", assignee="sofie"))
    assert not lanes.may_take(user("other", {"secretariat"}), task("Sekretariat", assignee="sofie"))
