"""hearings as the Danish norm: sections and section comments, redactions, deadline changes, the frozen
hearing note, e-mail subscriptions; a note point's section; further headers of an outbox mail

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TZ = engine.models.TZDateTime(timezone=True)


def upgrade():
    op.create_table(
        'hearing_section',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hearing_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['hearing_id'], ['hearing.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_section_hearing_id_hearing')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_section')),
        sa.UniqueConstraint('hearing_id', 'number', name=op.f('uq_hearing_section_hearing_id_number')),
    )
    op.create_index(op.f('ix_hearing_section_hearing_id'), 'hearing_section', ['hearing_id'])
    op.create_table(
        'hearing_section_comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['hearing_response.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_section_comment_response_id_hearing_response')),
        sa.ForeignKeyConstraint(['section_id'], ['hearing_section.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_section_comment_section_id_hearing_section')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_section_comment')),
        sa.UniqueConstraint('response_id', 'section_id', name=op.f('uq_hearing_section_comment_response_id_section_id')),
    )
    op.create_index(op.f('ix_hearing_section_comment_response_id'), 'hearing_section_comment', ['response_id'])
    op.create_index(op.f('ix_hearing_section_comment_section_id'), 'hearing_section_comment', ['section_id'])
    op.create_table(
        'hearing_redaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('start', sa.Integer(), nullable=False),
        sa.Column('end', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['hearing_response.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_redaction_response_id_hearing_response')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_redaction')),
    )
    op.create_index(op.f('ix_hearing_redaction_response_id'), 'hearing_redaction', ['response_id'])
    op.create_table(
        'hearing_deadline_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hearing_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('old_deadline', sa.Date(), nullable=False),
        sa.Column('new_deadline', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['hearing_id'], ['hearing.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_deadline_change_hearing_id_hearing')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_deadline_change')),
    )
    op.create_index(op.f('ix_hearing_deadline_change_hearing_id'), 'hearing_deadline_change', ['hearing_id'])
    op.create_table(
        'hearing_note_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hearing_id', sa.Integer(), nullable=False),
        sa.Column('docx_document_id', sa.Integer(), nullable=False),
        sa.Column('pdf_document_id', sa.Integer(), nullable=False),
        sa.Column('docx_sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['hearing_id'], ['hearing.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_note_document_hearing_id_hearing')),
        sa.ForeignKeyConstraint(['docx_document_id'], ['document.id'],
                                name=op.f('fk_hearing_note_document_docx_document_id_document')),
        sa.ForeignKeyConstraint(['pdf_document_id'], ['document.id'],
                                name=op.f('fk_hearing_note_document_pdf_document_id_document')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_note_document')),
        sa.UniqueConstraint('hearing_id', name=op.f('uq_hearing_note_document_hearing_id')),
    )
    op.create_table(
        'hearing_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('working_group_id', sa.Integer(), nullable=True),
        sa.Column('new_hearings', sa.Boolean(), nullable=False),
        sa.Column('notes', sa.Boolean(), nullable=False),
        sa.Column('confirmed_at', TZ, nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['working_group_id'], ['working_group.id'], ondelete='CASCADE',
                                name=op.f('fk_hearing_subscription_working_group_id_working_group')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_subscription')),
        sa.UniqueConstraint('email', 'working_group_id', name=op.f('uq_hearing_subscription_email_working_group_id')),
    )
    op.create_index(op.f('ix_hearing_subscription_email'), 'hearing_subscription', ['email'])
    op.add_column('hearing_note_point', sa.Column('section_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_hearing_note_point_section_id'), 'hearing_note_point', ['section_id'])
    op.add_column('outbox_mail', sa.Column('headers', sa.Text(), nullable=True))
    op.add_column('hearing', sa.Column('reminder_working_days', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade():
    op.drop_column('hearing', 'reminder_working_days')
    op.drop_column('outbox_mail', 'headers')
    op.drop_index(op.f('ix_hearing_note_point_section_id'), 'hearing_note_point')
    op.drop_column('hearing_note_point', 'section_id')
    for table in ('hearing_subscription', 'hearing_note_document', 'hearing_deadline_change', 'hearing_redaction',
                  'hearing_section_comment', 'hearing_section'):
        op.drop_table(table)
