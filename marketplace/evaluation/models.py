"""Evaluation, decisions and admissions: all host-owned.

The host evaluates in its own scope and cannot write a provider's Application, so every piece of
evaluation and outcome state lives in these tables, keyed by the application's id.
"""
import enum
from datetime import datetime

from sqlalchemy import (JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..purchasing import standstill


def _enum(cls, name, length=20):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class AdmissionStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"

    @property
    def label(self):
        return self.value.capitalize()


class Admission(tenants.OrganisationOwned, tenants.Base):
    """A provider admitted to one lot by a decision; owned by the host, readable by everyone.

    It takes effect at ``effective_at`` (the end of standstill): before then it is *pending*
    whatever ``status`` says, and it becomes active by the clock, not by a job. The host's
    administrator may suspend, reinstate or remove it with a reason. At most one admission that
    is not removed per provider and lot (a partial unique index).
    """

    __tablename__ = "admission"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        Index("uq_admission_provider_lot_current", "provider_id", "lot_id", unique=True,
              sqlite_where=text("status != 'removed'"),
              postgresql_where=text("status != 'removed'")),
        Index("ix_admission_lot_status_effective", "lot_id", "status", "effective_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), index=True)
    effective_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, index=True)
    status: Mapped[AdmissionStatus] = mapped_column(
        _enum(AdmissionStatus, "admission_status"), default=AdmissionStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Stamped by the job once the provider has been told the admission is active.
    activation_notified_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    provider: Mapped["Provider"] = relationship(foreign_keys=[provider_id])  # noqa: F821
    lot: Mapped["Lot"] = relationship(foreign_keys=[lot_id])  # noqa: F821
    decision: Mapped["Decision | None"] = relationship(back_populates="admissions")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()

    def is_pending(self, at):
        return self.status != AdmissionStatus.REMOVED and self.effective_at > at

    def state(self, at):
        """pending | active | suspended | removed, at the moment ``at``."""
        if self.status == AdmissionStatus.REMOVED:
            return "removed"
        if self.effective_at > at:
            return "pending"
        return self.status.value

    def __repr__(self):
        return f"<Admission {self.id} provider {self.provider_id} lot {self.lot_id}>"


class ConflictDeclaration(enum.StrEnum):
    NONE = "none"
    CONFLICT = "conflict"


# Quality questions are marked 0-5 against anchored descriptors (as most public-sector
# evaluations do): six steps are easier to apply consistently between evaluators than 0-100.
MARK_DESCRIPTORS = {
    0: "Unacceptable: no answer, or the answer does not meet the requirement",
    1: "Poor: significant gaps or concerns",
    2: "Weak: meets some of the requirement, with gaps",
    3: "Satisfactory: meets the requirement",
    4: "Good: meets the requirement with some added value",
    5: "Excellent: exceeds the requirement, with evidence",
}
MAX_MARK = 5


def normalised(mark):
    """A 0-5 mark on the 0-100 scale used for weighting."""
    return mark * 100 // MAX_MARK


class EvaluatorAssignment(tenants.OrganisationOwned, tenants.Base):
    """One evaluator's part in evaluating one application (host only).

    assigned → conflict declared (none: may read and score; conflict: withdrawn, the host's
    administrator assigns someone else) → scores submitted.
    """

    __tablename__ = "evaluator_assignment"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("application_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    conflict: Mapped[ConflictDeclaration | None] = mapped_column(
        _enum(ConflictDeclaration, "conflict_declaration"))
    conflict_note: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    evaluator: Mapped["User"] = relationship(foreign_keys=[evaluator_id], lazy="joined")  # noqa: F821
    scores: Mapped[list["Score"]] = relationship(
        back_populates="assignment", lazy="selectin", cascade="all, delete-orphan")

    @property
    def withdrawn(self):
        return self.conflict == ConflictDeclaration.CONFLICT

    @property
    def cleared(self):
        """Declared no conflict: may read the application."""
        return self.conflict == ConflictDeclaration.NONE

    @property
    def status_label(self):
        if self.withdrawn:
            return "Withdrawn (conflict of interest)"
        if self.conflict is None:
            return "Conflict of interest not yet declared"
        if self.submitted_at:
            return "Scores submitted"
        return "Scoring"

    def __repr__(self):
        return f"<EvaluatorAssignment {self.id} application {self.application_id}>"


class Score(tenants.OrganisationOwned, tenants.Base):
    """An evaluator's result for one question: pass/fail with a note, or a 0-5 mark with a
    comment. Drafts are saved as the evaluator goes; submitting the assignment freezes them."""

    __tablename__ = "evaluation_score"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("assignment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("evaluator_assignment.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("window_question.id"))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    mark: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[EvaluatorAssignment] = relationship(back_populates="scores")


class Moderation(tenants.OrganisationOwned, tenants.Base):
    """The moderator's agreed result for an application (host only): agreed results per
    question with notes, the weighted score, and the outcome it leads to."""

    __tablename__ = "moderation"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # {str(question_id): {"passed": bool|None, "mark": int|None, "note": str}}
    agreed: Mapped[dict] = mapped_column(JSON, default=dict)
    score_points: Mapped[int | None] = mapped_column(Integer)
    all_passed: Mapped[bool | None] = mapped_column(Boolean)
    completed_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    moderator: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class DecisionOutcome(enum.StrEnum):
    ADMITTED = "admitted"
    REJECTED = "rejected"

    @property
    def label(self):
        return {DecisionOutcome.ADMITTED: "Admitted", DecisionOutcome.REJECTED: "Rejected"}[self]


class Decision(tenants.OrganisationOwned, tenants.Base):
    """The outcome of one application: admitted to which lots, or rejected, with reasons and the
    agreed scores against the pass mark (a snapshot, so the letter never changes).

    Owned by the host; the provider it is about may read it once it has been issued.
    recorded (by moderation) → issued (provider notified, standstill runs).
    """

    __tablename__ = "decision"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("admission_window.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(_enum(DecisionOutcome, "decision_outcome"))
    lot_ids: Mapped[list] = mapped_column(JSON, default=list)
    reasons: Mapped[str] = mapped_column(Text)
    # Snapshot: [{"number", "text", "kind", "weight", "passed", "mark", "normalised", "note"}]
    scores: Mapped[list] = mapped_column(JSON, default=list)
    score_points: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    all_passed: Mapped[bool] = mapped_column(Boolean)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime, index=True)
    standstill_rule: Mapped[str | None] = mapped_column(String(30))
    standstill_ends_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    provider: Mapped["Provider"] = relationship(foreign_keys=[provider_id], lazy="joined")  # noqa: F821
    admissions: Mapped[list[Admission]] = relationship(back_populates="decision")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return (cls.provider_id == organisation_id) & cls.notified_at.is_not(None)

    @property
    def weighted_score(self):
        return self.score_points / 100

    @property
    def issued(self):
        return self.notified_at is not None

    @property
    def standstill(self):
        """The standstill this decision recorded when issued (its own rule and end)."""
        return standstill.recorded(self.standstill_rule, self.standstill_ends_at)

    def __repr__(self):
        return f"<Decision {self.id} application {self.application_id}>"


from ..accounts.models import User  # noqa: E402,F401
from ..providers.models import Provider  # noqa: E402,F401  (relationship targets)
from ..purchasing.models import Lot  # noqa: E402,F401
