import enum
from datetime import datetime

from sqlalchemy import (Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        event, inspect, or_, select, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants

from ..accounts.models import User
from ..purchasing.models import Lot


def _enum(cls, name, length=30):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


class SpecificationKind(enum.StrEnum):
    """Which part of the contract a specification is; core and contract terms bind every
    provider, a lot specification only those called off under its lot."""

    CORE = "core"
    LOT = "lot"
    CONTRACT_TERMS = "contract_terms"

    @property
    def label(self):
        return {
            SpecificationKind.CORE: "Core service specification",
            SpecificationKind.LOT: "Lot specification",
            SpecificationKind.CONTRACT_TERMS: "Contract terms",
        }[self]


class ImmutableVersion(Exception):
    """A flush tried to change a published specification version."""


class Specification(tenants.OrganisationOwned, tenants.Base):
    """A document with numbered versions, kept by the host. Everyone may read it (its drafts are
    hidden by :class:`SpecificationVersion`'s own rule)."""

    __tablename__ = "specification"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SpecificationKind] = mapped_column(
        _enum(SpecificationKind, "specification_kind"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    lot: Mapped[Lot | None] = relationship(lazy="joined")
    versions: Mapped[list["SpecificationVersion"]] = relationship(
        back_populates="specification", order_by="SpecificationVersion.number",
        lazy="selectin")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true()

    @property
    def published_versions(self):
        return [v for v in self.versions if v.is_published]

    @property
    def latest_published(self):
        published = self.published_versions
        return published[-1] if published else None

    @property
    def draft(self):
        return next((v for v in self.versions if not v.is_published), None)

    def version_in_force(self, at):
        """The published version with the latest effective time at or before ``at``."""
        in_force = [v for v in self.published_versions if v.effective_at <= at]
        return max(in_force, key=lambda v: (v.effective_at, v.number), default=None)

    def upcoming_versions(self, at):
        return [v for v in self.published_versions if v.effective_at > at]

    @property
    def current_version(self):
        """The version in force now."""
        return self.version_in_force(tenants.utcnow())

    def status_of(self, version, at):
        """"draft", "in_force", "upcoming" or "superseded" at ``at``."""
        if not version.is_published:
            return "draft"
        if version.effective_at > at:
            return "upcoming"
        return "in_force" if version is self.version_in_force(at) else "superseded"

    def __repr__(self):
        return f"<Specification {self.id} {self.kind}>"


class SpecificationVersion(tenants.OrganisationOwned, tenants.Base):
    """One numbered version of a specification: a draft only the host may read, or published
    (then immutable, and in force from ``effective_at``)."""

    __tablename__ = "specification_version"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (
        UniqueConstraint("specification_id", "number"),
        Index("ix_specification_version_in_force", "specification_id", "published_at",
              "effective_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("specification.id"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    summary_of_changes: Mapped[str] = mapped_column(Text, default="")
    # The start of the effective day in Europe/London, kept in UTC; set when published.
    effective_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    specification: Mapped[Specification] = relationship(back_populates="versions",
                                                        lazy="joined")

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return or_(cls.owned_by(kind, organisation_id), cls.published_at.is_not(None))

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def label(self):
        return f"Version {self.number}"

    @property
    def status(self):
        """"draft", "in_force", "upcoming" or "superseded", now."""
        return self.specification.status_of(self, tenants.utcnow())

    def __repr__(self):
        return f"<SpecificationVersion {self.id} {self.specification_id} v{self.number}>"


_FROZEN = ("specification_id", "number", "body", "summary_of_changes", "effective_at",
           "published_at", "published_by_id")


def _published_before(connection, target):
    state = inspect(target)
    if "published_at" in state.unloaded:
        return connection.scalar(select(SpecificationVersion.published_at).where(
            SpecificationVersion.id == target.id)) is not None
    history = state.attrs.published_at.history
    return (history.deleted or history.unchanged or [None])[0] is not None


@event.listens_for(SpecificationVersion, "before_update")
def _refuse_changes_to_published(mapper, connection, target):
    """The last line of defence: the services refuse first, with a message for people."""
    if not _published_before(connection, target):
        return
    state = inspect(target)
    changed = [name for name in _FROZEN if state.attrs[name].history.has_changes()]
    if changed:
        raise ImmutableVersion(f"{target!r} is published; cannot change {', '.join(changed)}")


@event.listens_for(SpecificationVersion, "before_delete")
def _refuse_deleting_published(mapper, connection, target):
    if _published_before(connection, target):
        raise ImmutableVersion(f"{target!r} is published; it cannot be deleted")


class SpecificationAcceptance(tenants.OrganisationOwned, tenants.Base):
    """A provider's acceptance of one published version. The provider owns it; the host and
    every member authority read it (call-offs invite only providers that have accepted)."""

    __tablename__ = "specification_acceptance"
    __owner_kind__ = tenants.OrganisationKind.PROVIDER
    __table_args__ = (UniqueConstraint("organisation_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("specification_version.id"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    # None for an acceptance recorded outside the service (on paper before it started).
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    version: Mapped[SpecificationVersion] = relationship(lazy="joined")
    provider: Mapped[tenants.Organisation] = relationship(
        lazy="joined", foreign_keys="SpecificationAcceptance.organisation_id", viewonly=True)

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return true() if kind.is_authority else cls.owned_by(kind, organisation_id)

    def __repr__(self):
        return f"<SpecificationAcceptance {self.id} v{self.version_id} by {self.organisation_id}>"


class LocalSchedule(tenants.OrganisationOwned, tenants.Base):
    """An authority's own additional requirements, attached to its call-offs. Only that
    authority reads it; each save keeps a numbered revision, so a call-off can cite the text it
    was issued with."""

    __tablename__ = "local_schedule"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    archived_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    updated_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)

    revisions: Mapped[list["LocalScheduleRevision"]] = relationship(
        back_populates="schedule", order_by="LocalScheduleRevision.number.desc()",
        lazy="select")

    def __repr__(self):
        return f"<LocalSchedule {self.id} r{self.revision}>"


class LocalScheduleRevision(tenants.OrganisationOwned, tenants.Base):
    """The text of a local schedule as saved at one time (revision 1 is the first)."""

    __tablename__ = "local_schedule_revision"
    __owner_kind__ = tenants.OrganisationKind.AUTHORITY
    __table_args__ = (UniqueConstraint("schedule_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("local_schedule.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    schedule: Mapped[LocalSchedule] = relationship(back_populates="revisions")
    saved_by: Mapped[User | None] = relationship(lazy="joined")
