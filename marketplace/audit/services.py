from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import tenants

from ..accounts.models import User
from ..database import report_session
from ..errors import PermissionDenied
from ..extensions import db
from ..paging import paginate
from .models import AuditChainHead, AuditEvent

_UNSET = object()


def record(action, obj=None, *, actor=None, organisation_id=_UNSET, before=None, after=None,
           remote_addr=None):
    """Add an audit event to the session; the calling service commits it with its own change.

    ``organisation_id`` defaults to the organisation in scope; pass ``None`` for a system event.
    """
    if organisation_id is _UNSET:
        scope = tenants.current_scope()
        organisation_id = scope.organisation_id if scope else None
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    head = _lock_chain_head(organisation_id or 0)
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        actor_user_id=actor.id if actor is not None else None,
        actor_organisation_id=actor.organisation_id if actor is not None else None,
        organisation_id=organisation_id,
        before=before,
        after=after,
        remote_addr=remote_addr,
        occurred_at=tenants.utcnow(),
        previous_hash=head.last_hash,
    )
    event.hash = head.last_hash = event.compute_hash()
    head.last_event = event
    db.session.add(event)
    return event


def _lock_chain_head(chain):
    statement = select(AuditChainHead).where(AuditChainHead.chain == chain).with_for_update()
    head = db.session.scalars(statement).first()
    if head is None:
        try:
            with db.session.begin_nested():
                db.session.add(AuditChainHead(chain=chain, last_hash=None))
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        head = db.session.scalars(statement).one()
    return head


@dataclass
class ChainBreak:
    chain: str
    event_id: int
    problem: str


def verify_chains():
    """Walk every audit chain in order; return the first broken link of each broken chain.

    For the operator's ``flask audit verify``: each organisation's chain is read within that
    organisation's scope, and the system chain within the host's.
    """
    breaks = []
    organisations = db.session.scalars(select(tenants.Organisation).order_by(
        tenants.Organisation.id)).all()
    heads = {head.chain: head for head in db.session.scalars(
        select(AuditChainHead).execution_options(populate_existing=True))}
    host = next((o for o in organisations if o.is_host), None)
    chains = [(f"organisation {o.id} ({o.name})", o, AuditEvent.organisation_id == o.id, o.id)
              for o in organisations]
    if host is not None:
        chains.append(("system events", host, AuditEvent.organisation_id.is_(None), 0))
    for name, scope, criterion, chain in chains:
        with tenants.scoped_to(scope):
            found = _first_break(name, db.session.scalars(
                select(AuditEvent).where(criterion).order_by(AuditEvent.id)
                .execution_options(yield_per=500, populate_existing=True)), heads.get(chain))
        if found:
            breaks.append(found)
    return breaks


def _first_break(name, events, head):
    previous = last = None
    for event in events:
        if event.previous_hash != previous:
            return ChainBreak(name, event.id, "does not follow the event before it "
                                              "(an event was removed or reordered)")
        if event.compute_hash() != event.hash:
            return ChainBreak(name, event.id, "its content was altered after it was written")
        previous, last = event.hash, event
    # Every link holds; the chain must also end where its head says it does.
    if head is None:
        if last is not None:
            return ChainBreak(name, last.id, "ends a chain that has no head (the head row was "
                                             "removed)")
        return None
    last_id = last.id if last is not None else None
    if head.last_hash != previous or (head.last_event_id is not None
                                      and head.last_event_id != last_id):
        missing = head.last_event_id if head.last_event_id is not None else last_id
        return ChainBreak(name, missing, "the newest event of the chain is missing or was "
                                         "replaced (the chain's head names it: id "
                                         f"{head.last_event_id}, hash {head.last_hash})")
    return None


AUDIT_READER_ROLES = ("host_admin", "authority_manager", "provider_user")
EVENTS_PER_PAGE = 50


@dataclass
class EventPage:
    rows: list
    page: int
    has_next: bool


def list_events(actor, page=1):
    """The actor's organisation's audit events, newest first, a page at a time; the host's
    administrators also see system events. For managers, host administrators and providers.
    A report: read from the replica when there is one, so the newest seconds may be missing."""
    if actor.role not in AUDIT_READER_ROLES:
        raise PermissionDenied("only managers can read the audit trail")
    page = max(page, 1)
    with report_session() as session:
        rows = session.execute(
            select(AuditEvent, User.full_name, tenants.Organisation.name)
            .outerjoin(User, User.id == AuditEvent.actor_user_id)
            .outerjoin(tenants.Organisation,
                       tenants.Organisation.id == AuditEvent.actor_organisation_id)
            .order_by(AuditEvent.id.desc())
            .limit(EVENTS_PER_PAGE + 1).offset((page - 1) * EVENTS_PER_PAGE)
        ).all()
    return EventPage(rows=rows[:EVENTS_PER_PAGE], page=page, has_next=len(rows) > EVENTS_PER_PAGE)


def page_of_events(actor, page, per_page):
    """One page of the actor's organisation's audit events, newest first (for the API); read
    like :func:`list_events`."""
    if actor.role not in AUDIT_READER_ROLES:
        raise PermissionDenied("only managers can read the audit trail")
    with report_session() as session:
        return paginate(select(AuditEvent).order_by(AuditEvent.id.desc()), page, per_page,
                        session)
