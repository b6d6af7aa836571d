"""indexes in the inbox's order, so the first page of a large lane is read, not sorted

(lane, scope) becomes (lane, scope, order): the same prefix, plus the order for a scoped lane. The order
ends in the task id, so pages of tasks made in one save (same ready_since) are stable.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_ready_task_lane_scope', table_name='ready_task')
    op.create_index('ix_ready_task_lane_scope_due', 'ready_task',
                    ['lane', 'scope', sa.text('(due_at IS NULL)'), 'due_at', 'ready_since', 'id'])
    op.create_index('ix_ready_task_lane_due', 'ready_task',
                    ['lane', sa.text('(due_at IS NULL)'), 'due_at', 'ready_since', 'id'])


def downgrade():
    op.drop_index('ix_ready_task_lane_due', table_name='ready_task')
    op.drop_index('ix_ready_task_lane_scope_due', table_name='ready_task')
    op.create_index('ix_ready_task_lane_scope', 'ready_task', ['lane', 'scope'])
