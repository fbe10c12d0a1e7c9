"""The contract register's records (issue 13 §1): an authority owns its contracts and everything
recorded about them; a supplier registered here as a provider reads the contracts it is party to
(``supplier_provider_id``, copied onto every dependent row so each rule is one indexable column).
A supplier named only (an NHS trust, say) has no account here and reads nothing.

Money is integer pence; dates are calendar dates (Europe/London), times UTC."""
import enum
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index,
                        Integer, LargeBinary, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..uplift_rules import UpliftRuleColumns
from . import terms


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class ContractService(enum.StrEnum):
    """What a block contract buys (issue 13 §1)."""

    SPEECH_AND_LANGUAGE = "speech_and_language"
    OCCUPATIONAL_THERAPY = "occupational_therapy"
    SPEECH_AND_OCCUPATIONAL = "speech_and_occupational"
    PHYSIOTHERAPY = "physiotherapy"
    EDUCATIONAL_PSYCHOLOGY = "educational_psychology"
    OTHER = "other"

    @property
    def label(self):
        return {
            ContractService.SPEECH_AND_LANGUAGE: "Speech and language therapy",
            ContractService.OCCUPATIONAL_THERAPY: "Occupational therapy",
            ContractService.SPEECH_AND_OCCUPATIONAL:
                "Speech and language therapy and occupational therapy",
            ContractService.PHYSIOTHERAPY: "Physiotherapy",
            ContractService.EDUCATIONAL_PSYCHOLOGY: "Educational psychology",
            ContractService.OTHER: "Other service",
        }[self]


class ContractStatus(enum.StrEnum):
    """A contract's status (issue 13 §1): draft → active → in extension → expired, or
    terminated early with a reason. Only draft, active and terminated are stored
    (``Contract.state``); active, in extension and expired follow from the dates by the clock
    (:meth:`Contract.status_on`)."""

    DRAFT = "draft"
    ACTIVE = "active"
    IN_EXTENSION = "in_extension"
    EXPIRED = "expired"
    TERMINATED = "terminated"

    @property
    def label(self):
        return {ContractStatus.IN_EXTENSION: "In extension"}.get(self, self.value.capitalize())


STORED_STATES = (ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.TERMINATED)


class UpliftConvention(enum.StrEnum):
    """When a contract's uplift starts (issue 13 §3): the first year at the annual value and
    the uplift from the rule's first date after the start (the usual reading), or the
    uplift applied from year one as well."""

    FROM_FIRST_ANNIVERSARY = "from_first_anniversary"
    FROM_YEAR_ONE = "from_year_one"

    @property
    def label(self):
        return {UpliftConvention.FROM_FIRST_ANNIVERSARY:
                    "Uplifted from the first anniversary (year one at the annual value)",
                UpliftConvention.FROM_YEAR_ONE: "Uplifted from year one"}[self]


class ExtensionDecisionKind(enum.StrEnum):
    TAKEN = "taken"
    DECLINED = "declined"

    @property
    def label(self):
        return self.value.capitalize()


class KpiFrequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    TERMLY = "termly"
    ANNUALLY = "annually"

    @property
    def label(self):
        return self.value.capitalize()


