"""case incidents: the failing element, its task and the time

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_element', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('incident_element_name', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('incident_task_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('incident_at', engine.models.TZDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_incident_at'), ['incident_at'], unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_incident_at'))
        batch_op.drop_column('incident_at')
        batch_op.drop_column('incident_task_id')
        batch_op.drop_column('incident_element_name')
        batch_op.drop_column('incident_element')
