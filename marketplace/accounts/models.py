import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

import tenants


class Role(enum.StrEnum):
    HOST_ADMIN = "host_admin"
    EVALUATOR = "evaluator"
    PLACEMENT_OFFICER = "placement_officer"
    AUTHORITY_MANAGER = "authority_manager"
    PROVIDER_USER = "provider_user"

    @property
    def label(self):
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.HOST_ADMIN: "Host administrator",
    Role.EVALUATOR: "Evaluator",
    Role.PLACEMENT_OFFICER: "Placement officer",
    Role.AUTHORITY_MANAGER: "Authority manager",
    Role.PROVIDER_USER: "Provider user",
}


def roles_for(organisation):
    """The roles a user of ``organisation`` may hold (DESIGN §2)."""
    if organisation.kind == tenants.OrganisationKind.PROVIDER:
        return [Role.PROVIDER_USER]
    authority_roles = [Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER]
    if organisation.is_host:
        return [Role.HOST_ADMIN, Role.EVALUATOR, *authority_roles]
    return authority_roles


class UserStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=30,
                values_callable=lambda members: [m.value for m in members])


class User(tenants.OrganisationOwned, UserMixin, tenants.Base):
    """A person, belonging to exactly one organisation."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    status: Mapped[UserStatus] = mapped_column(_enum(UserStatus, "user_status"),
                                               default=UserStatus.INVITED)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    # Part of the session cookie's user id: bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[tenants.Organisation] = relationship(lazy="joined")
    credential: Mapped["Credential"] = relationship(back_populates="user", lazy="joined")

    def __repr__(self):
        return f"<User {self.id} of organisation {self.organisation_id}>"

    @property
    def email(self):
        return self.credential.email

    @property
    def is_active(self):
        return self.status == UserStatus.ACTIVE

    def get_id(self):
        return f"{self.organisation_id}:{self.id}:{self.session_version}"

    def has_role(self, *roles):
        return self.role in roles

    @property
    def is_host_admin(self):
        return self.role == Role.HOST_ADMIN

    @property
    def manages_authority(self):
        return self.role == Role.AUTHORITY_MANAGER

    @property
    def is_provider(self):
        return self.role == Role.PROVIDER_USER


class Credential(tenants.Base):
    """How a person signs in: their email address and password, or a pending invitation.

    Not organisation-owned on purpose: signing in must find the person by email before anyone's
    organisation is in scope. It holds no organisation data beyond the owner's id; only the
    accounts service reads it.
    """

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    invitation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    user: Mapped[User] = relationship(back_populates="credential")


class ApiToken(tenants.OrganisationOwned, tenants.Base):
    """A bearer token for the API, belonging to one user. Only its hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    expires_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now):
        return self.revoked_at is None and now < self.expires_at
