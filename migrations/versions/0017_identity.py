"""identity: identities at identity providers, SAML requests and seen assertions, federated sessions, TOTP

external_identity: (provider, subject) -> user; the user a SAML or OIDC sign-in is.
saml_request: AuthnRequests sent and not yet answered (InResponseTo); saml_assertion_seen: replay cache.
federated_session: the Byplan session an IdP started, with the NameID/SessionIndex its logout names.
totp_secret, recovery_code: local accounts' two-factor sign-in.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_TS = engine.models.TZDateTime(timezone=True)


def _fk(table, column, target):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], ondelete='CASCADE',
                                   name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade():
    op.create_table(
        'external_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('last_login_at', _TS, nullable=True),
        _fk('external_identity', 'user_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identity')),
        sa.UniqueConstraint('provider', 'subject', name=op.f('uq_external_identity_provider_subject')),
    )
    op.create_index(op.f('ix_external_identity_user_id'), 'external_identity', ['user_id'])
    op.create_table(
        'saml_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.String(length=100), nullable=False),
        sa.Column('next_url', sa.String(length=500), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_request')),
        sa.UniqueConstraint('request_id', name=op.f('uq_saml_request_request_id')),
    )
    op.create_index(op.f('ix_saml_request_created_at'), 'saml_request', ['created_at'])
    op.create_table(
        'saml_assertion_seen',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assertion_id', sa.String(length=200), nullable=False),
        sa.Column('expires_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_assertion_seen')),
        sa.UniqueConstraint('assertion_id', name=op.f('uq_saml_assertion_seen_assertion_id')),
    )
    op.create_index(op.f('ix_saml_assertion_seen_expires_at'), 'saml_assertion_seen', ['expires_at'])
    op.create_table(
        'federated_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('login_session_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('name_id', sa.String(length=300), nullable=False),
        sa.Column('session_index', sa.String(length=200), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        _fk('federated_session', 'login_session_id', 'login_session'),
        _fk('federated_session', 'user_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_federated_session')),
        sa.UniqueConstraint('login_session_id', name=op.f('uq_federated_session_login_session_id')),
    )
    op.create_index(op.f('ix_federated_session_name_id'), 'federated_session', ['name_id'])
    op.create_index(op.f('ix_federated_session_user_id'), 'federated_session', ['user_id'])
    op.create_table(
        'totp_secret',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('confirmed_at', _TS, nullable=True),
        sa.Column('last_step', sa.Integer(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        _fk('totp_secret', 'user_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_totp_secret')),
        sa.UniqueConstraint('user_id', name=op.f('uq_totp_secret_user_id')),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', _TS, nullable=True),
        _fk('recovery_code', 'user_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'])


def downgrade():
    for table in ('recovery_code', 'totp_secret', 'federated_session', 'saml_assertion_seen', 'saml_request',
                  'external_identity'):
        op.drop_table(table)
