"""Admission windows, the host's questionnaire, and providers' applications to join the system.

The host owns the library questionnaire (only the host reads it), the windows and the questions
copied into each window (everyone reads those). A provider owns its application: the host reads it
only once it has been submitted, never a draft.
"""
import enum
from datetime import datetime

from sqlalchemy import (JSON, Column, Enum, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint, and_, case, literal, or_, select, true)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class QuestionKind(enum.StrEnum):
    PASS_FAIL = "pass_fail"
    SCORED = "scored"

    @property
    def label(self):
        return {QuestionKind.PASS_FAIL: "Pass or fail", QuestionKind.SCORED: "Scored"}[self]


class QuestionCategory(enum.StrEnum):
    """What a pass/fail question checks."""

    REGISTRATIONS = "registrations"
    INSURANCE = "insurance"
    SAFEGUARDING = "safeguarding"
    EXCLUSION_GROUNDS = "exclusion_grounds"

    @property
    def label(self):
        return {
            QuestionCategory.REGISTRATIONS: "Registrations",
            QuestionCategory.INSURANCE: "Insurance levels",
            QuestionCategory.SAFEGUARDING: "Safeguarding",
            QuestionCategory.EXCLUSION_GROUNDS: "Exclusion grounds",
        }[self]


class WindowStatus(enum.StrEnum):
    """Where a window is in its life; it follows the clock and the evaluation stamps."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    EVALUATING = "evaluating"
    STANDSTILL = "standstill"
    CONCLUDED = "concluded"

    @property
    def label(self):
        return self.value.capitalize()

    @property
    def tag_colour(self):
        return {
            WindowStatus.SCHEDULED: "govuk-tag--grey",
            WindowStatus.OPEN: "govuk-tag--green",
            WindowStatus.CLOSED: "govuk-tag--yellow",
            WindowStatus.EVALUATING: "govuk-tag--blue",
            WindowStatus.STANDSTILL: "govuk-tag--purple",
            WindowStatus.CONCLUDED: "govuk-tag--grey",
        }[self]


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self):
        return self.value.capitalize()


class Questionnaire(tenants.OrganisationOwned, tenants.Base):
    """The host's library questionnaire, copied into each window when it is planned.

    Only the host reads it. The host has one; scored questions' weights must sum to 100 (checked
    when a window is planned from it), and ``pass_mark`` (0–100) applies to the weighted score.
    """

    __tablename__ = "questionnaire"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    updated_at: Mapped[datetime] = mapped_column(
        tenants.UtcDateTime, default=tenants.utcnow, onupdate=tenants.utcnow)

    questions: Mapped[list["QuestionnaireQuestion"]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireQuestion.number",
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def pass_fail_questions(self):
        return [q for q in self.questions if q.kind == QuestionKind.PASS_FAIL]

    @property
    def scored_questions(self):
        return [q for q in self.questions if q.kind == QuestionKind.SCORED]

    @property
    def total_weight(self):
        return sum(q.weight or 0 for q in self.scored_questions)

    def __repr__(self):
        return f"<Questionnaire {self.id}>"


class _QuestionFields:
    """The fields a library question and its copy in a window share."""

    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, "question_kind", 20))
    # Pass/fail questions only.
    category: Mapped[QuestionCategory | None] = mapped_column(
        _enum(QuestionCategory, "question_category", 30))
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    # Scored questions only: percentage of the quality score; a questionnaire's weights sum to 100.
    weight: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_scored(self):
        return self.kind == QuestionKind.SCORED


class QuestionnaireQuestion(_QuestionFields, tenants.OrganisationOwned, tenants.Base):
    """A question in the host's library questionnaire, numbered from 1 in order."""

    __tablename__ = "questionnaire_question"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    def __repr__(self):
        return f"<QuestionnaireQuestion {self.id} #{self.number}>"


window_lot = Table(
    "window_lot", tenants.Base.metadata,
    Column("window_id", ForeignKey("admission_window.id"), primary_key=True),
    Column("lot_id", ForeignKey("lot.id"), primary_key=True, index=True),
)


