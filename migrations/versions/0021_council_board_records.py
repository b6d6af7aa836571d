"""council board records (issue 15): closed items, conflicts of interest, absences and substitutes,
attendance, postponed items

agenda_item.closed / closed_reason / opened_at / opened_by: a closed item (lukket punkt) and its opening.
council_conflict: a declared conflict of interest on an item and the chair's ruling.
council_absence: a member's absence from a meeting and the substitute acting for them.
council_attendance: attendance per meeting (item_id 0) and per item.
agenda_item_postponement: an item moved from one meeting to a later one.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('agenda_item', sa.Column('closed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('agenda_item', sa.Column('closed_reason', sa.Text(), nullable=True))
    op.add_column('agenda_item', sa.Column('opened_at', engine.models.TZDateTime(), nullable=True))
    op.add_column('agenda_item', sa.Column('opened_by', sa.String(length=100), nullable=True))
    op.create_table(
        'council_conflict',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('member', sa.String(length=100), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('declared_by', sa.String(length=100), nullable=False),
        sa.Column('declared_at', engine.models.TZDateTime(), nullable=False),
        sa.Column('ruling', sa.String(length=20), nullable=True),
        sa.Column('ruling_note', sa.Text(), nullable=False),
        sa.Column('ruled_by', sa.String(length=100), nullable=True),
        sa.Column('ruled_at', engine.models.TZDateTime(), nullable=True),
        sa.Column('reason_public', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_id', 'member'),
    )
    op.create_index(op.f('ix_council_conflict_item_id'), 'council_conflict', ['item_id'], unique=False)
    op.create_table(
        'council_absence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('member', sa.String(length=100), nullable=False),
        sa.Column('substitute', sa.String(length=100), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('registered_by', sa.String(length=100), nullable=False),
        sa.Column('registered_at', engine.models.TZDateTime(), nullable=False),
        sa.Column('withdrawn_at', engine.models.TZDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'member'),
    )
    op.create_index(op.f('ix_council_absence_meeting_id'), 'council_absence', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_council_absence_substitute'), 'council_absence', ['substitute'], unique=False)
    op.create_table(
        'council_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('member', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('substitute', sa.String(length=100), nullable=True),
        sa.Column('recorded_by', sa.String(length=100), nullable=False),
        sa.Column('recorded_at', engine.models.TZDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'item_id', 'member'),
    )
    op.create_index(op.f('ix_council_attendance_meeting_id'), 'council_attendance', ['meeting_id'], unique=False)
    op.create_table(
        'agenda_item_postponement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('from_meeting_id', sa.Integer(), nullable=False),
        sa.Column('to_meeting_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('by', sa.String(length=100), nullable=False),
        sa.Column('at', engine.models.TZDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_meeting_id'], ['council_meeting.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_meeting_id'], ['council_meeting.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('item_id', 'from_meeting_id', 'to_meeting_id'):
        op.create_index(op.f(f'ix_agenda_item_postponement_{column}'), 'agenda_item_postponement', [column],
                        unique=False)


def downgrade():
    for column in ('item_id', 'from_meeting_id', 'to_meeting_id'):
        op.drop_index(op.f(f'ix_agenda_item_postponement_{column}'), table_name='agenda_item_postponement')
    op.drop_table('agenda_item_postponement')
    op.drop_index(op.f('ix_council_attendance_meeting_id'), table_name='council_attendance')
    op.drop_table('council_attendance')
    op.drop_index(op.f('ix_council_absence_substitute'), table_name='council_absence')
    op.drop_index(op.f('ix_council_absence_meeting_id'), table_name='council_absence')
    op.drop_table('council_absence')
    op.drop_index(op.f('ix_council_conflict_item_id'), table_name='council_conflict')
    op.drop_table('council_conflict')
    op.drop_column('agenda_item', 'opened_by')
    op.drop_column('agenda_item', 'opened_at')
    op.drop_column('agenda_item', 'closed_reason')
    op.drop_column('agenda_item', 'closed')
