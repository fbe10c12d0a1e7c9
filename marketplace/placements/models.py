"""Placements: a child's placement with a provider, made when the provider accepts an award or
recorded off-framework by the authority. The authority owns it; the provider reads it."""
import enum
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..children import ChildGender
from ..purchasing.models import PlacementType
from ..uplift_rules import UpliftRuleColumns


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class WeeklyFees:
    """The fee breakdown an offer proposes and a placement agrees: weekly amounts in pence, their
    total, the annual cost (the first year's, from the cost engine) and the whole-life value."""

    core_weekly_pence: Mapped[int] = mapped_column(Integer, default=0)
    support_weekly_pence: Mapped[int] = mapped_column(Integer, default=0)
    therapies_weekly_pence: Mapped[int] = mapped_column(Integer, default=0)
    other_weekly_pence: Mapped[int] = mapped_column(Integer, default=0)
    other_description: Mapped[str | None] = mapped_column(String(200))
    weekly_total_pence: Mapped[int] = mapped_column(Integer, default=0)
    annual_cost_pence: Mapped[int] = mapped_column(Integer, default=0)
    # The cost over the placement's whole length, from the cost engine (issue 12 §7); for a
    # placement, kept current as its fees and end change.
    total_value_pence: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    @property
    def fee_components(self):
        return [("Core weekly fee", self.core_weekly_pence),
                ("Additional 1:1 support", self.support_weekly_pence),
                ("Therapies", self.therapies_weekly_pence),
                (f"Other{': ' + self.other_description if self.other_description else ''}",
                 self.other_weekly_pence)]


class PlacementStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ENDED = "ended"

    @property
    def label(self):
        return self.value.capitalize()


class EndReason(enum.StrEnum):
    """Why a placement ended (issue 12 §2)."""

    COMPLETED = "completed"
    MOVED_SETTING = "moved_setting"
    BREAKDOWN = "breakdown"
    LEFT_AREA = "left_area"
    NO_LONGER_RESPONSIBLE = "no_longer_responsible"
    OTHER = "other"

    @property
    def label(self):
        return {
            EndReason.COMPLETED: "Completed as planned",
            EndReason.MOVED_SETTING: "Moved to another setting",
            EndReason.BREAKDOWN: "Placement breakdown",
            EndReason.LEFT_AREA: "Left the area",
            EndReason.NO_LONGER_RESPONSIBLE: "No longer the authority's responsibility",
            EndReason.OTHER: "Other",
        }[self]


class EarlyEnd(enum.StrEnum):
    """An end earlier than the provider's notice allows is either agreed by both parties or
    charged in lieu of notice (issue 12 §2)."""

    AGREED = "agreed"
    IN_LIEU = "in_lieu"

    @property
    def label(self):
        return {EarlyEnd.AGREED: "Agreed by both parties",
                EarlyEnd.IN_LIEU: "Notice charged in lieu"}[self]


class OffFrameworkReason(enum.StrEnum):
    """Why a placement was made outside the system (issue 12 §9)."""

    SPOT_PURCHASE = "spot_purchase"
    EMERGENCY = "emergency"
    OUT_OF_REGION = "out_of_region"
    PARENTAL_CHOICE = "parental_choice"
    PRE_DATES_SYSTEM = "pre_dates_system"
    OTHER = "other"

    @property
    def label(self):
        return {
            OffFrameworkReason.SPOT_PURCHASE: "Spot purchase",
            OffFrameworkReason.EMERGENCY: "Emergency placement",
            OffFrameworkReason.OUT_OF_REGION: "School outside the region",
            OffFrameworkReason.PARENTAL_CHOICE: "Parent's choice of a school not on the system",
            OffFrameworkReason.PRE_DATES_SYSTEM: "Made before the system existed",
            OffFrameworkReason.OTHER: "Other",
        }[self]


class FeeChangeReason(enum.StrEnum):
    """Why a placement's fees changed (issue 12 §3)."""

    UPLIFT = "uplift"
    NEGOTIATED = "negotiated"
    CHANGE_OF_NEED = "change_of_need"
    CORRECTION = "correction"

    @property
    def label(self):
        return {FeeChangeReason.UPLIFT: "Uplift", FeeChangeReason.NEGOTIATED: "Negotiated change",
                FeeChangeReason.CHANGE_OF_NEED: "Change of need",
                FeeChangeReason.CORRECTION: "Correction"}[self]


