"""analytics: element-time aggregates, wait projection, worker heartbeat (engine/analytics.py)

element_time: per (process version, element, kind, scope, month, duration bucket) a count of passes — the
histogram the heatmap's median and p90 come from.
element_wait: the timer and message waits a case is in now, since when.
worker_heartbeat: one row per worker process, the time of its last sweep (/readyz, /metrics).
completed_task.ready_since: when the completed task became ready (a case's time against the median).
case.request_id: the request that last changed the case (its worker log lines carry it).
audit_event (case_id, seq) gets an index: a case page reads one page of its timeline.
case.process_version_id gets an index (the heatmap's "now" counts join on it).
Passes before this migration are not counted (their ready time was not kept).

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'element_time',
        sa.Column('process_version_id', sa.Integer(), nullable=False),
        sa.Column('element', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('scope', sa.String(length=100), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('process_version_id', 'element', 'kind', 'scope', 'month', 'bucket',
                                name=op.f('pk_element_time')),
    )
    op.create_table(
        'element_wait',
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('element', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('since', engine.models.TZDateTime(), nullable=False),
        sa.Column('due_at', engine.models.TZDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE',
                                name=op.f('fk_element_wait_case_id_case')),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_element_wait')),
    )
    op.create_index(op.f('ix_element_wait_case_id'), 'element_wait', ['case_id'])
    op.create_table(
        'worker_heartbeat',
        sa.Column('worker', sa.String(length=200), nullable=False),
        sa.Column('beat_at', engine.models.TZDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeat')),
    )
    op.add_column('completed_task', sa.Column('ready_since', engine.models.TZDateTime(), nullable=True))
    op.create_index(op.f('ix_case_process_version_id'), 'case', ['process_version_id'])
    op.add_column('case', sa.Column('request_id', sa.String(length=64), nullable=True))
    op.create_index('ix_audit_event_case_id_seq', 'audit_event', ['case_id', 'seq'])


def downgrade():
    op.drop_index('ix_audit_event_case_id_seq', table_name='audit_event')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('request_id')
    op.drop_index(op.f('ix_case_process_version_id'), table_name='case')
    with op.batch_alter_table('completed_task') as batch:
        batch.drop_column('ready_since')
    op.drop_table('worker_heartbeat')
    op.drop_index(op.f('ix_element_wait_case_id'), table_name='element_wait')
    op.drop_table('element_wait')
    op.drop_table('element_time')
