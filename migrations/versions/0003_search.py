"""full-text search: search_entry with SQLite FTS5 or a PostgreSQL tsvector

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table over search_entry, kept in step by triggers.
# unicode61 without diacritics removal: æ, ø and å stay letters of their own (å is not a).
SQLITE_UP = [
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
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS search_entry_au", "DROP TRIGGER IF EXISTS search_entry_ad",
               "DROP TRIGGER IF EXISTS search_entry_ai", "DROP TABLE IF EXISTS search_fts"]

# PostgreSQL: a generated tsvector (Danish stemming; the title weighs more) with a GIN index.
POSTGRES_UP = [
    """ALTER TABLE search_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('danish', coalesce(title, '')), 'A') ||
           setweight(to_tsvector('danish', coalesce(body, '')), 'B')) STORED""",
    "CREATE INDEX ix_search_entry_search_vector ON search_entry USING gin (search_vector)",
]


def upgrade():
    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('ref', sa.JSON(), nullable=False),
    sa.Column('visibility', sa.String(length=100), nullable=False),
    sa.Column('updated_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_search_entry_kind_key'))
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entry_visibility'), ['visibility'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, []):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_visibility'))
    op.drop_table('search_entry')
