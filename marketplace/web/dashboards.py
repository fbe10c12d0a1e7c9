"""What each role's dashboard shows: real counts of what exists, and nothing invented.

Each figure is one grouped query in the user's scope (scoping decides whose rows they count), so
a dashboard costs the same however much the organisation has. They are reports: with a replica
configured they are counted there (``report_session``), and may be a few seconds behind."""
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select

import tenants

from ..accounts.models import Role, User, UserStatus
from ..database import report_session


@dataclass
class Dashboard:
    heading: str
    users: int = 0
    invited_users: int = 0
    member_authorities: int | None = None
    tasks: list = field(default_factory=list)
    specifications_to_accept: int | None = None
    windows: dict = field(default_factory=dict)  # window status -> count (host)
    to_score: int = 0  # applications assigned and not yet scored (evaluators)
    call_offs: list = field(default_factory=list)  # (call-off status, count), in life order
    awaiting_approval: int = 0  # awards above the delegation limit (authorities)
    placements: int = 0
    admitted_lots: list = field(default_factory=list)  # lot codes (providers)
    to_respond: int = 0  # open invitations without a response (providers)
    awards_to_answer: int = 0  # awards made to the provider, not yet accepted or declined
    forecast: object = None  # the authority's forecast for this financial year (placements)
    forecast_pounds: dict = field(default_factory=dict)  # its total and to date, as £


def _host_figures(session, board, now):
    from ..windows.models import AdmissionWindow

    board.member_authorities = session.scalar(
        select(func.count(tenants.Authority.id)).where(
            tenants.Authority.role == tenants.AuthorityRole.MEMBER))
    status = AdmissionWindow.status_at(now)
    board.windows = dict(session.execute(
        select(status, func.count(AdmissionWindow.id)).group_by(status)).all())


def _evaluator_figures(session, board, user):
    from ..evaluation.models import ConflictDeclaration, EvaluatorAssignment

    board.to_score = session.scalar(select(func.count(EvaluatorAssignment.id)).where(
        EvaluatorAssignment.evaluator_id == user.id,
        EvaluatorAssignment.submitted_at.is_(None),
        or_(EvaluatorAssignment.conflict.is_(None),
            EvaluatorAssignment.conflict != ConflictDeclaration.CONFLICT)))


def _authority_figures(session, board, now):
    from ..calloffs.models import Award, AwardStatus, CallOff, CallOffStatus
    from ..placements.models import Placement

    # An open call-off past its deadline is closed by the clock: count those apart.
    past_deadline = func.sum(case((CallOff.response_deadline <= now, 1), else_=0))
    rows = session.execute(
        select(CallOff.status, func.count(), past_deadline)
        .group_by(CallOff.status)).all()
    counts = {}
    for status, count, closed in rows:
        status = CallOffStatus(status)
        if status == CallOffStatus.OPEN and closed:
            counts[CallOffStatus.CLOSED] = int(closed)
            count -= int(closed)
        if count:
            counts[status] = count
    board.call_offs = [(status, counts[status]) for status in CallOffStatus if status in counts]
    board.awaiting_approval = session.scalar(select(func.count()).select_from(Award).where(
        Award.status == AwardStatus.AWAITING_APPROVAL))
    board.placements = session.scalar(select(func.count()).select_from(Placement))


def _provider_figures(session, board, user, now):
    from ..calloffs.models import (Award, AwardStatus, CallOff, CallOffInvitation,
                                   CallOffStatus, Offer)
    from ..placements.models import Placement
    from ..evaluation.models import Admission, AdmissionStatus
    from ..purchasing.models import Lot
    from ..specifications.services import obligations

    provider_id = user.organisation_id
    # Which versions the provider must still accept is worked out by the specifications
    # service, on the primary.
    board.specifications_to_accept = sum(1 for o in obligations(user) if not o.acceptance)
    board.admitted_lots = list(session.scalars(
        select(Lot.code).join(Admission, Admission.lot_id == Lot.id).where(
            Admission.provider_id == provider_id, Admission.status == AdmissionStatus.ACTIVE,
            Admission.effective_at <= now).order_by(Lot.code)))
    responded = select(Offer.call_off_id).where(Offer.withdrawn_at.is_(None))
    board.to_respond = session.scalar(
        select(func.count()).select_from(CallOffInvitation).join(CallOff).where(
            CallOff.status == CallOffStatus.OPEN, CallOff.response_deadline > now,
            CallOffInvitation.call_off_id.not_in(responded)))
    board.awards_to_answer = session.scalar(select(func.count()).select_from(Award).where(
        Award.status == AwardStatus.AWARDED))
    board.placements = session.scalar(select(func.count()).select_from(Placement))


@dataclass
class AdminLink:
    endpoint: str
    text: str
    description: str


def administration_links(user):
    """What the person may manage or review for their organisation, for the Administration
    page (each link is to a page their role may open)."""
    from ..audit.services import AUDIT_READER_ROLES
    from ..notifications.services import DELIVERY_MANAGER_ROLES

    organisation = user.organisation.name
    links = [AdminLink("accounts.users", "People",
                       f"Everyone with an account at {organisation}: invite people, send "
                       "invitations again, deactivate and reactivate accounts.")]
    if user.role in AUDIT_READER_ROLES:
        links.append(AdminLink("audit.events", "Audit trail",
                               f"Every change made at {organisation}, who made it and when."))
    if user.role in DELIVERY_MANAGER_ROLES:
        links.append(AdminLink(
            "notifications.failed_deliveries", "Emails that could not be sent",
            "Emails the service tried to send and could not, to send again."
            + (" You see every organisation's." if user.role == Role.HOST_ADMIN else "")))
    if user.role in (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER):
        links.append(AdminLink(
            "calloffs.delegation_limit", "Delegation limit",
            "The annual cost above which a call-off award needs a manager's approval."))
    if user.role == Role.AUTHORITY_MANAGER and not user.organisation.is_host:
        links.append(AdminLink(
            "cost_sharing.statements", "Cost sharing",
            f"{organisation}'s statements of the host's running costs shared under the "
            "memorandum of understanding, and its invoices."))
    links.append(AdminLink("accounts.account", "Your account",
                           "Your password and your API tokens."))
    return links


def for_user(user):
    with report_session() as session:
        counts = dict(session.execute(
            select(User.status, func.count(User.id)).group_by(User.status)).all())
        board = Dashboard(heading=user.role.label, users=sum(counts.values()),
                          invited_users=counts.get(UserStatus.INVITED, 0))
        now = tenants.utcnow()
        if user.role == Role.HOST_ADMIN:
            _host_figures(session, board, now)
        if user.role in (Role.EVALUATOR, Role.HOST_ADMIN):
            _evaluator_figures(session, board, user)
        if user.role in (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER):
            _authority_figures(session, board, now)
        if user.role == Role.PROVIDER_USER:
            _provider_figures(session, board, user, now)
    if user.role in (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER):
        from ..placements.forecasts import dashboard_summary

        # The same figures as the forecast page (issue 12 §10), on the primary.
        from ..money import display_pounds

        board.forecast = dashboard_summary(user)
        board.forecast_pounds = {"total": display_pounds(board.forecast.total_pence),
                                 "to_date": display_pounds(board.forecast.actual_to_date_pence)}
    return board
