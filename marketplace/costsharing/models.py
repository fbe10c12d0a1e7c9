"""Cost sharing's records (issue 14 §1–§3): every row is the host authority's. A member authority
reads only its own result rows of approved runs and the region totals of approved runs; providers
read nothing.

Percentages are basis points (3000 = 30%; tolerance in hundredths of a percentage point), money
integer pence, financial years by their first calendar year (2026 = 2026-27), times UTC."""
import enum
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint, false, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants


def _enum(cls, name, length=20):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class CostCategory(enum.StrEnum):
    """What a running cost is for (issue 14 §2)."""

    STAFF = "staff"
    SYSTEM = "system"
    LEGAL = "legal"
    PROCUREMENT = "procurement"
    OTHER = "other"

    @property
    def label(self):
        return self.value.capitalize()


class RunKind(enum.StrEnum):
    """A budget run at the start of the year, an outturn run after it (issue 14 §3)."""

    BUDGET = "budget"
    OUTTURN = "outturn"

    @property
    def label(self):
        return self.value.capitalize()


class RunStatus(enum.StrEnum):
    """draft → approved (frozen) → superseded, when a recalculation that names it as superseded
    is approved (issue 14 §3)."""

    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"

    @property
    def label(self):
        return self.value.capitalize()


class _HostOwned(tenants.OrganisationOwned):
    """The host's own records: only the host reads them (the default rule)."""

    __owner_kind__ = tenants.OrganisationKind.AUTHORITY