class Rag(enum.StrEnum):
    """A KPI return's red, amber or green rating."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self):
        return self.value.capitalize()


class _ReadBySupplier:
    """An authority's rows about one of its contracts, which the contract's supplier reads when
    it is a provider registered here (``supplier_provider_id``, copied from the contract)."""

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return cls.supplier_provider_id == organisation_id


class Contract(_ReadBySupplier, UpliftRuleColumns, tenants.OrganisationOwned, tenants.Base):
    """A block contract an authority holds with a supplier (issue 13 §1). ``end_date`` is the
    current end (the initial term plus the extensions taken, or the day it was terminated),
    kept by the service as decisions are made so the expiry pipeline is one indexed range;
    ``next_decision_due`` likewise the date the next undecided extension must be decided by
    (None when none is left to decide)."""

    __tablename__ = "contract"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        Index("ix_contract_organisation_end", "organisation_id", "end_date", "id"),
        Index("ix_contract_organisation_decision", "organisation_id", "next_decision_due"),
        Index("ix_contract_supplier_end", "supplier_provider_id", "end_date", "id"),
        CheckConstraint("supplier_provider_id IS NOT NULL OR supplier_name IS NOT NULL",
                        name="supplier"),
        CheckConstraint("initial_term_months > 0", name="term_positive"),
        CheckConstraint("annual_value_pence >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    service: Mapped[ContractService] = mapped_column(_enum(ContractService, "contract_service"))
    description: Mapped[str | None] = mapped_column(Text)
    # A provider registered here, or any organisation named (e.g. an NHS trust).
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    annual_value_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    initial_term_months: Mapped[int] = mapped_column(Integer)
    end_date: Mapped[date] = mapped_column(Date)
    uplift_convention: Mapped[UpliftConvention] = mapped_column(
        _enum(UpliftConvention, "contract_uplift_convention"),
        default=UpliftConvention.FROM_FIRST_ANNIVERSARY,
        server_default=UpliftConvention.FROM_FIRST_ANNIVERSARY.value)
    # Extensions are decided this many months before the current end (issue 13 §2).
    decision_notice_months: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    next_decision_due: Mapped[date | None] = mapped_column(Date)
    decision_reference: Mapped[str | None] = mapped_column(String(100))
    retrospective: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    retrospective_note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ContractStatus] = mapped_column(
        _enum(ContractStatus, "contract_state"), default=ContractStatus.DRAFT)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow,
                                                 onupdate=tenants.utcnow)

    authority: Mapped["tenants.Authority"] = relationship(
        foreign_keys="Contract.organisation_id", lazy="joined")
    supplier_provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys=[supplier_provider_id], lazy="joined")
    extensions: Mapped[list["ContractExtension"]] = relationship(
        back_populates="contract", order_by="ContractExtension.number", lazy="selectin")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")

    @property
    def supplier_label(self):
        if self.supplier_provider is not None:
            return self.supplier_provider.name
        return self.supplier_name

    @property
    def initial_end(self):
        """The last day of the initial term."""
        return terms.term_end(self.start_date, self.initial_term_months)

    @property
    def taken_extensions(self):
        return [e for e in self.extensions if e.decision == ExtensionDecisionKind.TAKEN]

    @property
    def committed_end(self):
        """The last day of the initial term and the extensions taken so far (before any
        termination)."""
        return terms.end_after(self.start_date, self.initial_term_months,
                               [e.months for e in self.taken_extensions])

    @property
    def max_end(self):
        """The last day if every extension option were taken (the declined ones included: the
        most the contract could have run)."""
        return terms.end_after(self.start_date, self.initial_term_months,
                               [e.months for e in self.extensions])

    @property
    def next_extension(self):
        """The next option to decide: the first undecided one, unless an earlier one was
        declined (declining an option lets the later ones lapse)."""
        for extension in self.extensions:
            if extension.decision == ExtensionDecisionKind.DECLINED:
                return None
            if extension.decision is None:
                return extension
        return None

    def status_on(self, day):
        """draft or terminated as stored; otherwise by the clock: active to the initial term's
        end, in extension after it to the current end, expired after that."""
        if self.state in (ContractStatus.DRAFT, ContractStatus.TERMINATED):
            return self.state
        if day > self.end_date:
            return ContractStatus.EXPIRED
        if day > self.initial_end:
            return ContractStatus.IN_EXTENSION
        return ContractStatus.ACTIVE

    def __repr__(self):
        return f"<Contract {self.id} {self.reference}>"


class ContractExtension(_ReadBySupplier, tenants.OrganisationOwned, tenants.Base):
    """One extension option (e.g. 12 months), numbered from 1 in the order they may be taken,
    and its decision: taken or declined by a manager, when and why (issue 13 §2). The two
    warnings (ahead of the decision date, and once it has passed undecided) are stamped when
    sent, so the daily job sends each once."""

    __tablename__ = "contract_extension"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("contract_id", "number",
                                       name="uq_contract_extension_number"),
                      CheckConstraint("months > 0", name="months_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"),
                                                             index=True)
    number: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    decision: Mapped[ExtensionDecisionKind | None] = mapped_column(
        _enum(ExtensionDecisionKind, "contract_extension_decision"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    ahead_warned_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    overdue_warned_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    contract: Mapped[Contract] = relationship(back_populates="extensions", lazy="raise")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")

    def __repr__(self):
        return f"<ContractExtension {self.contract_id}#{self.number} {self.decision}>"


class ContractKpi(_ReadBySupplier, tenants.OrganisationOwned, tenants.Base):
    """A key performance indicator the supplier reports on (issue 13 §1), e.g. "children seen
    within 6 weeks of referral", quarterly, with its target as text."""

    __tablename__ = "contract_kpi"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (Index("ix_contract_kpi_contract", "contract_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"),
                                                             index=True)
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(200))
    frequency: Mapped[KpiFrequency] = mapped_column(_enum(KpiFrequency, "contract_kpi_frequency"))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    def __repr__(self):
        return f"<ContractKpi {self.id} {self.name!r}>"


class KpiReturn(_ReadBySupplier, tenants.OrganisationOwned, tenants.Base):
    """One period's return on a KPI: the period it covers, the figure reported and its RAG
    rating (issue 13 §1). One return per KPI and period end."""

    __tablename__ = "contract_kpi_return"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("kpi_id", "period_end",
                                       name="uq_contract_kpi_return_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("contract_kpi.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"),
                                                             index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    figure: Mapped[str] = mapped_column(String(100))
    rag: Mapped[Rag] = mapped_column(_enum(Rag, "contract_kpi_rag", length=10))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    recorded_by = relationship("User", lazy="joined")


class ContractReview(_ReadBySupplier, tenants.OrganisationOwned, tenants.Base):
    """A contract review meeting and its notes (issue 13 §1)."""

    __tablename__ = "contract_review"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (Index("ix_contract_review_contract", "contract_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"),
                                                             index=True)
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    recorded_by = relationship("User", lazy="joined")


class ContractDocument(_ReadBySupplier, tenants.OrganisationOwned, tenants.Base):
    """A document filed with a contract (the signed contract, a variation, the key decision
    report). The bytes are in :class:`ContractDocumentFile`, so listing never loads them."""

    __tablename__ = "contract_document"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (Index("ix_contract_document_contract", "contract_id", "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"),
                                                             index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[int] = mapped_column(ForeignKey("contract_document_file.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    uploaded_by = relationship("User", lazy="joined")
    file: Mapped["ContractDocumentFile"] = relationship(lazy="raise")


class ContractDocumentFile(_ReadBySupplier, tenants.OrganisationOwned, tenants.Base):
    """A contract document's bytes."""

    __tablename__ = "contract_document_file"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"),
                                                             index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ProcurementPlan(tenants.OrganisationOwned, tenants.Base):
    """A saved re-procurement plan for a contract (issue 13 §5): the regime, the date the new
    contract must start and each step's length as edited ({step key: days}); the dates are
    worked out from these by ``contracts.planner`` each time. Only the authority reads it: the
    supplier may bid for the successor."""

    __tablename__ = "contract_procurement_plan"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("contract_id", name="uq_contract_procurement_plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    regime: Mapped[str] = mapped_column(String(40))
    start_by: Mapped[date] = mapped_column(Date)
    tupe: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    step_lengths: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow,
                                                 onupdate=tenants.utcnow)
