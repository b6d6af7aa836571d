"""The Alembic migrations create exactly the schema the models declare."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import workflows.directory  # noqa: F401
import workflows.proposal  # noqa: F401
import workflows.catalogue  # noqa: F401
import workflows.architecture_review  # noqa: F401
import workflows.hearing  # noqa: F401
import workflows.council  # noqa: F401
import workflows.network  # noqa: F401
import workflows.sessions  # noqa: F401
import workflows.throttle  # noqa: F401
import workflows.identity.models  # noqa: F401
import workflows.drafts  # noqa: F401
import engine.mail  # noqa: F401
import workflows.notifications  # noqa: F401
import workflows.runtime  # noqa: F401  (issue 19's tables: case controls, delegation, comments, saved lists)
from engine.models import Base
from engine.search import outside_models


def _declared(obj, name, type_, reflected, compare_to):
    """Leave out the search's database-specific objects (FTS5 tables, the tsvector column and its index)."""
    parent = getattr(getattr(obj, "table", None), "name", None)
    return not outside_models(name, type_, parent)


def test_models_and_migrations_agree(db_url):
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": _declared})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], "models changed without a migration: " + repr(diff)
