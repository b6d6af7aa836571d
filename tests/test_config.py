"""Settings: defaults, the instance config file, BYPLAN_* variables (and the older names), types."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from web.config import SETTINGS, configure, mail_settings, markdown_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A Flask app with its own instance folder and no BYPLAN_* or DATABASE_URL variables set."""
    import os

    for name in list(os.environ):
        if name.startswith("BYPLAN_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)

    def make(test_config=None):
        app = Flask("byplan_config_test", instance_path=str(tmp_path / "instance"), instance_relative_config=True)
        Path(app.instance_path).mkdir(exist_ok=True)
        configure(app, test_config)
        return app

    return make


def test_defaults(bare):
    app = bare()
    assert app.config["SCRIPT_TIME_LIMIT"] == 2.0
    assert app.config["MAIL_BACKEND"] == "sink" and app.config["MAIL_PORT"] == 25
    assert app.config["MAIL_SSL"] is False and app.config["MAIL_TIMEOUT"] == 10.0
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/byplan.sqlite")
    assert len(app.config["SECRET_KEY"]) == 64  # kept in the instance folder
    assert (Path(app.instance_path) / "secret_key").read_text().strip() == app.config["SECRET_KEY"]


def test_environment_variables_with_their_types(bare, monkeypatch):
    monkeypatch.setenv("BYPLAN_SCRIPT_TIME_LIMIT", "0.5")
    monkeypatch.setenv("BYPLAN_MAIL_PORT", "465")
    monkeypatch.setenv("BYPLAN_MAIL_SSL", "true")
    monkeypatch.setenv("BYPLAN_MAIL_TIMEOUT", "3")
    monkeypatch.setenv("BYPLAN_MAIL_PASSWORD", "0123")  # text stays text, not the number 123
    monkeypatch.setenv("BYPLAN_SOMETHING_NEW", "7")  # an undeclared key still arrives (JSON-parsed)
    app = bare()
    assert app.config["SCRIPT_TIME_LIMIT"] == 0.5
    assert app.config["MAIL_PORT"] == 465 and app.config["MAIL_SSL"] is True
    assert app.config["MAIL_PASSWORD"] == "0123"
    assert app.config["SOMETHING_NEW"] == 7
    mail = mail_settings(app.config)
    assert (mail.port, mail.ssl, mail.timeout, mail.password) == (465, True, 3.0, "0123")


def test_the_older_variable_names_still_work(bare, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://byplan@db.example/byplan")
    monkeypatch.setenv("BYPLAN_SECRET_KEY", "s3cret")
    monkeypatch.setenv("BYPLAN_AUDIT_KEY", "a-production-audit-key")  # a set secret key means production
    monkeypatch.setenv("BYPLAN_SECURE_COOKIES", "1")
    monkeypatch.setenv("BYPLAN_BASE_URL", "https://byplan.kl.dk")
    monkeypatch.setenv("BYPLAN_MAIL_STARTTLS", "1")
    monkeypatch.setenv("BYPLAN_MAIL_USERNAME", "")
    app = bare()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://byplan@db.example/byplan"
    assert app.config["SECRET_KEY"] == "s3cret"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["BASE_URL"] == "https://byplan.kl.dk"
    assert app.config["MAIL_STARTTLS"] is True and app.config["MAIL_USERNAME"] is None


def test_instance_config_file_and_the_environment_over_it(bare, tmp_path, monkeypatch):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "byplan.cfg").write_text('MAIL_HOST = "smtp.kommune.dk"\nSCRIPT_TIME_LIMIT = 1\n')
    monkeypatch.setenv("BYPLAN_SCRIPT_TIME_LIMIT", "4")
    app = bare()
    assert app.config["MAIL_HOST"] == "smtp.kommune.dk"
    assert app.config["SCRIPT_TIME_LIMIT"] == 4.0


def test_a_named_config_file(bare, tmp_path, monkeypatch):
    named = tmp_path / "elsewhere.cfg"
    named.write_text("MAIL_MAX_ATTEMPTS = '9'\n")
    monkeypatch.setenv("BYPLAN_CONFIG", str(named))
    assert bare().config["MAIL_MAX_ATTEMPTS"] == 9
    monkeypatch.setenv("BYPLAN_CONFIG", str(tmp_path / "missing.cfg"))
    with pytest.raises(OSError):
        bare()


def test_a_bad_value_is_refused_by_name(bare, monkeypatch):
    monkeypatch.setenv("BYPLAN_MAIL_SSL", "maybe")
    with pytest.raises(ValueError, match="MAIL_SSL"):
        bare()


def test_test_config_wins(bare, monkeypatch):
    monkeypatch.setenv("BYPLAN_MAIL_HOST", "from-env")
    assert bare({"MAIL_HOST": "from-test"}).config["MAIL_HOST"] == "from-test"


def test_the_script_time_limit_reaches_the_script_engine(monkeypatch, tmp_path):
    from web import create_app

    monkeypatch.setenv("BYPLAN_SCRIPT_TIME_LIMIT", "0.75")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite'}", "SECRET_KEY": "x"})
    assert app.extensions["byplan"].engine.script_engine.environment.time_limit == 0.75


def test_the_readme_table_is_the_settings_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "regenerate the README table: python -c 'from web.config import " \
                                       "markdown_table; print(markdown_table())'"
    assert len({s.key for s in SETTINGS}) == len(SETTINGS)
