"""What each role's dashboard shows: first the work waiting for the person (issue 15 §1), then
real counts of what exists, and nothing invented.

The work queues come from the services that own each kind of work (``queues.Queue``: a count
and the first few items, soonest deadline first, two statements or so a queue), on the primary,
in the person's scope: the tenant scope decides whose work they list.

Each figure is one grouped query in the user's scope (scoping decides whose rows they count), so
a dashboard costs the same however much the organisation has. They are reports: with a replica
configured they are counted there (``report_session``), and may be a few seconds behind."""
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

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
    windows: dict = field(default_factory=dict)  # window status -> count (host)
    call_offs: list = field(default_factory=list)  # (call-off status, count), in life order
    placements: int = 0
    admitted_lots: list = field(default_factory=list)  # lot codes (providers)
    forecast: object = None  # the authority's forecast for this financial year (placements)
    forecast_pounds: dict = field(default_factory=dict)  # its total and to date, as £
    queues: dict = field(default_factory=dict)  # queue name -> queues.Queue (see work_queues)
    sections: list = field(default_factory=list)  # the queues as the page shows them, in order


def _host_figures(session, board, now):
    from ..windows.models import AdmissionWindow

    board.member_authorities = session.scalar(
        select(func.count(tenants.Authority.id)).where(
            tenants.Authority.role == tenants.AuthorityRole.MEMBER))
    status = AdmissionWindow.status_at(now)
    board.windows = dict(session.execute(
        select(status, func.count(AdmissionWindow.id)).group_by(status)).all())


def _authority_figures(session, board, now):
    from ..calloffs.models import CallOff, CallOffStatus
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
    board.placements = session.scalar(select(func.count()).select_from(Placement))


def _provider_figures(session, board, user, now):
    from ..placements.models import Placement
    from ..evaluation.models import Admission, AdmissionStatus
    from ..purchasing.models import Lot

    provider_id = user.organisation_id
    board.admitted_lots = list(session.scalars(
        select(Lot.code).join(Admission, Admission.lot_id == Lot.id).where(
            Admission.provider_id == provider_id, Admission.status == AdmissionStatus.ACTIVE,
            Admission.effective_at <= now).order_by(Lot.code)))
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
    links.append(AdminLink("accounts.account", "Your account",
                           "Your password and your API tokens."))
    return links


def work_queues(user):
    """What waits for ``user``, by queue name, in the order the dashboard shows them (issue 15
    §1): each a ``queues.Queue`` from the owning package's service."""
    from ..calloffs import services as calloffs
    from ..contracts import services as contracts
    from ..evaluation import services as evaluation
    from ..notifications import services as notifications
    from ..placements import fees, reviews
    from ..placements import services as placements
    from ..providers import services as providers
    from ..specifications import services as specifications
    from ..windows import services as windows

    queues = {}
    if user.role == Role.PLACEMENT_OFFICER:
        queues["questions"] = calloffs.questions_to_answer(user)
        queues["to_evaluate"] = calloffs.call_offs_to_evaluate(user)
        queues["declined"] = calloffs.declined_awards_to_follow(user)
        queues["starting"] = placements.placements_starting(user)
        queues["reviews"] = reviews.reviews_due(user)
        queues["uplifts"] = fees.proposals_to_decide(user)
        queues["extensions"] = contracts.decisions_to_make(user)
    elif user.role == Role.AUTHORITY_MANAGER:
        queues["approvals"] = calloffs.awards_to_approve(user)
        queues["uplifts"] = fees.proposals_to_decide(user)
        queues["extensions"] = contracts.decisions_to_make(user)
    elif user.role == Role.PROVIDER_USER:
        queues["invitations"] = calloffs.invitations_to_answer(user)
        queues["awards"] = calloffs.awards_to_accept(user)
        queues["documents"] = providers.documents_expiring(user)
        queues["specifications"] = specifications.versions_to_accept(user)
    elif user.role == Role.HOST_ADMIN and user.organisation.is_host:
        progress = evaluation.applications_to_progress(user)
        queues["need_evaluators"] = progress.need_evaluators
        queues["need_moderation"] = progress.need_moderation
        queues["need_decision"] = progress.need_decision
        queues["windows"] = windows.windows_opening_or_closing(user)
        queues["failed_emails"] = notifications.failed_to_resend(user)
    if user.role in (Role.EVALUATOR, Role.HOST_ADMIN) and user.organisation.is_host:
        queues["to_score"] = evaluation.assignments_to_score(user)
    return queues


def for_user(user):
    with report_session() as session:
        counts = dict(session.execute(
            select(User.status, func.count(User.id)).group_by(User.status)).all())
        board = Dashboard(heading="Work waiting for you", users=sum(counts.values()),
                          invited_users=counts.get(UserStatus.INVITED, 0))
        now = tenants.utcnow()
        if user.role == Role.HOST_ADMIN:
            _host_figures(session, board, now)
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
    board.queues = work_queues(user)
    board.sections = sections(user, board.queues)
    return board


