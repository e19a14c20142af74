"""metrics as a time series: counts as columns, a reading plan per post, title tests, promotions

Revision ID: 0017
Revises: 0002
Create Date: 2026-12-06 13:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('metrics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='api', nullable=False))
        for name in ('views', 'likes', 'comments', 'shares', 'impressions'):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('engagements', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_metrics_post_time', ['post_id', 'recorded_at'], unique=False)

    op.create_table('metric_plans',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id')
    )
    with op.batch_alter_table('metric_plans', schema=None) as batch_op:
        batch_op.create_index('ix_metric_plans_due', ['done', 'next_at'], unique=False)

    op.create_table('title_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('arms', sa.JSON(), nullable=False),
    sa.Column('current', sa.Integer(), nullable=False),
    sa.Column('shown_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('baseline', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('winner', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id')
    )

    op.create_table('promotions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('source_post_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule', 'source_post_id', 'target_id', name='uq_promotions_once')
    )


def downgrade() -> None:
    op.drop_table('promotions')
    op.drop_table('title_tests')
    with op.batch_alter_table('metric_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_plans_due')
    op.drop_table('metric_plans')
    with op.batch_alter_table('metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_metrics_post_time')
        for name in ('engagements', 'impressions', 'shares', 'comments', 'likes', 'views', 'source', 'platform'):
            batch_op.drop_column(name)
