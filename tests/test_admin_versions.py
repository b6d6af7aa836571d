"""The version check under the form's: two edits that both pass the service's check (they read the same
version) are decided by the versioned UPDATE — the second is a StaleRecord, on SQLite and PostgreSQL — and a
StaleRecord that reaches the error handler answers 409 naming what changed, in HTML and JSON."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.errors import StaleRecord


def _sessions(app):
    from web.extensions import db

    with app.app_context():
        engine = db.engine
    return Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)


def _admin_user(session):
    from workflows.directory import User

    return session.scalar(select(User).where(User.username == "admin"))


@pytest.mark.parametrize("kind", ["user", "municipality", "group", "network", "seats", "council"])
def test_the_versioned_update_decides_a_race(app, people, kind):
    from workflows.council import CouncilMember
    from workflows.directory import Municipality, User, WorkingGroup
    from workflows.network import Network, NetworkMembership

    admin = app.extensions["byplan"].admin
    setup, _ = _sessions(app)
    with setup:
        muni = setup.scalar(select(Municipality).where(Municipality.name == "Hjørring"))
        net = Network(name="KITA")
        setup.add(net)
        setup.flush()
        seats = NetworkMembership(network_id=net.id, municipality_id=muni.id, seats_per_meeting=2)
        member = CouncilMember(user_id=people.ids["councillor"], term_start=muni_date(), organisation="KL")
        setup.add_all([seats, member])
        setup.commit()
        ids = {"muni": muni.id, "net": net.id, "seats": seats.id, "member": member.id}

    edits = {
        "user": (User, people.ids["lead"], lambda s, a, v, n: admin.edit_user(
            s, a, people.ids["lead"], {"name": n, "email": "lead@example.org", "version": v})),
        "municipality": (Municipality, ids["muni"], lambda s, a, v, n: admin.save_municipality(
            s, a, ids["muni"], {"name": n, "code": "860", "region": "Midt-Nord", "version": v})),
        "group": (WorkingGroup, people.group_id, lambda s, a, v, n: admin.save_group(
            s, a, people.group_id, {"name": n, "version": v})),
        "network": (Network, ids["net"], lambda s, a, v, n: admin.save_network(
            s, a, ids["net"], {"name": n, "version": v})),
        "seats": (NetworkMembership, ids["seats"], lambda s, a, v, n: admin.change_seats(
            s, a, ids["net"], ids["seats"], {"seats_per_meeting": str(len(n)), "version": v})),
        "council": (CouncilMember, ids["member"], lambda s, a, v, n: admin.edit_council_member(
            s, a, ids["member"], {"term_start": muni_date().isoformat(), "organisation": n, "version": v})),
    }
    model, row_id, edit = edits[kind]
    first, second = _sessions(app)
    with first, second:
        # Both read the record at the same version, and neither holds a transaction open meanwhile
        # (on SQLite every transaction holds the write lock).
        actor1, row1 = _admin_user(first), first.get(model, row_id)
        first.commit()
        actor2, _row2 = _admin_user(second), second.get(model, row_id)
        second.commit()
        version = str(row1.version)
        edit(first, actor1, version, "Første udgave")
        first.commit()
        with pytest.raises(StaleRecord):
            edit(second, actor2, version, "Anden")  # passes the check (its copy is old), loses the UPDATE
        second.rollback()
        check = Session(first.get_bind())
        with check:
            assert check.get(model, row_id).version == int(version) + 1


def muni_date():
    from workflows.admin import today

    return today()


def test_a_stale_record_answers_409_in_html_and_json(app, people):
    """The one mapping in web/errors.py, for any page or API call that lets a StaleRecord through."""
    def boom():
        raise StaleRecord("The user", "lead", ("Name", "E-mail"), ("name", "email"))

    app.add_url_rule("/api/v1/_stale_probe", "stale_probe_api", boom)
    app.add_url_rule("/_stale_probe", "stale_probe_html", boom)
    client = app.test_client()
    answer = client.get("/api/v1/_stale_probe")
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["changed"] == ["name", "email"]
    assert body["message"].startswith("Brugeren 'lead' blev ændret af en anden, mens du redigerede "
                                      "(felter: navn, e-mail).")
    page = client.get("/_stale_probe")
    assert page.status_code == 409
    assert "Brugeren &#39;lead&#39; blev ændret af en anden, mens du redigerede (felter: navn, e-mail)." \
        in page.data.decode()


def test_a_lost_versioned_update_outside_the_services_is_409_not_500(app, people):
    from sqlalchemy.orm.exc import StaleDataError

    def boom():
        raise StaleDataError("UPDATE statement on table 'municipality' expected to update 1 row(s); 0 were matched.")

    app.add_url_rule("/_stale_data_probe", "stale_data_probe", boom)
    answer = app.test_client().get("/_stale_data_probe")
    assert answer.status_code == 409
    assert "En anden har ændret oplysningerne i mellemtiden." in answer.data.decode()


def test_deactivating_from_a_stale_copy_is_a_stale_record(app, people):
    admin = app.extensions["byplan"].admin
    first, second = _sessions(app)
    from workflows.directory import User

    with first, second:
        actor1, _row1 = _admin_user(first), first.get(User, people.ids["lead"])
        first.commit()
        actor2, _row2 = _admin_user(second), second.get(User, people.ids["lead"])
        second.commit()
        admin.edit_user(first, actor1, people.ids["lead"], {"name": "Ny", "email": "lead@example.org"})
        first.commit()
        with pytest.raises(StaleRecord):
            admin.set_active(second, actor2, people.ids["lead"], False)
        second.rollback()
