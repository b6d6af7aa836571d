"""task drafts: what a user typed in a task's form, saved without completing the task; closed tasks

task_draft: one row per task and user (task_id, username); removed with its case, and by the application
when the task is completed or closed.
closed_task: a human task the process closed without a user completing it (its page says when).

Revision ID: 0011
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import engine.models


revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_draft',
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('saved_at', engine.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_task_draft_case_id_case'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id', 'username', name=op.f('pk_task_draft')),
    )
    op.create_index(op.f('ix_task_draft_case_id'), 'task_draft', ['case_id'])
    op.create_table(
        'closed_task',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('closed_at', engine.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_closed_task_case_id_case'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_task')),
    )
    op.create_index(op.f('ix_closed_task_case_id'), 'closed_task', ['case_id'])


def downgrade():
    op.drop_index(op.f('ix_closed_task_case_id'), table_name='closed_task')
    op.drop_table('closed_task')
    op.drop_index(op.f('ix_task_draft_case_id'), table_name='task_draft')
    op.drop_table('task_draft')
