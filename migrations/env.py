"""Alembic environment: the metadata of engine/ and workflows/ tables."""
from alembic import context
from sqlalchemy import pool

from engine.db import make_engine
from engine.models import Base
import workflows.directory  # noqa: F401  (registers tables)
import workflows.proposal  # noqa: F401
import workflows.hearing  # noqa: F401
import workflows.council  # noqa: F401
import workflows.network  # noqa: F401
import workflows.sessions  # noqa: F401
import workflows.throttle  # noqa: F401
import workflows.identity.models  # noqa: F401
import engine.mail  # noqa: F401
import workflows.access_request  # noqa: F401
import workflows.retention  # noqa: F401
from engine.search import outside_models

config = context.config


def include_object(obj, name, type_, reflected, compare_to):
    """Autogenerate leaves alone what the search creates by hand (FTS5 tables, tsvector column and index)."""
    return not outside_models(name, type_, getattr(getattr(obj, "table", None), "name", None))

target_metadata = Base.metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    url = config.get_main_option("sqlalchemy.url")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    connectable = make_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
