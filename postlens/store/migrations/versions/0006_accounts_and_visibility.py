"""accounts, sessions, key revocation and post visibility

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('disabled', sa.Boolean(), nullable=False,
                                   server_default='0'))
    with op.batch_alter_table('posts') as batch:
        batch.add_column(sa.Column('visibility', sa.String(length=10), nullable=False,
                                   server_default='public'))
        batch.create_index('ix_posts_visibility', ['visibility'])
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_web_sessions_user_id', 'web_sessions', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_web_sessions_user_id', table_name='web_sessions')
    op.drop_table('web_sessions')
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_column('revoked_at')
    with op.batch_alter_table('posts') as batch:
        batch.drop_index('ix_posts_visibility')
        batch.drop_column('visibility')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('disabled')
        batch.drop_column('password_hash')
