"""administration: a version on every administered record, names unique folded (Danish letters too)

Optimistic locking of administrative edits: user_account, municipality, working_group, network,
network_membership and council_member get a version (SQLAlchemy's version_id_col), 1 for existing rows.

Case-insensitive uniqueness that folds "Æ", "Ø", "Å" as well as ASCII (SQLite's lower() folds ASCII only):
user names, municipality names and codes, working-group and network names get a `<column>_folded` column
(NFKC and str.casefold(), computed here in Python as the application does on write) with a unique index.
Existing names that fold to the same value are not renamed silently: the upgrade stops and names them.

The columns are added as NOT NULL with a default (no table is rebuilt: on SQLite, with foreign keys on,
rebuilding user_account would cascade to the rows that refer to it). The default of the folded columns,
'', stays on both databases: the application always writes the folded value (workflows.folding), and a
row inserted by hand without it gets '' — a second such row is refused by the unique index, never
silently admitted as a duplicate name.

Revision ID: 0008
Revises: 0006
"""
import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

VERSIONED = ('user_account', 'municipality', 'working_group', 'network', 'network_membership', 'council_member')
# table -> (source column, length)
FOLDED = {
    'user_account': [('username', 100)],
    'municipality': [('name', 100), ('code', 10)],
    'working_group': [('name', 200)],
    'network': [('name', 200)],
}


def fold(text):
    """As workflows.folding.fold (kept here so the migration does not change when the application does)."""
    if text is None:
        return None
    return unicodedata.normalize('NFKC', unicodedata.normalize('NFKC', text).casefold()).strip()


def upgrade():
    bind = op.get_bind()
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    for table, columns in FOLDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns:
                batch_op.add_column(sa.Column(f'{column}_folded', sa.String(length=length), nullable=False,
                                              server_default=''))
        t = sa.table(table, sa.column('id', sa.Integer), *[sa.column(c, sa.String) for c, _ in columns],
                     *[sa.column(f'{c}_folded', sa.String) for c, _ in columns])
        rows = bind.execute(sa.select(t.c.id, *[t.c[c] for c, _ in columns])).all()
        for column, _length in columns:
            seen: dict[str, list[str]] = {}
            for row in rows:
                seen.setdefault(fold(row._mapping[column]), []).append(row._mapping[column])
            clashes = [names for names in seen.values() if len(names) > 1]
            if clashes:
                raise RuntimeError(
                    f"{table}.{column}: these values are one name when case and Danish letters are folded; "
                    f"rename all but one of each group, then migrate again: "
                    + "; ".join(" / ".join(repr(n) for n in names) for names in clashes))
        for row in rows:
            bind.execute(t.update().where(t.c.id == row.id).values(
                {f'{c}_folded': fold(row._mapping[c]) for c, _ in columns}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _length in columns:
                batch_op.create_index(batch_op.f(f'ix_{table}_{column}_folded'), [f'{column}_folded'], unique=True)


def downgrade():
    # Columns are dropped in place (SQLite 3.35+ does this natively): rebuilding a table on SQLite, with
    # foreign keys on, would cascade the drop of the old table to the rows that refer to it.
    for table, columns in FOLDED.items():
        for column, _length in columns:
            op.drop_index(op.f(f'ix_{table}_{column}_folded'), table_name=table)
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}_folded')
    for table in VERSIONED:
        op.execute(f'ALTER TABLE {table} DROP COLUMN version')
