"""What each role's dashboard shows: real counts of what exists, and nothing invented."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

import tenants

from ..accounts.models import Role, User, UserStatus
from ..extensions import db


@dataclass
class Dashboard:
    heading: str
    users: int = 0
    invited_users: int = 0
    member_authorities: int | None = None
    tasks: list = field(default_factory=list)
    specifications_to_accept: int | None = None


def for_user(user):
    counts = dict(db.session.execute(
        select(User.status, func.count(User.id)).group_by(User.status)).all())
    board = Dashboard(heading=user.role.label, users=sum(counts.values()),
                      invited_users=counts.get(UserStatus.INVITED, 0))
    if user.role == Role.HOST_ADMIN:
        board.member_authorities = db.session.scalar(
            select(func.count(tenants.Authority.id)).where(
                tenants.Authority.role == tenants.AuthorityRole.MEMBER))
    if user.role == Role.PROVIDER_USER:
        from ..specifications.services import obligations
        board.specifications_to_accept = sum(1 for o in obligations(user) if not o.acceptance)
    return board
