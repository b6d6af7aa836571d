"""Names unique case-insensitively, Danish letters folded too ("Ærø" and "ærø" are one name), on SQLite and
PostgreSQL: the services' check, the unique index under it, and migration 0008 that adds and fills the
folded columns and the versions of existing rows."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflows.folding import fold


def test_fold_handles_danish_letters_and_compatibility_forms():
    assert fold("Ærø") == fold("ærø") == fold("ÆRØ") == "ærø"
    assert fold("Århus") == fold("åRHUS")
    assert fold("Straße") == fold("STRASSE")
    assert fold("Å") == fold("A\u030a")  # composed and decomposed Å
    assert fold("ﬁ") == "fi"  # NFKC
    assert fold(" Læsø ") == "læsø"
    assert fold("Ærø") != fold("Aero")


def _admin(app):
    return app.extensions["byplan"].admin


def _actor(session):
    from workflows.directory import User

    return session.scalar(select(User).where(User.username == "admin"))


@pytest.mark.parametrize("save,field,first,second", [
    ("save_municipality", "name", {"name": "Ærø", "code": "492", "region": "Syddanmark"},
     {"name": "ærø", "code": "493", "region": "Syddanmark"}),
    ("save_group", "name", {"name": "Økonomi og Løn"}, {"name": "ØKONOMI OG LØN"}),
    ("save_network", "name", {"name": "Netværk for Åbne Data"}, {"name": "netværk for åbne data"}),
])
def test_the_service_refuses_a_folded_duplicate(app, people, save, field, first, second):
    from web.extensions import db
    from workflows.forms import FormInvalid

    with app.app_context():
        s = db.session
        getattr(_admin(app), save)(s, _actor(s), None, first)
        s.commit()
        with pytest.raises(FormInvalid) as exc:
            getattr(_admin(app), save)(s, _actor(s), None, second)
        assert field in exc.value.errors
        s.rollback()


def test_the_service_refuses_a_username_in_other_case(app, people):
    from web.extensions import db
    from workflows.forms import FormInvalid

    with app.app_context():
        s = db.session
        with pytest.raises(FormInvalid) as exc:
            _admin(app).create_user(s, _actor(s), {"username": "LEAD", "name": "X", "email": "x@example.org",
                                                    "password": "et langt kodeord", "roles": []})
        assert "username" in exc.value.errors


def test_the_database_refuses_a_folded_duplicate(app, people):
    """Below the services' check: the unique index on the folded column, on both databases."""
    from web.extensions import db
    from workflows.directory import Municipality, WorkingGroup
    from workflows.network import Network

    for make in (lambda n: Municipality(name=n, code=n[:3] + str(len(n)), region="Syddanmark"),
                 lambda n: WorkingGroup(name=n), lambda n: Network(name=n)):
        with app.app_context():
            s = db.session
            s.add(make("Ærø"))
            s.commit()
            s.add(make("ærø"))
            with pytest.raises(IntegrityError):
                s.commit()
            s.rollback()


def test_a_rename_keeps_the_folded_column_in_step(app, people):
    from web.extensions import db
    from workflows.directory import WorkingGroup

    with app.app_context():
        s = db.session
        group = s.get(WorkingGroup, people.group_id)
        group.name = "Brugerstyring ÆØÅ"
        s.commit()
        assert s.scalar(select(WorkingGroup.name_folded).where(WorkingGroup.id == group.id)) == "brugerstyring æøå"


def test_a_bulk_insert_fills_the_folded_column(app, people):
    from web.extensions import db
    from workflows.directory import WorkingGroup

    with app.app_context():
        s = db.session
        s.execute(sa.insert(WorkingGroup), [{"name": "Gruppe Å"}, {"name": "Gruppe Ø"}])
        s.commit()
        assert set(s.scalars(select(WorkingGroup.name_folded).where(WorkingGroup.name.like("Gruppe %")))) == \
            {"gruppe å", "gruppe ø"}


def test_a_concurrent_danish_duplicate_is_a_conflict_not_a_500(client, app, people, monkeypatch):
    """The second of two concurrent creations passes the services' check before the first commits (simulated
    by skipping it): the folded unique index answers, 409, nothing saved."""
    from workflows.admin import Admin
    from workflows.directory import Municipality
    from web.extensions import db

    people.login(client, "admin")
    checked = Admin._load
    monkeypatch.setattr(Admin, "_load",
                        staticmethod(lambda session, schema, raw, unique=(): checked(session, schema, raw)))
    response = client.post("/admin/kommuner/ny", data={"name": "HJØRRING", "code": "999", "region": "Midt-Nord"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == 1


# ------------------------------------------------------------------ migration 0008

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"m_{abs(hash(str(tmp_path))) % 10**8}")


def _alembic(url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from web.cli import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg, ScriptDirectory.from_config(cfg).get_revision("0008").down_revision


def _connect(url):
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def _load_rows(url, municipalities, groups=("Brugerstyring",)):
    engine = _connect(url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["municipality", "working_group", "user_account", "network"])
    now = datetime.now(timezone.utc)
    with engine.begin() as c:
        c.execute(meta.tables["municipality"].insert(),
                  [{"name": n, "code": str(100 + i), "region": "Syddanmark"} for i, n in enumerate(municipalities)])
        c.execute(meta.tables["working_group"].insert(), [{"name": g, "description": ""} for g in groups])
        c.execute(meta.tables["network"].insert(), [{"name": "KITA", "description": ""}])
        c.execute(meta.tables["user_account"].insert(), [{"username": "Anne.Æbelø", "name": "Anne", "email": "a@x.dk",
                                                          "password_hash": "x", "active": True, "created_at": now}])
    engine.dispose()


def test_migration_0008_fills_folded_names_and_versions(empty_url):
    from alembic import command

    cfg, before = _alembic(empty_url)
    command.upgrade(cfg, before)
    _load_rows(empty_url, ["Ærø", "Læsø"])
    command.upgrade(cfg, "0008")
    engine = _connect(empty_url)
    with engine.connect() as c:
        assert dict(c.execute(sa.text("SELECT name, name_folded FROM municipality")).all()) == \
            {"Ærø": "ærø", "Læsø": "læsø"}
        assert c.execute(sa.text("SELECT username_folded, version FROM user_account")).one() == ("anne.æbelø", 1)
        for table in ("municipality", "working_group", "network", "user_account"):
            assert set(c.scalars(sa.text(f"SELECT version FROM {table}"))) == {1}
    with pytest.raises(IntegrityError):
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO municipality (name, code, region, name_folded, code_folded, version) "
                              "VALUES ('ÆRØ', '999', 'Syddanmark', 'ærø', '999', 1)"))
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO user_role (user_id, role) SELECT id, 'admin' FROM user_account"))
    engine.dispose()
    command.downgrade(cfg, before)  # in place: the rows that refer to the tables stay
    engine = _connect(empty_url)
    with engine.connect() as c:
        assert c.scalar(sa.text("SELECT count(*) FROM user_role")) == 1
        assert "version" not in {col["name"] for col in sa.inspect(c).get_columns("user_account")}
    engine.dispose()
    command.upgrade(cfg, "0008")


def test_migration_0008_refuses_names_that_fold_together(empty_url):
    from alembic import command

    cfg, before = _alembic(empty_url)
    command.upgrade(cfg, before)
    _load_rows(empty_url, ["Ærø", "ærø", "Læsø"])
    with pytest.raises(RuntimeError, match="'Ærø' / 'ærø'"):
        command.upgrade(cfg, "0008")
