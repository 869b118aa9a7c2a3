"""product catalogue and ad impressions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('price', sa.Float(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('picture', sa.String(length=500), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('target_attributes', sa.JSON(), nullable=False),
    sa.Column('target_interests', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False, server_default='1'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sku')
    )
    op.create_index('ix_products_category', 'products', ['category'])
    op.create_table('ad_impressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('explanation', sa.String(length=300), nullable=False),
    sa.Column('experiment', sa.String(length=80), nullable=True),
    sa.Column('arm', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clicked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ad_impressions_request_id', 'ad_impressions', ['request_id'])
    op.create_index('ix_ad_impressions_product_id', 'ad_impressions', ['product_id'])
    op.create_index('ix_ad_impressions_user_time', 'ad_impressions', ['user_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_ad_impressions_user_time', table_name='ad_impressions')
    op.drop_index('ix_ad_impressions_product_id', table_name='ad_impressions')
    op.drop_index('ix_ad_impressions_request_id', table_name='ad_impressions')
    op.drop_table('ad_impressions')
    op.drop_index('ix_products_category', table_name='products')
    op.drop_table('products')
