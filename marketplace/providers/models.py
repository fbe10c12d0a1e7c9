"""Providers: their profile, documents with expiry dates, rate card and vacancies.

The ``Provider`` row is an organisation, so it is not organisation-owned: the providers service
decides who may read a profile (authorities and the provider itself). What belongs to a provider
(documents, fees, vacancies) is organisation-owned and declares its own readers.
"""
import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..needs import need_codes as dfe_need_codes
from ..purchasing.models import PlacementType


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


def _in_dfe_order(codes):
    chosen = set(codes)
    return [code for code in dfe_need_codes() if code in chosen]


class OfstedRating(enum.StrEnum):
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self):
        return {
            OfstedRating.OUTSTANDING: "Outstanding",
            OfstedRating.GOOD: "Good",
            OfstedRating.REQUIRES_IMPROVEMENT: "Requires improvement",
            OfstedRating.INADEQUATE: "Inadequate",
        }[self]


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def label(self):
        return {Gender.FEMALE: "Girls", Gender.MALE: "Boys"}[self]


class DocumentKind(enum.StrEnum):
    INSURANCE = "insurance"
    OFSTED_REGISTRATION = "ofsted_registration"
    SAFEGUARDING_POLICY = "safeguarding_policy"
    DBS_POLICY = "dbs_policy"
    OTHER = "other"

    @property
    def label(self):
        return {
            DocumentKind.INSURANCE: "Employer's and public liability insurance",
            DocumentKind.OFSTED_REGISTRATION: "Ofsted registration",
            DocumentKind.SAFEGUARDING_POLICY: "Safeguarding policy",
            DocumentKind.DBS_POLICY: "DBS (criminal records checks) policy",
            DocumentKind.OTHER: "Other document",
        }[self]

    @property
    def mandatory(self):
        return self is not DocumentKind.OTHER

    @classmethod
    def mandatory_kinds(cls):
        return [kind for kind in cls if kind.mandatory]


class Provider(tenants.Organisation):
    """An independent or non-maintained special school (or group) that bids for placements.

    Its name is the legal name. ``documents_valid_until`` is the earliest expiry date among its
    current mandatory documents (None while one is missing), kept by the upload service: whether
    the provider is in good standing is that date compared with today, so it follows the clock.
    ``suspension_recorded_at`` only remembers that a suspension has been announced.
    """

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    companies_house_number: Mapped[str | None] = mapped_column(String(8), index=True)
    charity_number: Mapped[str | None] = mapped_column(String(12))
    dfe_urn: Mapped[str | None] = mapped_column(String(7), index=True)
    ofsted_urn: Mapped[str | None] = mapped_column(String(10))
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    ofsted_rating: Mapped[OfstedRating | None] = mapped_column(
        _enum(OfstedRating, "ofsted_rating"))
    ofsted_inspected_on: Mapped[date | None] = mapped_column(Date)
    childrens_home_urn: Mapped[str | None] = mapped_column(String(10))
    age_from: Mapped[int | None] = mapped_column(Integer)
    age_to: Mapped[int | None] = mapped_column(Integer)
    # Gender values; small and never filtered on.
    genders: Mapped[list] = mapped_column(JSON, default=list)
    documents_valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    suspension_recorded_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    need_rows: Mapped[list["ProviderNeed"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProviderNeed.code")
    placement_type_rows: Mapped[list["ProviderPlacementType"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin",
        order_by="ProviderPlacementType.placement_type")

    __mapper_args__ = {"polymorphic_identity": tenants.OrganisationKind.PROVIDER}

    @property
    def need_codes(self):
        """In the DfE's order."""
        return _in_dfe_order(row.code for row in self.need_rows)

    @property
    def placement_types(self):
        order = list(PlacementType)
        return sorted((row.placement_type for row in self.placement_type_rows), key=order.index)

    @property
    def gender_labels(self):
        return [Gender(g).label for g in self.genders or []]

    @property
    def address(self):
        return [part for part in (self.address_line_1, self.address_line_2, self.town,
                                  self.postcode) if part]

    def in_good_standing(self, day):
        """Every mandatory document is present and unexpired on ``day`` (a UK date)."""
        return self.documents_valid_until is not None and day <= self.documents_valid_until


class ProviderNeed(tenants.Base):
    """A DfE need code the provider caters for (a row each, so the directory filters by index)."""

    __tablename__ = "provider_need"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)


class ProviderPlacementType(tenants.Base):
    """A placement type the provider offers."""

    __tablename__ = "provider_placement_type"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), primary_key=True)
    placement_type: Mapped[PlacementType] = mapped_column(
        _enum(PlacementType, "placement_type"), primary_key=True, index=True)


