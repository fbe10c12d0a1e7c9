"""Organisations: the authorities that are tenants of the purchasing system, and the base that
providers extend in the domain."""
import csv
import enum
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources

from sqlalchemy import Date, Enum, ForeignKey, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class OrganisationKind(enum.StrEnum):
    AUTHORITY = "authority"
    PROVIDER = "provider"


class AuthorityRole(enum.StrEnum):
    HOST = "host"
    MEMBER = "member"


class AuthorityStatus(enum.StrEnum):
    """Administrative status; membership itself follows ``joined_on`` and ``left_on``."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


def _enum(cls, name):
    return Enum(
        cls, name=name, native_enum=False, create_constraint=True, length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Organisation(Base):
    """Anything a user can belong to: an authority or a provider."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_abstract": True}

    @property
    def is_host(self):
        return False

    def __repr__(self):
        return f"<{type(self).__name__} {self.id} {self.name!r}>"


class Authority(Organisation):
    """A local authority: the host of the purchasing system or one of its members (tenants)."""

    __tablename__ = "authority"

    id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    ons_code: Mapped[str] = mapped_column(String(9), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[AuthorityRole] = mapped_column(
        _enum(AuthorityRole, "authority_role"), default=AuthorityRole.MEMBER
    )
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[AuthorityStatus] = mapped_column(
        _enum(AuthorityStatus, "authority_status"), default=AuthorityStatus.ACTIVE
    )

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.AUTHORITY}

    @property
    def is_host(self):
        return self.role == AuthorityRole.HOST


@dataclass(frozen=True)
class ReferenceAuthority:
    ons_code: str
    name: str
    slug: str
    kind: str


def reference_authorities():
    """The North West authorities with their ONS codes, from the package's reference data."""
    text = resources.files("tenants").joinpath("data/north_west_authorities.csv").read_text("utf-8")
    return [ReferenceAuthority(**row) for row in csv.DictReader(text.splitlines())]


def find_organisation(session, identifier):
    """An organisation by authority slug, ONS code, or exact name; None if there is none."""
    identifier = (identifier or "").strip()
    authority = session.scalars(select(Authority).where(
        or_(Authority.slug == identifier.lower(), Authority.ons_code == identifier.upper())
    )).first()
    return authority or session.scalars(
        select(Organisation).where(Organisation.name == identifier)).first()

