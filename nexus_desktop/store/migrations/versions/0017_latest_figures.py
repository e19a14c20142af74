"""latest_figures: each post's latest reading, kept as readings are added (the Analytics view's list and totals)

Revision ID: 0017b
Revises: 0017
Create Date: 2026-12-06 13:35:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0017b'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('latest_figures',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=30), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('readings', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=True),
    sa.Column('likes', sa.Integer(), nullable=True),
    sa.Column('comments', sa.Integer(), nullable=True),
    sa.Column('shares', sa.Integer(), nullable=True),
    sa.Column('impressions', sa.Integer(), nullable=True),
    sa.Column('engagements', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id')
    )
    # Readings taken before this table existed: each post's newest one (one per post).
    op.execute("""
        INSERT INTO latest_figures (post_id, platform, recorded_at, readings, views, likes, comments, shares, impressions, engagements)
        SELECT m.post_id, m.platform, m.recorded_at, n.n, m.views, m.likes, m.comments, m.shares, m.impressions, m.engagements
        FROM metrics m
        JOIN (SELECT post_id, MAX(recorded_at) AS at, COUNT(id) AS n, MAX(id) AS last FROM metrics GROUP BY post_id) n
          ON n.post_id = m.post_id AND n.at = m.recorded_at
        WHERE m.id = (SELECT MAX(id) FROM metrics x WHERE x.post_id = m.post_id AND x.recorded_at = m.recorded_at)
    """)


def downgrade() -> None:
    op.drop_table('latest_figures')