class CostSharingTerms(_HostOwned, tenants.Base):
    """One version of the MoU terms, in force from ``effective_from`` (issue 14 §1). A year is
    shared under the latest version effective on or before its last day. ``participants`` None
    means every member; ``caps`` maps an authority id (as text) to pence; ``usage_weights`` maps
    a measure to basis points adding up to 10000 (or ``usage_measure`` names one)."""

    __tablename__ = "cost_sharing_terms"
    __table_args__ = (
        Index("ix_cost_sharing_terms_owner_effective", "organisation_id", "effective_from", "id"),
        CheckConstraint("fixed_percent_bp BETWEEN 0 AND 10000", name="fixed_percent"),
        CheckConstraint("tolerance_bp BETWEEN 0 AND 10000", name="tolerance"),
        CheckConstraint("damping_percent_bp IS NULL OR damping_percent_bp >= 0", name="damping"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    fixed_percent_bp: Mapped[int] = mapped_column(Integer)
    usage_measure: Mapped[str | None] = mapped_column(String(30))
    usage_weights: Mapped[dict | None] = mapped_column(JSON)
    include_off_framework: Mapped[bool] = mapped_column(Boolean, default=True)
    host_pays_share: Mapped[bool] = mapped_column(Boolean, default=False)
    participants: Mapped[list | None] = mapped_column(JSON)
    caps: Mapped[dict] = mapped_column(JSON, default=dict)
    damping_percent_bp: Mapped[int | None] = mapped_column(Integer)
    tolerance_bp: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)


class PopulationFigure(_HostOwned, tenants.Base):
    """An authority's population for a financial year as the host entered it (e.g. the ONS 0–25
    mid-year estimate), the population measure's figure (issue 14 §1)."""

    __tablename__ = "cost_sharing_population"
    __table_args__ = (
        UniqueConstraint("organisation_id", "financial_year", "authority_id",
                         name="uq_cost_sharing_population_year_authority"),
        CheckConstraint("population >= 0", name="population"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column(Integer)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    population: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(200))


class CostLine(_HostOwned, tenants.Base):
    """One of the host's running costs for a financial year (issue 14 §2)."""

    __tablename__ = "cost_sharing_cost_line"
    __table_args__ = (
        Index("ix_cost_sharing_cost_line_owner_year", "organisation_id", "financial_year",
              "position"),
        CheckConstraint("amount_pence >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[CostCategory] = mapped_column(_enum(CostCategory, "cost_category"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)


class IncomeLine(_HostOwned, tenants.Base):
    """Income offsetting the year's costs (fees charged to providers where the regime allows,
    grants), issue 14 §2."""

    __tablename__ = "cost_sharing_income_line"
    __table_args__ = (
        Index("ix_cost_sharing_income_line_owner_year", "organisation_id", "financial_year",
              "position"),
        CheckConstraint("amount_pence >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(200))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)


class CostSharingRun(_HostOwned, tenants.Base):
    """A budget or outturn run for a financial year (issue 14 §3). ``inputs`` is the frozen
    snapshot of everything it shared (members with their days and usage figures, the net cost
    and its lines, the terms), from which ``tenants.apportion`` gives the same result again;
    once approved nothing about it changes but its status becoming superseded."""

    __tablename__ = "cost_sharing_run"
    __table_args__ = (
        Index("ix_cost_sharing_run_owner_year", "organisation_id", "financial_year", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RunKind] = mapped_column(_enum(RunKind, "cost_sharing_run_kind"))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "cost_sharing_run_status"),
                                              default=RunStatus.DRAFT)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("cost_sharing_run.id"))
    terms_id: Mapped[int] = mapped_column(ForeignKey("cost_sharing_terms.id"))
    budget_run_id: Mapped[int | None] = mapped_column(ForeignKey("cost_sharing_run.id"))
    inputs: Mapped[dict] = mapped_column(JSON)
    net_cost_pence: Mapped[int] = mapped_column(BigInteger)
    host_net_cost_pence: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    results: Mapped[list["CostSharingResult"]] = relationship(
        order_by="CostSharingResult.authority_id", lazy="selectin", back_populates="run")
    totals: Mapped["CostSharingTotals"] = relationship(lazy="selectin", back_populates="run")

    def __repr__(self):
        return f"<CostSharingRun {self.id} {self.financial_year} {self.kind} {self.status}>"


class CostSharingResult(tenants.OrganisationOwned, tenants.Base):
    """A member's line of a run: its contribution, its workings and, in an outturn run, its
    true-up. The host reads every line; a member reads its own lines of approved (``released``)
    runs, and never another member's."""

    __tablename__ = "cost_sharing_result"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        UniqueConstraint("run_id", "authority_id", name="uq_cost_sharing_result_run_authority"),
        Index("ix_cost_sharing_result_authority_released", "authority_id", "released"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cost_sharing_run.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    membership_days: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    true_up_pence: Mapped[int | None] = mapped_column(BigInteger)
    workings: Mapped[dict] = mapped_column(JSON)
    released: Mapped[bool] = mapped_column(Boolean, default=False)

    run: Mapped[CostSharingRun] = relationship(back_populates="results")
    authority: Mapped["tenants.Authority"] = relationship(
        foreign_keys=[authority_id], lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind is tenants.ScopeKind.HOST:
            return cls.owned_by(kind, organisation_id)
        if kind is tenants.ScopeKind.MEMBER:
            return (cls.authority_id == organisation_id) & (cls.released == true())
        return false()


class CostSharingTotals(tenants.OrganisationOwned, tenants.Base):
    """A run's region totals, the part of it every member may read once it is approved
    (``released``): the net cost, what the members pay in all, the host's net cost, the number
    of participants, each measure's total and the terms without anyone's cap (issue 14 §5)."""

    __tablename__ = "cost_sharing_totals"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        Index("ix_cost_sharing_totals_released", "released", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cost_sharing_run.id"), unique=True)
    financial_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RunKind] = mapped_column(_enum(RunKind, "cost_sharing_totals_kind"))
    net_cost_pence: Mapped[int] = mapped_column(BigInteger)
    contributions_pence: Mapped[int] = mapped_column(BigInteger)
    host_net_cost_pence: Mapped[int] = mapped_column(BigInteger)
    participants: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSON)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    run: Mapped[CostSharingRun] = relationship(back_populates="totals")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind is tenants.ScopeKind.HOST:
            return cls.owned_by(kind, organisation_id)
        if kind is tenants.ScopeKind.MEMBER:
            return cls.released == true()
        return false()


class CostSharingInvoice(tenants.OrganisationOwned, tenants.Base):
    """The host's invoice to a member for its part of an approved run (issue 14 §5): its
    contribution for a budget run, its true-up for an outturn run (a negative amount is a
    credit). Raised → paid with dates and references; overdue follows the clock (unpaid after
    ``due_on``). The host reads every invoice; a member reads its own."""

    __tablename__ = "cost_sharing_invoice"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference", name="uq_cost_sharing_invoice_reference"),
        UniqueConstraint("run_id", "authority_id", name="uq_cost_sharing_invoice_run_authority"),
        Index("ix_cost_sharing_invoice_authority", "authority_id", "raised_on"),
        CheckConstraint("due_on >= raised_on", name="due_after_raised"),
        CheckConstraint("paid_on IS NULL OR paid_on >= raised_on", name="paid_after_raised"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cost_sharing_run.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    reference: Mapped[str] = mapped_column(String(60))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    raised_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # When the member's managers and the host's administrators were told it is overdue (once).
    reminded_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    authority: Mapped["tenants.Authority"] = relationship(
        foreign_keys=[authority_id], lazy="joined")

    def status_on(self, day):
        """raised, overdue (unpaid after its due date) or paid."""
        if self.paid_on is not None:
            return "paid"
        return "overdue" if day > self.due_on else "raised"

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind is tenants.ScopeKind.HOST:
            return cls.owned_by(kind, organisation_id)
        if kind is tenants.ScopeKind.MEMBER:
            return cls.authority_id == organisation_id
        return false()