class ProviderDocument(tenants.OrganisationOwned, tenants.Base):
    """One uploaded version of a provider's document; a newer upload of the same kind renews it.

    The file itself is in :class:`DocumentFile`, so listing documents never loads it. The
    provider and the host read documents; member authorities and other providers do not.
    """

    __tablename__ = "provider_document"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (Index("ix_provider_document_owner_kind", "organisation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "document_kind"))
    title: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[date] = mapped_column(Date)
    uploaded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expiry_warning_sent_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    file_id: Mapped[int] = mapped_column(ForeignKey("document_file.id"))

    uploaded_by = relationship("User", lazy="joined")
    file: Mapped["DocumentFile"] = relationship(lazy="raise")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true() if kind is tenants.ScopeKind.HOST else cls.owned_by(kind, organisation_id)

    @property
    def label(self):
        return self.title or self.kind.label

    def is_expired(self, day):
        return self.expires_on < day

    def __repr__(self):
        return f"<ProviderDocument {self.id} {self.kind}>"


class DocumentFile(tenants.OrganisationOwned, tenants.Base):
    """A document's bytes, apart from its description."""

    __tablename__ = "document_file"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER

    id: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true() if kind is tenants.ScopeKind.HOST else cls.owned_by(kind, organisation_id)


class RateCardEntry(tenants.OrganisationOwned, tenants.Base):
    """An indicative weekly fee for one placement type, from the moment it was set until the next
    entry for that type. Entries are never changed, so the history is the table."""

    __tablename__ = "rate_card_entry"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (Index("ix_rate_card_entry_owner_type", "organisation_id",
                            "placement_type", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_type: Mapped[PlacementType] = mapped_column(_enum(PlacementType, "placement_type"))
    weekly_fee_pence: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    set_by = relationship("User", lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true() if kind.is_authority else cls.owned_by(kind, organisation_id)

    @property
    def weekly_fee(self):
        """£1,250.00"""
        return f"£{self.weekly_fee_pence // 100:,}.{self.weekly_fee_pence % 100:02d}"


class Vacancy(tenants.OrganisationOwned, tenants.Base):
    """Places a provider declares free. Authorities and the provider read them."""

    __tablename__ = "vacancy"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (Index("ix_vacancy_open_type", "withdrawn_at", "placement_type",
                            "available_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_type: Mapped[PlacementType] = mapped_column(_enum(PlacementType, "placement_type"))
    age_from: Mapped[int] = mapped_column(Integer)
    age_to: Mapped[int] = mapped_column(Integer)
    available_from: Mapped[date] = mapped_column(Date)
    places: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    provider: Mapped[Provider] = relationship(
        primaryjoin="Vacancy.organisation_id == Provider.id",
        foreign_keys="Vacancy.organisation_id", viewonly=True, lazy="joined")
    need_rows: Mapped[list["VacancyNeed"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="VacancyNeed.code")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true() if kind.is_authority else cls.owned_by(kind, organisation_id)

    @property
    def need_codes(self):
        """In the DfE's order."""
        return _in_dfe_order(row.code for row in self.need_rows)

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    def __repr__(self):
        return f"<Vacancy {self.id} of provider {self.organisation_id}>"


class VacancyNeed(tenants.Base):
    """A need code a vacancy is for."""

    __tablename__ = "vacancy_need"

    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
