"""Call-offs: a member authority's request for one child's placement, the providers it invites,
their clarification questions and sealed offers, the officer's evaluation, the award and the
placement it becomes.

Who owns which row follows who writes it (writes are scoped to one organisation):

- the authority owns the call-off, its exclusions and invitations, the answers it publishes,
  its quality marks, its awards and the placement;
- a provider owns its questions, its offers and the receipt that tells the authority only that
  a response has arrived.

Visibility (``__visible_to__``) is where the sealing lives: an offer is visible to the
authority that issued the call-off only once the response deadline has passed, by the clock in
the query itself, so no page, API, export or notification can read it sooner.
"""
import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (JSON, BigInteger, Boolean, Date, Enum, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, and_, or_, select, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..purchasing import standstill
from ..children import ChildGender  # noqa: F401  (the call-off's child, as the placement's)
from ..placements.models import WeeklyFees
from ..purchasing.models import PlacementType
from ..uplift_rules import UpliftRuleColumns


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class CallOffStatus(enum.StrEnum):
    """Stored status. ``open`` reads as ``closed`` once the response deadline has passed (see
    :meth:`CallOff.status_at`): the clock, not a job, closes a call-off."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"  # never stored: an open call-off past its deadline
    EVALUATING = "evaluating"
    AWARDED = "awarded"
    PLACED = "placed"
    CANCELLED = "cancelled"
    NO_SUITABLE_OFFER = "no_suitable_offer"

    @property
    def label(self):
        return {
            CallOffStatus.DRAFT: "Draft",
            CallOffStatus.OPEN: "Open for offers",
            CallOffStatus.CLOSED: "Closed: offers opened",
            CallOffStatus.EVALUATING: "Evaluating",
            CallOffStatus.AWARDED: "Awarded",
            CallOffStatus.PLACED: "Placed",
            CallOffStatus.CANCELLED: "Cancelled",
            CallOffStatus.NO_SUITABLE_OFFER: "No suitable offer",
        }[self]

    @property
    def tag_colour(self):
        return {
            CallOffStatus.DRAFT: "grey",
            CallOffStatus.OPEN: "blue",
            CallOffStatus.CLOSED: "yellow",
            CallOffStatus.EVALUATING: "yellow",
            CallOffStatus.AWARDED: "turquoise",
            CallOffStatus.PLACED: "green",
            CallOffStatus.CANCELLED: "red",
            CallOffStatus.NO_SUITABLE_OFFER: "orange",
        }[self]

    @property
    def finished(self):
        return self in (CallOffStatus.PLACED, CallOffStatus.CANCELLED,
                        CallOffStatus.NO_SUITABLE_OFFER)


class Route(enum.StrEnum):
    COMPETITION = "competition"
    DIRECT_AWARD = "direct_award"

    @property
    def label(self):
        return {Route.COMPETITION: "Competition among admitted providers",
                Route.DIRECT_AWARD: "Direct award"}[self]


class DirectAwardReason(enum.StrEnum):
    PARENTAL_PREFERENCE = "parental_preference"
    TRIBUNAL_ORDER = "tribunal_order"
    CONTINUITY = "continuity"
    QPL = "qpl"

    @property
    def label(self):
        return {
            DirectAwardReason.PARENTAL_PREFERENCE: "Parental preference (Children and Families "
                                                   "Act 2014, s.39)",
            DirectAwardReason.TRIBUNAL_ORDER: "SEND Tribunal order naming the school",
            DirectAwardReason.CONTINUITY: "Continuity of an existing placement",
            DirectAwardReason.QPL: "Qualified provider list call-off",
        }[self]


class CallOff(UpliftRuleColumns, tenants.OrganisationOwned, tenants.Base):
    """One child's placement request by one authority (its owner).

    The child is pseudonymised: the authority's own case reference, birth year, gender, need
    codes and home postcode district only. Invited providers read the call-off once it is
    published; nobody else does.
    """

    __tablename__ = "call_off"
    __table_args__ = (
        # The dashboards' counts by status, and of those past their deadline, index only.
        Index("ix_call_off_organisation_status_deadline", "organisation_id", "status",
              "response_deadline"),
        # The authority's list, newest first: a page is read in order from the index.
        Index("ix_call_off_organisation_created", "organisation_id", "created_at", "id"),
        UniqueConstraint("organisation_id", "reference"),
    )
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    route: Mapped[Route] = mapped_column(_enum(Route, "call_off_route"), default=Route.COMPETITION)
    direct_award_reason: Mapped[DirectAwardReason | None] = mapped_column(
        _enum(DirectAwardReason, "direct_award_reason"))
    direct_award_note: Mapped[str | None] = mapped_column(Text)
    direct_provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))

    # The child (pseudonymised).
    case_reference: Mapped[str] = mapped_column(String(30))
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[ChildGender] = mapped_column(_enum(ChildGender, "child_gender"))
    primary_need: Mapped[str] = mapped_column(String(10))
    secondary_needs: Mapped[list] = mapped_column(JSON, default=list)
    postcode_district: Mapped[str] = mapped_column(String(4))
    ehcp_summary: Mapped[str] = mapped_column(Text, default="")

    # The placement sought.
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    placement_type: Mapped[PlacementType] = mapped_column(
        _enum(PlacementType, "call_off_placement_type"))
    start_date: Mapped[date] = mapped_column(Date)
    length_weeks: Mapped[int] = mapped_column(Integer)
    requirements: Mapped[str] = mapped_column(Text, default="")
    local_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("local_schedule.id"))
    # The schedule's text as published, so later edits do not change an issued call-off.
    local_schedule_revision: Mapped[int | None] = mapped_column(Integer)
    local_schedule_title: Mapped[str | None] = mapped_column(String(200))
    local_schedule_body: Mapped[str | None] = mapped_column(Text)
    quality_weight: Mapped[int] = mapped_column(Integer, default=60)
    price_weight: Mapped[int] = mapped_column(Integer, default=40)

    # Timetable.
    response_deadline: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime, index=True)
    questions_close_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    # Specification versions in force at publication (ids), recorded on the placement too.
    specification_version_ids: Mapped[list] = mapped_column(JSON, default=list)

    status: Mapped[CallOffStatus] = mapped_column(
        _enum(CallOffStatus, "call_off_status"), default=CallOffStatus.DRAFT)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    opened_notice_sent_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    authority: Mapped["tenants.Authority"] = relationship(
        foreign_keys="CallOff.organisation_id", lazy="joined")
    lot: Mapped["Lot"] = relationship(lazy="joined")  # noqa: F821
    # Shown on one call-off's page and in the API, never in the web lists: loaded when read
    # (the API's list joins it in for its page), not joined into every call-off query.
    direct_provider: Mapped["Provider | None"] = relationship(  # noqa: F821
        foreign_keys=[direct_provider_id], lazy="select")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return cls.id.in_(_invited_to(organisation_id))

    def status_at(self, now):
        if (self.status == CallOffStatus.OPEN and self.response_deadline is not None
                and now >= self.response_deadline):
            return CallOffStatus.CLOSED
        return self.status

    def is_sealed(self, now):
        """Offers are unreadable by the authority until the response deadline."""
        return self.response_deadline is None or now < self.response_deadline

    @property
    def end_date(self):
        return self.start_date + timedelta(weeks=self.length_weeks)

    def age_at_start(self):
        """The ages the child may be on the start date, knowing only the birth year."""
        years = self.start_date.year - self.birth_year
        return (years - 1, years)

    def __repr__(self):
        return f"<CallOff {self.id} {self.reference}>"


class CallOffExclusion(tenants.OrganisationOwned, tenants.Base):
    """An eligible provider the officer removed from the invitation list, with the reason."""

    __tablename__ = "call_off_exclusion"
    __table_args__ = (UniqueConstraint("call_off_id", "provider_id"),)
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    reason: Mapped[str] = mapped_column(Text)
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    excluded_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys="CallOffExclusion.provider_id", lazy="joined")


class CallOffInvitation(tenants.OrganisationOwned, tenants.Base):
    """A provider invited to respond to a published call-off; the provider reads it too."""

    __tablename__ = "call_off_invitation"
    __table_args__ = (
        UniqueConstraint("call_off_id", "provider_id"),
        # A provider's call-offs: the visibility rules' ``call_off_id IN (...)``, index only.
        Index("ix_call_off_invitation_provider_call_off", "provider_id", "call_off_id"),
        # A provider's list, newest invitation first: a page is read in order from the index.
        Index("ix_call_off_invitation_provider_invited", "provider_id", "invited_at", "id"),
    )
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    invited_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    call_off: Mapped[CallOff] = relationship(lazy="joined")
    provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys="CallOffInvitation.provider_id", lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return cls.provider_id == organisation_id


# The visibility rules' subqueries read the tables through aliases of their own: the outer query
# may join the same table (an invitation's call-off, an offer's call-off), and a subquery that
# shared it would be correlated away. Each is an uncorrelated ``IN (SELECT ...)`` on an indexed
# column, which PostgreSQL runs once, from an index, and joins to the outer rows.

def _invited_to(provider_id):
    """SQL: the ids of the call-offs the provider is invited to."""
    invitation = CallOffInvitation.__table__.alias("visible_invitation")
    return select(invitation.c.call_off_id).where(invitation.c.provider_id == provider_id)


def _issued_by(authority_id, *conditions):
    """SQL: the ids of the call-offs the authority issued (that meet ``conditions``)."""
    call_off = CallOff.__table__.alias("visible_call_off")
    return select(call_off.c.id).where(call_off.c.organisation_id == authority_id,
                                       *(condition(call_off.c) for condition in conditions))


class ClarificationQuestion(tenants.OrganisationOwned, tenants.Base):
    """A question from an invited provider (its owner); the issuing authority reads it. Other
    providers only ever see the published answer, never who asked."""

    __tablename__ = "clarification_question"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    asked_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.call_off_id.in_(_issued_by(organisation_id))
        return cls.owned_by(kind, organisation_id)


class ClarificationAnswer(tenants.OrganisationOwned, tenants.Base):
    """The authority's one answer to a question, published with the question's text (and not
    its asker) to every invited provider."""

    __tablename__ = "clarification_answer"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("clarification_question.id"),
                                             unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return cls.call_off_id.in_(_invited_to(organisation_id))


class Offer(WeeklyFees, tenants.OrganisationOwned, tenants.Base):
    """A provider's response to a call-off: an offer to meet the need with its fees, or a
    decline with a reason. One per provider and call-off; editable and withdrawable until the
    deadline.

    Sealed: the issuing authority sees it only when the query runs at or after the call-off's
    response deadline, and never a withdrawn one's figures before then either.
    """

    __tablename__ = "offer"
    __table_args__ = (UniqueConstraint("call_off_id", "organisation_id"),)
    __owner_kind__ = tenants.OrganisationKind.PROVIDER

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    can_meet_need: Mapped[bool] = mapped_column(Boolean)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    chargeable_weeks: Mapped[str] = mapped_column(String(10), default="0")
    available_from: Mapped[date | None] = mapped_column(Date)
    statement: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys="Offer.organisation_id", lazy="joined")
    call_off: Mapped[CallOff] = relationship(lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if not kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        # The issuing authority, once the deadline has passed. A direct award has one provider
        # and no competition to protect: its authority reads the offer as soon as it arrives.
        return cls.call_off_id.in_(_issued_by(organisation_id, lambda call_off: or_(
            call_off.response_deadline <= now, call_off.route == Route.DIRECT_AWARD.value)))

    @property
    def withdrawn(self):
        return self.withdrawn_at is not None

    def __repr__(self):
        return f"<Offer {self.id} call-off {self.call_off_id} provider {self.organisation_id}>"


class OfferReceipt(tenants.OrganisationOwned, tenants.Base):
    """That a provider has a response in (and nothing about it): the authority may count these
    before the deadline, and the deadline reminder skips their providers. Removed on withdrawal.
    """

    __tablename__ = "offer_receipt"
    __table_args__ = (UniqueConstraint("call_off_id", "organisation_id"),)
    __owner_kind__ = tenants.OrganisationKind.PROVIDER

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.call_off_id.in_(_issued_by(organisation_id))
        return cls.owned_by(kind, organisation_id)


class QualityMark(tenants.OrganisationOwned, tenants.Base):
    """The officer's quality mark (0-100) for one offer, with notes: the authority's only."""

    __tablename__ = "quality_mark"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id"), unique=True)
    mark: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)


class AwardStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    AWARDED = "awarded"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    APPROVAL_REFUSED = "approval_refused"

    @property
    def label(self):
        return {
            AwardStatus.AWAITING_APPROVAL: "Awaiting manager's approval",
            AwardStatus.AWARDED: "Awarded: awaiting the provider",
            AwardStatus.ACCEPTED: "Accepted",
            AwardStatus.DECLINED: "Declined by the provider",
            AwardStatus.REVOKED: "Revoked",
            AwardStatus.APPROVAL_REFUSED: "Approval refused",
        }[self]

    @property
    def live(self):
        return self in LIVE_AWARD_STATUSES


LIVE_AWARD_STATUSES = (AwardStatus.AWAITING_APPROVAL, AwardStatus.AWARDED, AwardStatus.ACCEPTED)
_LIVE_SQL = "status IN ('awaiting_approval', 'awarded', 'accepted')"


class Award(tenants.OrganisationOwned, tenants.Base):
    """An authority's award of a call-off to one offer. At most one live award per call-off
    (awaiting approval, awarded or accepted): a partial unique index, so two officers awarding
    at once cannot both succeed on any database. The provider sees it once it is made."""

    __tablename__ = "award"
    __table_args__ = (
        Index("uq_award_call_off_live", "call_off_id", unique=True,
              sqlite_where=text(_LIVE_SQL), postgresql_where=text(_LIVE_SQL)),
    )
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_off.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    status: Mapped[AwardStatus] = mapped_column(_enum(AwardStatus, "award_status"))
    rank: Mapped[int | None] = mapped_column(Integer)
    justification: Mapped[str | None] = mapped_column(Text)
    annual_cost_pence: Mapped[int] = mapped_column(Integer)
    # The offer's cost over the placement's whole length (issue 12 §7), which the delegation
    # limit is compared with.
    total_value_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    approval_note: Mapped[str | None] = mapped_column(Text)
    made_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    # The call-off standstill rule in force when the award was made (purchasing.StandstillRule)
    standstill_rule: Mapped[str | None] = mapped_column(String(30))
    standstill_ends_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)

    call_off: Mapped[CallOff] = relationship(lazy="joined")
    offer: Mapped[Offer] = relationship(lazy="raise")
    provider: Mapped["Provider"] = relationship(  # noqa: F821
        foreign_keys="Award.provider_id", lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind.is_authority:
            return cls.owned_by(kind, organisation_id)
        return and_(cls.provider_id == organisation_id, cls.made_at.is_not(None))

    @property
    def standstill(self):
        """The standstill this award recorded when made (its own rule and end); the officer's
        page, the provider's page, the email and the API all read it from here."""
        return standstill.recorded(self.standstill_rule, self.standstill_ends_at,
                                   started_at=self.made_at)

    def __repr__(self):
        return f"<Award {self.id} call-off {self.call_off_id} {self.status}>"


class DelegationLimit(tenants.OrganisationOwned, tenants.Base):
    """An authority's delegation limit: awards whose annual cost exceeds it need a manager's
    approval. Set by the authority's manager; no row means no limit has been set."""

    __tablename__ = "delegation_limit"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    annual_limit_pence: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
