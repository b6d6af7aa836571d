"""catalogue: principles → rules → versions, reference architectures, meetings' running number

New tables: catalogue_principle (number, key), catalogue_principle_version, catalogue_rule ("AR 2.1"),
catalogue_rule_version (texts, scope, status, superseded_by, provenance), catalogue_rule_contact,
reference_architecture, reference_architecture_version. council_meeting gets `number` (the running
number, filled for existing meetings in the order they are held); proposal gets the catalogue entry it
concerns and a rule's further texts (added columns only: no table is rebuilt).

The flat principle catalogue moves into the structure with its history: each key becomes a principle
(numbered in the order it was first approved), each of its rows a principle version with the same version
number, texts, decision, proposal and meeting ("current" becomes "adopted", "superseded" stays and points at
the next version); the agenda item and hearing of the version's proposal are linked where they exist.
The downgrade puts the principle versions back into the flat table.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TZ = engine.models.TZDateTime(timezone=True)


def _provenance():
    return [
        sa.Column('proposal_id', sa.Integer(), sa.ForeignKey('proposal.id'), nullable=True),
        sa.Column('hearing_id', sa.Integer(), sa.ForeignKey('hearing.id'), nullable=True),
        sa.Column('agenda_item_id', sa.Integer(), sa.ForeignKey('agenda_item.id'), nullable=True),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('council_meeting.id'), nullable=True),
        sa.Column('decision', sa.String(length=40), nullable=True),
        sa.Column('decision_changes', sa.Text(), nullable=True),
        sa.Column('decided_at', TZ, nullable=True),
        sa.Column('created_at', TZ, nullable=False),
    ]


def upgrade():
    op.create_table(
        'catalogue_principle',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('key', sa.String(length=120), nullable=False, unique=True),
        sa.Column('number', sa.Integer(), nullable=False, unique=True),
        sa.Column('working_group_id', sa.Integer(), sa.ForeignKey('working_group.id'), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
    )
    op.create_table(
        'catalogue_principle_version',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('principle_id', sa.Integer(), sa.ForeignKey('catalogue_principle.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('rationale', sa.Text(), nullable=False),
        sa.Column('implications', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False, index=True),
        sa.Column('superseded_by_id', sa.Integer(), sa.ForeignKey('catalogue_principle_version.id'),
                  nullable=True),
        sa.Column('working_group_id', sa.Integer(), sa.ForeignKey('working_group.id'), nullable=True),
        *_provenance(),
        sa.UniqueConstraint('principle_id', 'version'),
    )
    op.create_index(op.f('ix_catalogue_principle_version_proposal_id'), 'catalogue_principle_version',
                    ['proposal_id'])
    op.create_table(
        'catalogue_rule',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('principle_id', sa.Integer(), sa.ForeignKey('catalogue_principle.id'), nullable=False,
                  index=True),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False, unique=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.UniqueConstraint('principle_id', 'number'),
    )
    op.create_table(
        'catalogue_rule_version',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('rule_id', sa.Integer(), sa.ForeignKey('catalogue_rule.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('implications', sa.Text(), nullable=False),
        sa.Column('background', sa.Text(), nullable=False),
        sa.Column('guidance', sa.Text(), nullable=False),
        sa.Column('attention', sa.Text(), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False, index=True),
        sa.Column('status', sa.String(length=20), nullable=False, index=True),
        sa.Column('superseded_by_id', sa.Integer(), sa.ForeignKey('catalogue_rule_version.id'), nullable=True),
        sa.Column('working_group_id', sa.Integer(), sa.ForeignKey('working_group.id'), nullable=True),
        sa.Column('retired_proposal_id', sa.Integer(), sa.ForeignKey('proposal.id'), nullable=True),
        sa.Column('retired_agenda_item_id', sa.Integer(), sa.ForeignKey('agenda_item.id'), nullable=True),
        sa.Column('retired_meeting_id', sa.Integer(), sa.ForeignKey('council_meeting.id'), nullable=True),
        sa.Column('retired_at', TZ, nullable=True),
        *_provenance(),
        sa.UniqueConstraint('rule_id', 'version'),
    )
    op.create_index(op.f('ix_catalogue_rule_version_proposal_id'), 'catalogue_rule_version', ['proposal_id'])
    op.create_table(
        'catalogue_rule_contact',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('rule_version_id', sa.Integer(),
                  sa.ForeignKey('catalogue_rule_version.id', ondelete='CASCADE'), nullable=False, index=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
    )
    op.create_table(
        'reference_architecture',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('key', sa.String(length=120), nullable=False, unique=True),
        sa.Column('working_group_id', sa.Integer(), sa.ForeignKey('working_group.id'), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
    )
    op.create_table(
        'reference_architecture_version',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('architecture_id', sa.Integer(),
                  sa.ForeignKey('reference_architecture.id', ondelete='CASCADE'), nullable=False, index=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('document.id', ondelete='SET NULL'), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False, index=True),
        sa.Column('superseded_by_id', sa.Integer(), sa.ForeignKey('reference_architecture_version.id'),
                  nullable=True),
        *_provenance(),
        sa.UniqueConstraint('architecture_id', 'version'),
    )
    op.create_index(op.f('ix_reference_architecture_version_proposal_id'), 'reference_architecture_version',
                    ['proposal_id'])

    # added columns only (proposal and council_meeting have foreign keys pointing at them)
    op.add_column('council_meeting', sa.Column('number', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_council_meeting_number'), 'council_meeting', ['number'], unique=True)
    op.add_column('proposal', sa.Column('target_principle_id', sa.Integer(), nullable=True))
    op.add_column('proposal', sa.Column('target_rule_id', sa.Integer(), nullable=True))
    op.add_column('proposal', sa.Column('guidance', sa.Text(), nullable=False, server_default=''))
    op.add_column('proposal', sa.Column('attention', sa.Text(), nullable=False, server_default=''))
    op.add_column('proposal', sa.Column('scope', sa.String(length=20), nullable=False, server_default='common'))
    op.add_column('proposal', sa.Column('contacts', sa.Text(), nullable=False, server_default=''))

    bind = op.get_bind()
    _number_meetings(bind)
    _move_principles(bind)
    op.drop_table('principle')


def _number_meetings(bind):
    rows = bind.execute(sa.text("SELECT id FROM council_meeting ORDER BY starts_at, id")).all()
    for n, (meeting_id,) in enumerate(rows, start=1):
        bind.execute(sa.text("UPDATE council_meeting SET number = :n WHERE id = :id"), {"n": n, "id": meeting_id})


def _move_principles(bind):
    rows = bind.execute(sa.text(
        "SELECT id, key, version, name, statement, rationale, implications, status, decision, decision_changes,"
        " proposal_id, working_group_id, approved_at, meeting_id FROM principle ORDER BY approved_at, id")).mappings().all()
    principles, version_ids = {}, {}
    for row in rows:
        if row["key"] not in principles:
            principles[row["key"]] = bind.execute(sa.text(
                "INSERT INTO catalogue_principle (key, number, working_group_id, created_at)"
                " VALUES (:key, :number, :group, :at) RETURNING id"),
                {"key": row["key"], "number": len(principles) + 1, "group": row["working_group_id"],
                 "at": row["approved_at"]}).scalar_one()
        item = bind.execute(sa.text(
            "SELECT id FROM agenda_item WHERE proposal_id = :p AND (meeting_id = :m OR :m IS NULL)"
            " AND outcome IS NOT NULL ORDER BY id DESC LIMIT 1"), {"p": row["proposal_id"], "m": row["meeting_id"]}
        ).scalar()
        hearing = bind.execute(sa.text("SELECT id FROM hearing WHERE proposal_id = :p ORDER BY id DESC LIMIT 1"),
                               {"p": row["proposal_id"]}).scalar()
        version_ids[(row["key"], row["version"])] = bind.execute(sa.text(
            "INSERT INTO catalogue_principle_version (principle_id, version, title, statement, rationale,"
            " implications, status, working_group_id, proposal_id, hearing_id, agenda_item_id, meeting_id,"
            " decision, decision_changes, decided_at, created_at) VALUES (:principle, :version, :title,"
            " :statement, :rationale, :implications, :status, :group, :proposal, :hearing, :item, :meeting,"
            " :decision, :changes, :at, :at) RETURNING id"),
            {"principle": principles[row["key"]], "version": row["version"], "title": row["name"],
             "statement": row["statement"], "rationale": row["rationale"], "implications": row["implications"],
             "status": "adopted" if row["status"] == "current" else "superseded", "group": row["working_group_id"],
             "proposal": row["proposal_id"], "hearing": hearing, "item": item, "meeting": row["meeting_id"],
             "decision": row["decision"], "changes": row["decision_changes"], "at": row["approved_at"]}
        ).scalar_one()
    for (key, version), version_id in version_ids.items():
        newer = min((v for (k, v) in version_ids if k == key and v > version), default=None)
        if newer is not None:
            bind.execute(sa.text("UPDATE catalogue_principle_version SET superseded_by_id = :newer WHERE id = :id"),
                         {"newer": version_ids[(key, newer)], "id": version_id})


def downgrade():
    op.create_table(
        'principle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('rationale', sa.Text(), nullable=False),
        sa.Column('implications', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('decision', sa.String(length=40), nullable=False),
        sa.Column('decision_changes', sa.Text(), nullable=True),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('working_group_id', sa.Integer(), nullable=False),
        sa.Column('approved_at', TZ, nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'],
                                name=op.f('fk_principle_meeting_id_council_meeting')),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_principle_proposal_id_proposal')),
        sa.ForeignKeyConstraint(['working_group_id'], ['working_group.id'],
                                name=op.f('fk_principle_working_group_id_working_group')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_principle')),
        sa.UniqueConstraint('key', 'version', name=op.f('uq_principle_key_version')),
    )
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_principle_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_principle_status'), ['status'], unique=False)
    op.execute(
        "INSERT INTO principle (key, version, name, statement, rationale, implications, status, decision,"
        " decision_changes, proposal_id, working_group_id, approved_at, meeting_id)"
        " SELECT p.key, v.version, v.title, v.statement, v.rationale, v.implications,"
        " CASE WHEN v.status = 'adopted' THEN 'current' ELSE 'superseded' END, COALESCE(v.decision, 'approved'),"
        " v.decision_changes, v.proposal_id, COALESCE(v.working_group_id, p.working_group_id),"
        " COALESCE(v.decided_at, v.created_at), v.meeting_id"
        " FROM catalogue_principle_version v JOIN catalogue_principle p ON p.id = v.principle_id"
        " WHERE v.proposal_id IS NOT NULL AND v.status IN ('adopted', 'superseded', 'retired')")
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+): no rebuild of the tables others refer to
    for column in ('contacts', 'scope', 'attention', 'guidance', 'target_rule_id', 'target_principle_id'):
        op.execute(f'ALTER TABLE proposal DROP COLUMN {column}')
    op.drop_index(op.f('ix_council_meeting_number'), table_name='council_meeting')
    op.execute('ALTER TABLE council_meeting DROP COLUMN number')
    op.drop_index(op.f('ix_reference_architecture_version_proposal_id'),
                  table_name='reference_architecture_version')
    op.drop_table('reference_architecture_version')
    op.drop_table('reference_architecture')
    op.drop_table('catalogue_rule_contact')
    op.drop_index(op.f('ix_catalogue_rule_version_proposal_id'), table_name='catalogue_rule_version')
    op.drop_table('catalogue_rule_version')
    op.drop_table('catalogue_rule')
    op.drop_index(op.f('ix_catalogue_principle_version_proposal_id'), table_name='catalogue_principle_version')
    op.drop_table('catalogue_principle_version')
    op.drop_table('catalogue_principle')