# ---------------------------------------------------------------- the queues as the page shows them

@dataclass
class WorkItem:
    """One pending item: a link (endpoint and its values) with what it is, when it is due and
    the state that matters."""

    text: str
    endpoint: str
    values: dict
    hint: str = ""
    status: str = ""
    colour: str = "blue"


@dataclass
class Section:
    """A queue under a heading saying what the person is looking at, with a link to the full
    (filtered) list where one exists."""

    key: str
    heading: str
    queue: object
    items: list
    empty: str
    list_endpoint: str | None = None
    list_values: dict = field(default_factory=dict)
    list_text: str = ""

    @property
    def count(self):
        return self.queue.count


def _short(text, limit=80):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _due(day, today, word="Due"):
    from ..formatting import govuk_date

    if day < today:
        return f"Overdue: {word.lower()} {govuk_date(day)}", "red"
    return f"{word} {govuk_date(day)}", "yellow" if (day - today).days <= 7 else "blue"


def sections(user, queues):
    """The dashboard's sections for ``queues`` (from :func:`work_queues`), in its order."""
    from ..formatting import govuk_date, govuk_datetime, london_date

    today = london_date()
    is_manager = user.role == Role.AUTHORITY_MANAGER
    built = []

    def add(key, heading, items, empty, list_endpoint=None, list_text="", **list_values):
        if key in queues:
            built.append(Section(key, heading, queues[key], [items(i) for i in queues[key].items],
                                 empty, list_endpoint, list_values, list_text))

    add("approvals", "Awards waiting for your approval", lambda award: WorkItem(
        f"{award.call_off.reference}: award to {award.provider.name}", "calloffs.evaluation",
        {"call_off_id": award.call_off_id},
        f"Placement starts {govuk_date(award.call_off.start_date)}; above your delegation "
        "limit", "Awaiting manager's approval", "yellow"),
        "No awards are waiting for your approval.")
    add("questions", "Questions waiting for your answer", lambda row: WorkItem(
        f"{row.CallOff.reference}: {_short(row.ClarificationQuestion.question)}",
        "calloffs.questions", {"call_off_id": row.CallOff.id},
        f"Answer by {govuk_datetime(row.CallOff.response_deadline)}, when offers close",
        "Not answered", "yellow"),
        "No questions are waiting for your answer.")
    add("to_evaluate", "Call-offs whose offers have opened", lambda call_off: WorkItem(
        f"{call_off.reference}: {call_off.case_reference}", "calloffs.evaluation",
        {"call_off_id": call_off.id},
        f"Placement starts {govuk_date(call_off.start_date)}", "Awaiting evaluation",
        "yellow"),
        "No call-offs are waiting for evaluation.", "calloffs.call_offs",
        "See call-offs whose offers have opened", status="closed")
    add("declined", "Awards declined: award the next offer", lambda call_off: WorkItem(
        f"{call_off.reference}: {call_off.case_reference}", "calloffs.evaluation",
        {"call_off_id": call_off.id},
        f"Placement starts {govuk_date(call_off.start_date)}", "Award declined", "red"),
        "No declined awards are waiting for the next award.")
    add("starting", "Placements starting in the next 28 days", lambda placement: WorkItem(
        f"{placement.reference}: {placement.case_reference} at {placement.provider_label}",
        "placements.placement", {"placement_id": placement.id},
        f"Starts {govuk_date(placement.start_date)}", "Starting soon", "turquoise"),
        "No placements start in the next 28 days.", "placements.placements",
        "See all placements")

    def review(row):
        hint, colour = _due(row.PlacementReview.due_on, today)
        placement = row.Placement
        return WorkItem(f"{placement.reference}: annual review of {placement.case_reference}",
                        "placements.review", {"review_id": row.PlacementReview.id}, hint,
                        "Overdue" if colour == "red" else "Not held", colour)
    add("reviews", "Annual reviews due", review, "No annual reviews are due.")

    def uplift(row):
        from ..placements.fees import display_percent

        proposal = row.UpliftProposal
        what = (f"{display_percent(proposal.percent_bp)} uplift"
                if proposal.percent_bp is not None else "new weekly fees")
        return WorkItem(f"{row.Placement.reference}: {what} from {row.Placement.provider_label}",
                        "placement_fees.uplift_proposal", {"proposal_id": proposal.id},
                        f"Would take effect {govuk_date(proposal.effective_from)}"
                        + (" (proposed late)" if proposal.late else ""),
                        "Awaiting decision", "yellow")
    add("uplifts", "Uplift proposals waiting for a decision", uplift,
        "No uplift proposals are waiting for a decision.")

    def extension(warning):
        overdue = warning.kind == "overdue"
        endpoint, values = (("contracts.decide", {"contract_id": warning.contract.id,
                                                   "number": warning.extension.number})
                            if is_manager else
                            ("contracts.show", {"contract_id": warning.contract.id}))
        return WorkItem(
            f"{warning.contract.reference}: extension option {warning.extension.number} "
            f"({warning.extension.months} months)", endpoint, values,
            f"Decide by {govuk_date(warning.due)}"
            + ("" if is_manager else "; the authority's managers decide"),
            "Overdue" if overdue else "Decision due", "red" if overdue else "yellow")
    add("extensions", "Contract extensions to decide" if is_manager
        else "Contract extension decisions coming up", extension,
        "No contract extension decisions are due.", "contracts.register",
        "See the contract register")

    add("invitations", "Invitations waiting for your response", lambda call_off: WorkItem(
        f"{call_off.reference}: {call_off.lot.code} {call_off.placement_type.label.lower()} "
        f"placement", "calloffs.call_off", {"call_off_id": call_off.id},
        f"Respond by {govuk_datetime(call_off.response_deadline)}", "Not started", "blue"),
        "No invitations are waiting for your response.", "calloffs.call_offs",
        "See all your invitations")
    add("awards", "Awards waiting for you to accept or decline", lambda award: WorkItem(
        f"{award.call_off.reference}: {award.call_off.lot.code} placement", "calloffs.award",
        {"award_id": award.id},
        (f"You can accept after standstill ends {govuk_datetime(award.standstill_ends_at)}"
         if award.standstill_ends_at and award.standstill_ends_at > tenants.utcnow()
         else f"Placement starts {govuk_date(award.call_off.start_date)}"),
        "Awarded to you", "turquoise"),
        "No awards are waiting for your answer.")

    def document(found):
        hint, colour = _due(found.expires_on, today, "Expires")
        return WorkItem(found.label, "providers.documents", {"provider_id": user.organisation_id},
                        hint.replace("Overdue: expires", "Expired"),
                        "Expired" if colour == "red" else "Expiring", colour)
    add("documents", "Documents expiring in the next 30 days", document,
        "No documents expire in the next 30 days.", "providers.documents",
        "See your documents", provider_id=user.organisation_id)
    add("specifications", "Specifications to accept", lambda obligation: WorkItem(
        f"{obligation.specification.title}, version {obligation.version.number}",
        "specifications.acceptances", {},
        ("In force since " if obligation.in_force else "Comes into force ")
        + govuk_date(london_date(obligation.due_at)),
        "Overdue" if obligation.overdue else "Not accepted",
        "red" if obligation.overdue else "yellow"),
        "Every specification version in force or coming into force is accepted.",
        "specifications.acceptances", "See what to accept and by when")

    def application(stage, status):
        return lambda found: WorkItem(
            f"{found.provider.name}: {found.window.title}",
            {"evaluators": "evaluation.assignments", "moderation": "evaluation.moderation"}.get(
                stage, "evaluation.window_evaluation"),
            {"window_id": found.window_id} if stage == "decision"
            else {"application_id": found.id},
            f"Submitted {govuk_date(london_date(found.submitted_at))}", status, "yellow")
    add("need_evaluators", "Applications needing evaluators",
        application("evaluators", "Needs evaluators"),
        "No applications are waiting for evaluators.", "evaluation.evaluations",
        "See evaluations")
    add("need_moderation", "Applications ready for moderation",
        application("moderation", "Ready to moderate"),
        "No applications are waiting for moderation.")
    add("need_decision", "Decisions to issue", application("decision", "Decision not issued"),
        "No decisions are waiting to be issued.")
    add("windows", "Admission windows opening or closing in the next 14 days",
        lambda event: WorkItem(
            event.window.title, "windows.window", {"window_id": event.window.id},
            f"{'Opens' if event.event == 'opens' else 'Closes'} {govuk_datetime(event.at)}",
            "Opening" if event.event == "opens" else "Closing",
            "blue" if event.event == "opens" else "yellow"),
        "No windows open or close in the next 14 days.", "windows.windows",
        "See admission windows")
    add("failed_emails", "Emails that could not be sent", lambda row: WorkItem(
        f"{row.OutboxMessage.template.replace('_', ' ').capitalize()} to {row.name}",
        "notifications.failed_deliveries", {},
        f"Tried {govuk_datetime(row.OutboxMessage.created_at)}", "Not sent", "red"),
        "No emails have failed.", "notifications.failed_deliveries",
        "See emails that could not be sent")
    add("to_score", "Applications waiting for your scores", lambda row: WorkItem(
        f"{row.Application.provider.name}: {row.Application.window.title}",
        "evaluation.conflict" if row.EvaluatorAssignment.conflict is None
        else "evaluation.scores", {"application_id": row.Application.id},
        f"Assigned {govuk_date(london_date(row.EvaluatorAssignment.assigned_at))}",
        "Declare conflicts first" if row.EvaluatorAssignment.conflict is None else "Scoring",
        "blue"),
        "No applications are waiting for your scores.", "evaluation.evaluations",
        "See your evaluations")
    return built
