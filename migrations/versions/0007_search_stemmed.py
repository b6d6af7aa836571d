"""search: index Danish stems computed in Python, the same tokens on SQLite and PostgreSQL

search_entry gets the stemmed tokens of its title and body (title_terms, body_terms); the SQLite
FTS5 table is rebuilt over those columns, and the PostgreSQL tsvector is built from them with the
'simple' configuration. The tokens of the existing entries are computed here, so the search works
right after the upgrade; the records that were not indexed before (network rounds, hearing
responses) are indexed by the full rebuild that `byplan init-db` runs when search_state does not
name the current analyzer (this migration leaves it empty), or by `byplan reindex`.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE_DROP = ["DROP TRIGGER IF EXISTS search_entry_au", "DROP TRIGGER IF EXISTS search_entry_ad",
               "DROP TRIGGER IF EXISTS search_entry_ai", "DROP TABLE IF EXISTS search_fts"]

# An external-content FTS5 table over the token columns; unicode61 without diacritics removal.
SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
           title_terms, body_terms, content='search_entry', content_rowid='id',
           tokenize="unicode61 remove_diacritics 0")""",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
           INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
       END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
           INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
           VALUES ('delete', old.id, old.title_terms, old.body_terms);
       END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE OF title_terms, body_terms ON search_entry BEGIN
           INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
           VALUES ('delete', old.id, old.title_terms, old.body_terms);
           INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
       END""",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]

# PostgreSQL: the tokens are already stems; 'simple' only splits and lower-cases them (no stop words).
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_search_entry_search_vector",
                 "ALTER TABLE search_entry DROP COLUMN IF EXISTS search_vector"]
POSTGRES_UP = [
    """ALTER TABLE search_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('simple', coalesce(title_terms, '')), 'A') ||
           setweight(to_tsvector('simple', coalesce(body_terms, '')), 'B')) STORED""",
    "CREATE INDEX ix_search_entry_search_vector ON search_entry USING gin (search_vector)",
]

# The 0003 structures, for the downgrade.
SQLITE_0003 = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
           title, body, content='search_entry', content_rowid='id',
           tokenize="unicode61 remove_diacritics 0")""",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
           INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
           INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
       END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE OF title, body ON search_entry BEGIN
           INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
           INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
POSTGRES_0003 = [
    """ALTER TABLE search_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('danish', coalesce(title, '')), 'A') ||
           setweight(to_tsvector('danish', coalesce(body, '')), 'B')) STORED""",
    "CREATE INDEX ix_search_entry_search_vector ON search_entry USING gin (search_vector)",
]


def _fill_terms(bind) -> None:
    """The stemmed tokens of every existing entry, in batches."""
    from engine.search_text import DanishAnalyzer

    analyzer = DanishAnalyzer()
    entries = sa.table("search_entry", sa.column("id", sa.Integer), sa.column("title", sa.String),
                       sa.column("body", sa.Text), sa.column("title_terms", sa.Text),
                       sa.column("body_terms", sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(entries.c.id, entries.c.title, entries.c.body)
                            .where(entries.c.id > last).order_by(entries.c.id).limit(200)).all()
        if not rows:
            return
        for row in rows:
            bind.execute(entries.update().where(entries.c.id == row.id).values(
                title_terms=analyzer.index_text(row.title or ""), body_terms=analyzer.index_text(row.body or "")))
        last = rows[-1].id


def upgrade():
    op.create_table('search_state',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_search_state'))
    )
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_terms', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_terms', sa.Text(), nullable=False, server_default=''))
    _fill_terms(bind)
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_column('body_terms')
        batch_op.drop_column('title_terms')
    for statement in {"sqlite": SQLITE_0003, "postgresql": POSTGRES_0003}.get(dialect, []):
        op.execute(statement)
    op.drop_table('search_state')
