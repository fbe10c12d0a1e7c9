import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..uplift_rules import UpliftRuleColumns


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class Regime(enum.StrEnum):
    """The procurement regime the system runs under; each has its own rules (DESIGN §3)."""

    PCR2015_FPS = "pcr2015_fps"
    PA2023_OPEN_FRAMEWORK = "pa2023_open_framework"
    PA2023_DYNAMIC_MARKET = "pa2023_dynamic_market"
    QPL = "qpl"

    @property
    def label(self):
        return {
            Regime.PCR2015_FPS: "Flexible purchasing system (Public Contracts Regulations 2015, "
                                "light-touch regime)",
            Regime.PA2023_OPEN_FRAMEWORK: "Open framework (Procurement Act 2023)",
            Regime.PA2023_DYNAMIC_MARKET: "Dynamic market (Procurement Act 2023)",
            Regime.QPL: "Qualified provider list",
        }[self]

    @property
    def always_open(self):
        """Applications are accepted at any time: a window never closes."""
        return self in (Regime.PA2023_DYNAMIC_MARKET, Regime.QPL)

    @property
    def default_standstill(self):
        return {
            Regime.PCR2015_FPS: StandstillRule.CALENDAR_DAYS_10,
            Regime.PA2023_OPEN_FRAMEWORK: StandstillRule.WORKING_DAYS_8,
            Regime.PA2023_DYNAMIC_MARKET: StandstillRule.WORKING_DAYS_8,
            Regime.QPL: StandstillRule.NONE,
        }[self]


class StandstillRule(enum.StrEnum):
    NONE = "none"
    CALENDAR_DAYS_10 = "calendar_days_10"
    WORKING_DAYS_8 = "working_days_8"

    @property
    def label(self):
        return {
            StandstillRule.NONE: "None",
            StandstillRule.CALENDAR_DAYS_10: "10 calendar days (Public Contracts Regulations "
                                             "2015)",
            StandstillRule.WORKING_DAYS_8: "8 working days (Procurement Act 2023)",
        }[self]


class PlacementType(enum.StrEnum):
    """Kinds of placement. Term-time types are charged for the school year's chargeable weeks;
    an hourly type (a QPL's therapy) is charged by the hour."""

    DAY = "day"
    RESIDENTIAL_38 = "residential_38"
    RESIDENTIAL_52 = "residential_52"
    THERAPY_HOURS = "therapy_hours"

    @property
    def label(self):
        return {
            PlacementType.DAY: "Day placement",
            PlacementType.RESIDENTIAL_38: "38-week residential",
            PlacementType.RESIDENTIAL_52: "52-week residential",
            PlacementType.THERAPY_HOURS: "Therapy (hourly)",
        }[self]

    @property
    def unit(self):
        return "hour" if self is PlacementType.THERAPY_HOURS else "week"

    @property
    def term_time(self):
        return self in (PlacementType.DAY, PlacementType.RESIDENTIAL_38)

    @property
    def needs_childrens_home_registration(self):
        """A school housing children 295 days a year or more is also a children's home."""
        return self is PlacementType.RESIDENTIAL_52

    def chargeable_weeks(self, chargeable_school_days):
        """Weeks charged per year: 52 all year; term-time types by the school days (190 → 38)."""
        if self is PlacementType.RESIDENTIAL_52:
            return 52
        if self.term_time:
            return chargeable_school_days / 5
        return None

    @classmethod
    def for_regime(cls, regime):
        """Placement types a system of ``regime`` may use: hourly types only on a QPL."""
        if regime == Regime.QPL:
            return list(cls)
        return [cls.DAY, cls.RESIDENTIAL_38, cls.RESIDENTIAL_52]


class PurchasingSystem(UpliftRuleColumns, tenants.OrganisationOwned, tenants.Base):
    """The host authority's one purchasing system. Everyone in the region may read it."""

    __tablename__ = "purchasing_system"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(50), unique=True)
    regime: Mapped[Regime] = mapped_column(_enum(Regime, "regime"))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    # Each column's enum has its own name: the name is its CHECK constraint's name.
    admission_standstill: Mapped[StandstillRule] = mapped_column(
        _enum(StandstillRule, "admission_standstill_rule"))
    call_off_standstill: Mapped[StandstillRule] = mapped_column(
        _enum(StandstillRule, "call_off_standstill_rule"))
    chargeable_school_days: Mapped[int] = mapped_column(Integer, default=190)
    # Call-off timetable: the shortest response period (UK working days after publication)
    # outside a recorded urgent route, and how many working days before the deadline
    # clarification questions close.
    call_off_min_response_days: Mapped[int] = mapped_column(Integer, default=5,
                                                            server_default="5")
    call_off_questions_close_days: Mapped[int] = mapped_column(Integer, default=2,
                                                               server_default="2")
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    lots: Mapped[list["Lot"]] = relationship(
        back_populates="system", order_by="Lot.code", lazy="selectin")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()

    def __repr__(self):
        return f"<PurchasingSystem {self.id} {self.reference}>"


class Lot(tenants.OrganisationOwned, tenants.Base):
    """A division of the system by placement type and need. Everyone may read it."""

    __tablename__ = "lot"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("system_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_system.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    # Lists of PlacementType values and DfE need codes.
    placement_types: Mapped[list] = mapped_column(JSON, default=list)
    need_codes: Mapped[list] = mapped_column(JSON, default=list)

    system: Mapped[PurchasingSystem] = relationship(back_populates="lots")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()

    @property
    def placement_type_labels(self):
        return [PlacementType(t).label for t in self.placement_types]

    def __repr__(self):
        return f"<Lot {self.id} {self.code}>"