class Placement(WeeklyFees, UpliftRuleColumns, tenants.OrganisationOwned, tenants.Base):
    """A child's placement with a provider, made when the provider accepts an award (or recorded
    off-framework). The authority owns it; the provider reads it. It keeps what was agreed: the
    fee components, the specification versions in force and the local schedule's text."""

    __tablename__ = "placement"
    __table_args__ = (
        # An authority's placements and a provider's, newest start first, read in order.
        Index("ix_placement_provider_start_id", "provider_id", "start_date", "id"),
        Index("ix_placement_organisation_start", "organisation_id", "start_date", "id"),
        CheckConstraint("funding_education_percent + funding_social_care_percent"
                        " + funding_health_percent = 100", name="ck_placement_funding_100"),
        CheckConstraint("provider_id IS NOT NULL OR provider_name IS NOT NULL",
                        name="ck_placement_provider"),
    )
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    call_off_id: Mapped[int | None] = mapped_column(ForeignKey("call_off.id"), unique=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"))
    # Off-framework placements may be with a provider not registered here, named instead.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    provider_name: Mapped[str | None] = mapped_column(String(200))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    off_framework: Mapped[bool] = mapped_column(Boolean, default=False)
    off_framework_reason: Mapped[OffFrameworkReason | None] = mapped_column(
        _enum(OffFrameworkReason, "off_framework_reason"))
    off_framework_note: Mapped[str | None] = mapped_column(Text)
    case_reference: Mapped[str] = mapped_column(String(30))
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[ChildGender] = mapped_column(_enum(ChildGender, "placement_child_gender"))
    primary_need: Mapped[str] = mapped_column(String(10))
    secondary_needs: Mapped[list] = mapped_column(JSON, default=list)
    postcode_district: Mapped[str] = mapped_column(String(4))
    placement_type: Mapped[PlacementType] = mapped_column(
        _enum(PlacementType, "placement_placement_type"))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    specification_version_ids: Mapped[list] = mapped_column(JSON, default=list)
    local_schedule_revision: Mapped[int | None] = mapped_column(Integer)
    local_schedule_title: Mapped[str | None] = mapped_column(String(200))
    local_schedule_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[PlacementStatus] = mapped_column(
        _enum(PlacementStatus, "placement_status"), default=PlacementStatus.PLANNED)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[EndReason | None] = mapped_column(_enum(EndReason, "placement_end_reason"))
    end_note: Mapped[str | None] = mapped_column(Text)
    # The provider's notice period (default one school term, 13 weeks); an end earlier than
    # notice given on ``notice_given_on`` allows is agreed or charged in lieu until
    # ``charge_until`` (issue 12 §2).
    notice_weeks: Mapped[int] = mapped_column(Integer, default=13, server_default="13")
    notice_given_on: Mapped[date | None] = mapped_column(Date)
    early_end: Mapped[EarlyEnd | None] = mapped_column(_enum(EarlyEnd, "placement_early_end"))
    charge_until: Mapped[date | None] = mapped_column(Date)
    # Invoices are raised to here; the end date may not be earlier (issue 12, bad input).
    invoiced_to: Mapped[date | None] = mapped_column(Date)
    funding_education_percent: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    funding_social_care_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    funding_health_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    agreed_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    authority: Mapped["tenants.Authority"] = relationship(
        foreign_keys="Placement.organisation_id", lazy="joined")
    provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys=[provider_id], lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return cls.provider_id == organisation_id

    @property
    def last_day(self):
        """The last day of the placement: the day it ended early, else its end date."""
        return self.ended_on or self.end_date

    def status_on(self, day):
        """planned before the start date, active from it, ended after its last day (the end
        date, or the day it ends early): by the clock, so an end recorded ahead (notice given)
        reads active until then (issue 12 §2)."""
        if day > self.last_day:
            return PlacementStatus.ENDED
        return PlacementStatus.PLANNED if day < self.start_date else PlacementStatus.ACTIVE

    @property
    def provider_label(self):
        return self.provider.name if self.provider is not None else self.provider_name

    @property
    def funding(self):
        return {"education": self.funding_education_percent,
                "social_care": self.funding_social_care_percent,
                "health": self.funding_health_percent}

    def __repr__(self):
        return f"<Placement {self.id} {self.reference}>"


class _ReadByProvider:
    """Rows an authority owns about one of its placements, which the placement's provider also
    reads (``provider_id`` copied from the placement, so the rule is one indexable column)."""

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return cls.provider_id == organisation_id


class PlacementFeeChange(_ReadByProvider, tenants.OrganisationOwned, tenants.Base):
    """An effective-dated change to a placement's fee components (issue 12 §3). The fees on a
    date are the placement's agreed fees overlaid by the last change effective by then. An
    uplift applied by the daily job carries its due date, unique per placement, which is what
    makes the job idempotent."""

    __tablename__ = "placement_fee_change"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        Index("ix_placement_fee_change_placement", "placement_id", "effective_from"),
        UniqueConstraint("placement_id", "uplift_due_on",
                         name="uq_placement_fee_change_uplift_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    core_weekly_pence: Mapped[int] = mapped_column(Integer)
    support_weekly_pence: Mapped[int] = mapped_column(Integer)
    therapies_weekly_pence: Mapped[int] = mapped_column(Integer)
    other_weekly_pence: Mapped[int] = mapped_column(Integer)
    weekly_total_pence: Mapped[int] = mapped_column(Integer)
    reason: Mapped[FeeChangeReason] = mapped_column(_enum(FeeChangeReason, "fee_change_reason"))
    note: Mapped[str | None] = mapped_column(Text)
    agreed_by: Mapped[str | None] = mapped_column(String(200))
    uplift_due_on: Mapped[date | None] = mapped_column(Date)
    uplift_percent_bp: Mapped[int | None] = mapped_column(Integer)
    review_triggered: Mapped[bool] = mapped_column(Boolean, default=False)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("uplift_proposal.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    recorded_by = relationship("User", lazy="joined")

    def __repr__(self):
        return f"<PlacementFeeChange {self.id} from {self.effective_from}>"


class UpliftProposal(tenants.OrganisationOwned, tenants.Base):
    """A provider's proposed uplift to one placement: a percentage or new fees, from a date, with
    its reason (issue 12 §4). Late when it reached the authority less than the placement's
    notice before its effective date. The authority decides it (:class:`UpliftDecision`)."""

    __tablename__ = "uplift_proposal"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (Index("ix_uplift_proposal_authority", "authority_id", "received_at"),
                      Index("ix_uplift_proposal_placement", "placement_id", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    percent_bp: Mapped[int | None] = mapped_column(Integer)
    core_weekly_pence: Mapped[int | None] = mapped_column(Integer)
    support_weekly_pence: Mapped[int | None] = mapped_column(Integer)
    therapies_weekly_pence: Mapped[int | None] = mapped_column(Integer)
    other_weekly_pence: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    received_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    proposed_by = relationship("User", lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.authority_id == organisation_id
        return cls.owned_by(kind, organisation_id)


class UpliftDecision(_ReadByProvider, tenants.OrganisationOwned, tenants.Base):
    """The authority's answer to an uplift proposal: accepted, refused or countered, with its
    reason; an accepted or countered one is applied as a fee change (issue 12 §4)."""

    __tablename__ = "uplift_decision"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("uplift_proposal.id"), unique=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    counter_percent_bp: Mapped[int | None] = mapped_column(Integer)
    fee_change_id: Mapped[int | None] = mapped_column(ForeignKey("placement_fee_change.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    decided_by = relationship("User", lazy="joined")


class PlacementReview(_ReadByProvider, tenants.OrganisationOwned, tenants.Base):
    """An annual review of the child's EHC plan at the placement: due on a date, held (with
    notes) or not yet; the officer and the provider are reminded ahead (issue 12 §2)."""

    __tablename__ = "placement_review"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (Index("ix_placement_review_due", "organisation_id", "due_on"),
                      Index("ix_placement_review_placement", "placement_id", "due_on"),
                      UniqueConstraint("placement_id", "due_on",
                                       name="uq_placement_review_due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)


class PlacementEvent(tenants.OrganisationOwned, tenants.Base):
    """One line of a placement's history, which both parties read (issue 12 §2): made,
    fees changed, uplift proposed or decided, notice given, ended, reviewed. The organisation
    is whoever acted; the placement's authority and provider are copied so each reads it by
    one indexable column."""

    __tablename__ = "placement_event"
    __table_args__ = (Index("ix_placement_event_placement", "placement_id", "occurred_at"),
                      # Each party's reading rule is one indexable column.
                      Index("ix_placement_event_authority", "authority_id", "occurred_at"),
                      Index("ix_placement_event_provider", "provider_id", "occurred_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))
    occurred_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.authority_id == organisation_id
        return cls.provider_id == organisation_id


class TermCalendar(tenants.OrganisationOwned, tenants.Base):
    """A school's term dates for one academic year, kept by its provider, or the region's default
    calendar, kept by the host (issue 12 §5). Everyone reads calendars: they are what the cost
    engine counts school days on."""

    __tablename__ = "term_calendar"
    __table_args__ = (UniqueConstraint("organisation_id", "academic_year",
                                       name="uq_term_calendar_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    terms: Mapped[list["TermCalendarTerm"]] = relationship(
        order_by="TermCalendarTerm.starts_on", lazy="selectin", cascade="all, delete-orphan")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()


class TermCalendarTerm(tenants.OrganisationOwned, tenants.Base):
    """One term or half-term of a calendar: its first and last days, inclusive."""

    __tablename__ = "term_calendar_term"
    __table_args__ = (Index("ix_term_calendar_term_calendar", "calendar_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("term_calendar.id"))
    name: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()


class IndexSeries(tenants.OrganisationOwned, tenants.Base):
    """A price index the host keeps for index-linked uplifts, e.g. CPI (issue 12 §4): monthly
    annual-rate values in basis points. Everyone reads it."""

    __tablename__ = "index_series"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(Text)

    values: Mapped[list["IndexValue"]] = relationship(
        order_by="(IndexValue.year, IndexValue.month)", lazy="selectin",
        cascade="all, delete-orphan")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()


class IndexValue(tenants.OrganisationOwned, tenants.Base):
    """An index's value for one month, in basis points (410 = 4.1%)."""

    __tablename__ = "index_value"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("series_id", "year", "month", name="uq_index_value_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("index_series.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    value_bp: Mapped[int] = mapped_column(Integer)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()


class ForecastSetting(tenants.OrganisationOwned, tenants.Base):
    """An authority's assumptions for its forecasts: the rate index-linked uplifts are projected
    at where the index is not yet known (issue 12 §10)."""

    __tablename__ = "forecast_setting"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("organisation_id", name="uq_forecast_setting_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assumed_index_bp: Mapped[int] = mapped_column(Integer, default=200)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
