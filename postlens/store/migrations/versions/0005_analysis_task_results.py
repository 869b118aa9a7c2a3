"""analysis task results

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Results of per-picture tasks beyond embedding, labels and categories, by task name.
    with op.batch_alter_table('analyses') as batch:
        batch.add_column(sa.Column('results', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('analyses') as batch:
        batch.drop_column('results')
