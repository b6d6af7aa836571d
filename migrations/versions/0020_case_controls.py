"""case controls, delegation, comments, saved lists (issue 19)

case: the last control's reason, actor and time (suspend / resume / terminate; status "suspended" and
"terminated" join "running", "incident" and "completed").
delegation: a user's out-of-office delegate for a period (workflows/delegation.py).
case_comment: internal comments on a case with the user names they mention.
saved_list: a user's named filter of the case list or the task list.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

import engine.models


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('case', sa.Column('control_reason', sa.Text(), nullable=True))
    op.add_column('case', sa.Column('control_by', sa.String(length=200), nullable=True))
    op.add_column('case', sa.Column('control_at', engine.models.TZDateTime(timezone=True), nullable=True))
    op.create_table(
        'delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('principal', sa.String(length=100), nullable=False),
        sa.Column('delegate', sa.String(length=100), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', engine.models.TZDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation')),
    )
    op.create_index(op.f('ix_delegation_principal'), 'delegation', ['principal'])
    op.create_index(op.f('ix_delegation_delegate'), 'delegation', ['delegate'])
    op.create_table(
        'case_comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('mentions', sa.JSON(), nullable=False),
        sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_comment_case_id_case'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_comment')),
    )
    op.create_index(op.f('ix_case_comment_case_id'), 'case_comment', ['case_id'])
    op.create_table(
        'saved_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('query', sa.JSON(), nullable=False),
        sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_list')),
        sa.UniqueConstraint('owner', 'kind', 'name', name=op.f('uq_saved_list_owner_kind_name')),
    )
    op.create_index(op.f('ix_saved_list_owner'), 'saved_list', ['owner'])


def downgrade():
    op.drop_index(op.f('ix_saved_list_owner'), table_name='saved_list')
    op.drop_table('saved_list')
    op.drop_index(op.f('ix_case_comment_case_id'), table_name='case_comment')
    op.drop_table('case_comment')
    op.drop_index(op.f('ix_delegation_delegate'), table_name='delegation')
    op.drop_index(op.f('ix_delegation_principal'), table_name='delegation')
    op.drop_table('delegation')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('control_at')
        batch.drop_column('control_by')
        batch.drop_column('control_reason')
