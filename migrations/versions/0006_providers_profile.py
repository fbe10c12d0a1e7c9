"""provider profiles, documents, rate cards and vacancies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_document_file_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_file'))
    )
    with op.batch_alter_table('document_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_file_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('vacancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_type', sa.Enum('day', 'residential_38', 'residential_52', 'therapy_hours', name='placement_type', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('age_from', sa.Integer(), nullable=False),
    sa.Column('age_to', sa.Integer(), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_vacancy_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy'))
    )
    with op.batch_alter_table('vacancy', schema=None) as batch_op:
        batch_op.create_index('ix_vacancy_open_type', ['withdrawn_at', 'placement_type', 'available_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacancy_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('provider_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('insurance', 'ofsted_registration', 'safeguarding_policy', 'dbs_policy', 'other', name='document_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('expiry_warning_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['document_file.id'], name=op.f('fk_provider_document_file_id_document_file')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_provider_document_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_provider_document_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_document'))
    )
    with op.batch_alter_table('provider_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_document_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_provider_document_owner_kind', ['organisation_id', 'kind'], unique=False)

    op.create_table('provider_need',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_provider_need_provider_id_provider')),
    sa.PrimaryKeyConstraint('provider_id', 'code', name=op.f('pk_provider_need'))
    )
    with op.batch_alter_table('provider_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_need_code'), ['code'], unique=False)

    op.create_table('provider_placement_type',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('placement_type', sa.Enum('day', 'residential_38', 'residential_52', 'therapy_hours', name='placement_type', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_provider_placement_type_provider_id_provider')),
    sa.PrimaryKeyConstraint('provider_id', 'placement_type', name=op.f('pk_provider_placement_type'))
    )
    with op.batch_alter_table('provider_placement_type', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_placement_type_placement_type'), ['placement_type'], unique=False)

    op.create_table('rate_card_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_type', sa.Enum('day', 'residential_38', 'residential_52', 'therapy_hours', name='placement_type', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('weekly_fee_pence', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_rate_card_entry_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_rate_card_entry_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_card_entry'))
    )
    with op.batch_alter_table('rate_card_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_card_entry_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_rate_card_entry_owner_type', ['organisation_id', 'placement_type', 'effective_from'], unique=False)

    op.create_table('vacancy_need',
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_vacancy_need_vacancy_id_vacancy')),
    sa.PrimaryKeyConstraint('vacancy_id', 'code', name=op.f('pk_vacancy_need'))
    )
    with op.batch_alter_table('vacancy_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vacancy_need_code'), ['code'], unique=False)

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_line_1', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('address_line_2', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('town', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('ofsted_rating', sa.Enum('outstanding', 'good', 'requires_improvement', 'inadequate', name='ofsted_rating', native_enum=False, create_constraint=True, length=30), nullable=True))
        batch_op.add_column(sa.Column('ofsted_inspected_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('childrens_home_urn', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('age_from', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('age_to', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('genders', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('documents_valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('suspension_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_provider_documents_valid_until'), ['documents_valid_until'], unique=False)



def downgrade():
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_documents_valid_until'))
        batch_op.drop_column('suspension_recorded_at')
        batch_op.drop_column('documents_valid_until')
        batch_op.drop_column('genders')
        batch_op.drop_column('age_to')
        batch_op.drop_column('age_from')
        batch_op.drop_column('childrens_home_urn')
        batch_op.drop_column('ofsted_inspected_on')
        batch_op.drop_constraint(batch_op.f('ck_provider_ofsted_rating'), type_='check')
        batch_op.drop_column('ofsted_rating')
        batch_op.drop_column('postcode')
        batch_op.drop_column('town')
        batch_op.drop_column('address_line_2')
        batch_op.drop_column('address_line_1')

    with op.batch_alter_table('vacancy_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vacancy_need_code'))

    op.drop_table('vacancy_need')
    with op.batch_alter_table('rate_card_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_card_entry_owner_type')
        batch_op.drop_index(batch_op.f('ix_rate_card_entry_organisation_id'))

    op.drop_table('rate_card_entry')
    with op.batch_alter_table('provider_placement_type', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_placement_type_placement_type'))

    op.drop_table('provider_placement_type')
    with op.batch_alter_table('provider_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_need_code'))

    op.drop_table('provider_need')
    with op.batch_alter_table('provider_document', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_document_owner_kind')
        batch_op.drop_index(batch_op.f('ix_provider_document_organisation_id'))

    op.drop_table('provider_document')
    with op.batch_alter_table('vacancy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vacancy_organisation_id'))
        batch_op.drop_index('ix_vacancy_open_type')

    op.drop_table('vacancy')
    with op.batch_alter_table('document_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_file_organisation_id'))

    op.drop_table('document_file')