class AdmissionWindow(tenants.OrganisationOwned, tenants.Base):
    """A period in which providers apply to join lots of the purchasing system.

    Owned by the host, readable by everyone. ``closes_at`` is NULL for an always-open window (a
    QPL or a dynamic market). Its status follows the clock (see :meth:`status_at`); the
    evaluation stamps (``evaluation_started_at``, ``decisions_issued_at``, ``standstill_ends_at``)
    are set by the evaluation package.
    """

    __tablename__ = "admission_window"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (Index("ix_admission_window_opens_closes", "opens_at", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("purchasing_system.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    pass_mark: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    # Stamped by the jobs once every provider has been told.
    opened_notified_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    close_reminder_sent_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    # Set by the evaluation package.
    evaluation_started_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    decisions_issued_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    standstill_ends_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    system: Mapped["PurchasingSystem"] = relationship(lazy="joined")  # noqa: F821
    lots: Mapped[list["Lot"]] = relationship(  # noqa: F821
        secondary=window_lot, order_by="Lot.code", lazy="selectin")
    questions: Mapped[list["WindowQuestion"]] = relationship(
        back_populates="window", order_by="WindowQuestion.number",
        cascade="all, delete-orphan", lazy="selectin")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()

    @property
    def always_open(self):
        return self.closes_at is None

    @hybrid_method
    def status_at(self, now=None):
        """The status at ``now`` (default the current time)."""
        now = now or tenants.utcnow()
        if now < self.opens_at:
            return WindowStatus.SCHEDULED
        if self.closes_at is None or now < self.closes_at:
            return WindowStatus.OPEN
        if self.evaluation_started_at is None:
            return WindowStatus.CLOSED
        if self.decisions_issued_at is None:
            return WindowStatus.EVALUATING
        if self.standstill_ends_at is not None and now < self.standstill_ends_at:
            return WindowStatus.STANDSTILL
        return WindowStatus.CONCLUDED

    @status_at.expression
    def status_at(cls, now=None):
        """SQL for the status at ``now``, so lists can filter and group by it."""
        now = now or tenants.utcnow()
        return case(
            (cls.opens_at > now, literal(WindowStatus.SCHEDULED.value)),
            (or_(cls.closes_at.is_(None), cls.closes_at > now), literal(WindowStatus.OPEN.value)),
            (cls.evaluation_started_at.is_(None), literal(WindowStatus.CLOSED.value)),
            (cls.decisions_issued_at.is_(None), literal(WindowStatus.EVALUATING.value)),
            (and_(cls.standstill_ends_at.is_not(None), cls.standstill_ends_at > now),
             literal(WindowStatus.STANDSTILL.value)),
            else_=literal(WindowStatus.CONCLUDED.value),
        )

    @property
    def status(self):
        return self.status_at()

    def accepts_applications_at(self, now):
        """Providers may start, edit and submit applications: the window is open at ``now``."""
        return self.status_at(now) == WindowStatus.OPEN

    @property
    def pass_fail_questions(self):
        return [q for q in self.questions if q.kind == QuestionKind.PASS_FAIL]

    @property
    def scored_questions(self):
        return [q for q in self.questions if q.kind == QuestionKind.SCORED]

    def __repr__(self):
        return f"<AdmissionWindow {self.id} {self.title!r}>"


class WindowQuestion(_QuestionFields, tenants.OrganisationOwned, tenants.Base):
    """A question copied from the library into a window when it was planned, so later edits to
    the library leave a live window alone. Owned by the host, readable by everyone."""

    __tablename__ = "window_question"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("window_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("admission_window.id"), index=True)

    window: Mapped[AdmissionWindow] = relationship(back_populates="questions")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()

    def __repr__(self):
        return f"<WindowQuestion {self.id} window {self.window_id} #{self.number}>"


class Application(tenants.OrganisationOwned, tenants.Base):
    """A provider's application to a window: answers to the window's questions and the lots it
    applies for with indicative fees. ``organisation_id`` is the provider.

    The provider reads and edits it while the window is open; the host reads it only once
    submitted (never a draft). One per provider per window. ``answers`` maps
    ``str(window_question_id)`` to ``{"answer": "yes"|"no"|text, "evidence": text}``.
    """

    __tablename__ = "application"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (
        UniqueConstraint("window_id", "organisation_id"),
        Index("ix_application_window_submitted", "window_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("admission_window.id"), index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    # The latest submission; NULL while a draft.
    submitted_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    window: Mapped[AdmissionWindow] = relationship(lazy="joined")
    provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys="Application.organisation_id", lazy="joined")
    lots: Mapped[list["ApplicationLot"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", lazy="selectin",
        order_by="ApplicationLot.lot_id")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind is tenants.ScopeKind.HOST:
            return cls.submitted_at.is_not(None)
        return cls.owned_by(kind, organisation_id)

    @property
    def provider_id(self):
        return self.organisation_id

    @property
    def status(self):
        return ApplicationStatus.SUBMITTED if self.submitted_at else ApplicationStatus.DRAFT

    @property
    def lot_ids(self):
        return [a.lot_id for a in self.lots]

    def answer_to(self, question):
        return (self.answers or {}).get(str(question.id), {})

    def __repr__(self):
        return f"<Application {self.id} window {self.window_id} provider {self.organisation_id}>"


class ApplicationLot(tenants.OrganisationOwned, tenants.Base):
    """A lot an application is for, with the provider's indicative weekly (or hourly) fee per
    placement type of the lot, in pence: ``{"day": 125000, ...}``. Visible like its application.
    """

    __tablename__ = "application_lot"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (UniqueConstraint("application_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    fees: Mapped[dict] = mapped_column(JSON, default=dict)

    application: Mapped[Application] = relationship(back_populates="lots")
    lot: Mapped["Lot"] = relationship(lazy="joined")  # noqa: F821

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind is tenants.ScopeKind.HOST:
            # The application's table, not its class: no second visibility rule in the
            # subquery.
            table = Application.__table__.alias("visible_application")
            return cls.application_id.in_(
                select(table.c.id).where(table.c.submitted_at.is_not(None)))
        return cls.owned_by(kind, organisation_id)

    def __repr__(self):
        return f"<ApplicationLot {self.id} application {self.application_id} lot {self.lot_id}>"


from ..providers.models import Provider  # noqa: E402,F401  (relationship targets)
from ..purchasing.models import Lot, PurchasingSystem  # noqa: E402,F401
