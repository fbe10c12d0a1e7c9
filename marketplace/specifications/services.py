"""Specifications and local schedules.

The host's administrators keep the core specification, the contract terms and a specification
per lot, each as numbered versions: a draft (only the host reads it) is published with an
effective date, after which it is immutable and, from that date, supersedes the version before.
Providers accept versions; call-offs invite only providers that have accepted every version in
force (:func:`providers_with_accepted_specifications`). Each authority keeps its own local
schedules of additional requirements, which only it reads.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import case, func, select

import tenants

from .. import audit, notifications
from ..accounts.models import Role
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import LONDON, govuk_date, london_date
from ..paging import paginate
from ..providers import Provider
from ..purchasing.models import Lot
from .documents import side_by_side
from .models import (LocalSchedule, LocalScheduleRevision, Specification, SpecificationAcceptance,
                     SpecificationKind, SpecificationVersion)

TITLE_MAX = 200
BODY_MAX = 200_000
SCHEDULE_EDITOR_ROLES = (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER)
_KIND_ORDER = {SpecificationKind.CORE: 0, SpecificationKind.CONTRACT_TERMS: 1,
               SpecificationKind.LOT: 2}


# --- who may do what -------------------------------------------------------------------------

def require_host_admin(actor):
    """Refuse anyone but the host authority's administrators."""
    if not (actor.is_host_admin and actor.organisation.is_host):
        raise PermissionDenied("only the host authority's administrators keep specifications")


def require_provider(actor):
    if actor.role != Role.PROVIDER_USER:
        raise PermissionDenied("only providers accept specifications")


def require_schedule_editor(actor):
    """Refuse anyone but an authority's placement officers and managers."""
    if actor.role not in SCHEDULE_EDITOR_ROLES:
        raise PermissionDenied("only placement officers and managers keep local schedules")


def can_keep_schedules(actor):
    return actor.role in SCHEDULE_EDITOR_ROLES


# --- time ------------------------------------------------------------------------------------

def start_of_day(day):
    """The start of ``day`` in Europe/London, as a UTC time."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)


# --- specifications --------------------------------------------------------------------------

def _sort_key(specification):
    return (_KIND_ORDER[specification.kind],
            specification.lot.code if specification.lot else "", specification.title,
            specification.id)


def list_specifications():
    """Every specification with its versions (drafts only for the host): core first, then
    contract terms, then each lot's. Everyone signed in may read them."""
    specifications = db.session.scalars(select(Specification)).unique().all()
    return sorted(specifications, key=_sort_key)


def page_of_specifications(page, per_page):
    """One page of the specifications, in the order of :func:`list_specifications`."""
    statement = (select(Specification).outerjoin(Lot, Lot.id == Specification.lot_id)
                 .order_by(case(_KIND_ORDER, value=Specification.kind), Lot.code,
                           Specification.title, Specification.id))
    return paginate(statement, page, per_page)


def get_specification(specification_id):
    """A specification; everyone signed in may read it."""
    specification = db.session.get(Specification, specification_id)
    if specification is None:
        raise NotFound(f"specification {specification_id}")
    return specification


def _clean_title(title, errors):
    title = (title or "").strip()
    if not title:
        errors["title"] = "Enter a title"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Title must be {TITLE_MAX} characters or fewer"
    return title


def create_specification(actor, *, kind, title, lot_id=None):
    """The host's administrator adds a specification (no versions yet): the core specification,
    the contract terms (one of each), or a lot's specification (one per lot)."""
    require_host_admin(actor)
    errors = {}
    title = _clean_title(title, errors)
    try:
        kind = SpecificationKind(kind)
    except ValueError:
        errors["kind"] = "Select what kind of document this is"
        kind = None
    lot = None
    if kind == SpecificationKind.LOT:
        lot = db.session.get(Lot, lot_id) if lot_id else None
        if lot is None:
            errors["lot_id"] = "Select the lot this specification is for"
        elif db.session.scalar(select(Specification.id).where(Specification.lot_id == lot.id)):
            errors["lot_id"] = f"Lot {lot.code} already has a specification"
    elif kind is not None:
        if db.session.scalar(select(Specification.id).where(Specification.kind == kind)):
            errors["kind"] = f"There is already a {kind.label.lower()} document"
    if errors:
        raise ValidationFailed(errors)
    specification = Specification(kind=kind, title=title, lot=lot)
    db.session.add(specification)
    audit.record("specification.created", specification, actor=actor,
                 after={"kind": kind.value, "title": title, "lot": lot.code if lot else None})
    db.session.commit()
    return specification


def rename_specification(actor, specification_id, *, title):
    """The host's administrator changes a specification's title (its versions are unchanged)."""
    specification = get_specification(specification_id)
    require_host_admin(actor)
    errors = {}
    title = _clean_title(title, errors)
    if errors:
        raise ValidationFailed(errors)
    before = {"title": specification.title}
    specification.title = title
    audit.record("specification.renamed", specification, actor=actor, before=before,
                 after={"title": title})
    db.session.commit()
    return specification


# --- versions --------------------------------------------------------------------------------

def get_version(version_id, specification_id=None):
    """A version: published ones for everyone, drafts only for the host (scoping hides them
    from everyone else, who are told it does not exist)."""
    version = db.session.get(SpecificationVersion, version_id)
    if version is None or (specification_id is not None
                           and version.specification_id != specification_id):
        raise NotFound(f"specification version {version_id}")
    return version


def page_of_versions(specification_id, page, per_page):
    """One page of a specification's versions, newest first (drafts only for the host)."""
    get_specification(specification_id)
    return paginate(select(SpecificationVersion)
                    .where(SpecificationVersion.specification_id == specification_id)
                    .order_by(SpecificationVersion.number.desc()), page, per_page)


def _clean_text(body, summary_of_changes, errors):
    body = (body or "").replace("\r\n", "\n")
    summary = (summary_of_changes or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_MAX:
        errors["body"] = f"The text must be {BODY_MAX:,} characters or fewer"
    if len(summary) > 5000:
        errors["summary_of_changes"] = "The summary must be 5,000 characters or fewer"
    return body, summary


def create_draft(actor, specification_id, *, body=None, summary_of_changes=""):
    """The host's administrator starts the next version as a draft (numbered after the last),
    by default a copy of the latest published text. A specification has one draft at a time."""
    specification = get_specification(specification_id)
    require_host_admin(actor)
    if (draft := specification.draft) is not None:
        raise Conflict(f"{draft.label} is already a draft: change that one, or publish it first")
    errors = {}
    if body is None:
        latest = specification.latest_published
        body = latest.body if latest else ""
    body, summary = _clean_text(body, summary_of_changes, errors)
    if errors:
        raise ValidationFailed(errors)
    number = (db.session.scalar(select(func.max(SpecificationVersion.number)).where(
        SpecificationVersion.specification_id == specification.id)) or 0) + 1
    version = SpecificationVersion(specification=specification, number=number, body=body,
                                   summary_of_changes=summary)
    db.session.add(version)
    audit.record("specification.draft_created", version, actor=actor,
                 after={"specification": specification.title, "number": number})
    db.session.commit()
    return version


def _refuse_if_published(version):
    if version.is_published:
        raise Conflict(f"{version.label} of {version.specification.title} was published on "
                       f"{govuk_date(version.published_at.astimezone(LONDON))} and cannot be "
                       f"changed: create a new version instead")


def update_draft(actor, version_id, *, body=None, summary_of_changes=None,
                 specification_id=None):
    """The host's administrator changes a draft's text or summary; a published version is
    immutable (Conflict)."""
    version = get_version(version_id, specification_id)
    require_host_admin(actor)
    _refuse_if_published(version)
    errors = {}
    new_body, new_summary = _clean_text(
        version.body if body is None else body,
        version.summary_of_changes if summary_of_changes is None else summary_of_changes, errors)
    if errors:
        raise ValidationFailed(errors)
    changed = {k for k, old, new in (("body", version.body, new_body),
                                     ("summary_of_changes", version.summary_of_changes,
                                      new_summary)) if old != new}
    version.body, version.summary_of_changes = new_body, new_summary
    version.updated_at = tenants.utcnow()
    audit.record("specification.draft_changed", version, actor=actor,
                 after={"number": version.number, "changed": sorted(changed)})
    db.session.commit()
    return version


def publish_version(actor, version_id, *, effective_on, specification_id=None):
    """Draft → published, in force from the start of ``effective_on`` (UK time): from then it
    supersedes the version before. The host's administrator publishes; the date may not be in
    the past nor before the previous version's. Every provider is emailed that the version
    needs accepting by its effective date."""
    version = get_version(version_id, specification_id)
    require_host_admin(actor)
    _refuse_if_published(version)
    specification = version.specification
    previous = specification.latest_published
    errors = {}
    if not isinstance(effective_on, date):
        errors["effective_on"] = "Enter the date this version comes into force"
    elif effective_on < london_date():
        errors["effective_on"] = "The date it comes into force must be today or in the future"
    elif previous is not None and start_of_day(effective_on) < previous.effective_at:
        errors["effective_on"] = (
            f"The date it comes into force must be on or after "
            f"{govuk_date(previous.effective_at.astimezone(LONDON))}, when {previous.label} "
            f"comes into force")
    if not version.body.strip():
        errors["body"] = "Enter the text of the version before publishing it"
    if previous is not None and not version.summary_of_changes:
        errors["summary_of_changes"] = ("Enter a summary of the changes from "
                                        f"{previous.label.lower()} before publishing")
    if errors:
        raise ValidationFailed(errors)
    now = tenants.utcnow()
    version.effective_at = start_of_day(effective_on)
    version.published_at = now
    version.published_by_id = actor.id
    audit.record("specification.published", version, actor=actor,
                 after={"specification": specification.title, "number": version.number,
                        "effective_on": effective_on.isoformat()})
    # Flush the host's writes before the outbox rows are written in each provider's scope.
    db.session.flush()
    context = {
        "specification": specification.title, "kind": specification.kind.label,
        "version": version.number, "effective_on": govuk_date(effective_on),
        "summary_of_changes": version.summary_of_changes,
        "link": notifications.external_url("specifications.acceptances"),
    }
    for provider in db.session.scalars(select(Provider).order_by(Provider.id)):
        notifications.notify_organisation(provider, "specification_published", context)
    db.session.commit()
    return version


@dataclass
class Comparison:
    specification: Specification
    old: SpecificationVersion
    new: SpecificationVersion
    rows: list

    @property
    def changed(self):
        return sum(1 for row in self.rows if row.change)


def compare_versions(specification_id, old_number=None, new_number=None):
    """Two versions of a specification side by side (by default the last two the reader may
    see). Everyone may compare published versions; drafts only the host."""
    specification = get_specification(specification_id)
    versions = {v.number: v for v in specification.versions}
    if len(versions) < 2:
        raise Conflict("there is only one version, so there is nothing to compare")
    numbers = sorted(versions)
    new_number = new_number if new_number is not None else numbers[-1]
    old_number = old_number if old_number is not None else max(
        (n for n in numbers if n < new_number), default=numbers[0])
    errors = {}
    if old_number not in versions:
        errors["from"] = "Select a version to compare from"
    if new_number not in versions:
        errors["to"] = "Select a version to compare with"
    if not errors and old_number == new_number:
        errors["to"] = "Select two different versions"
    if errors:
        raise ValidationFailed(errors)
    old, new = versions[old_number], versions[new_number]
    return Comparison(specification, old, new, side_by_side(old.body, new.body))


# --- what is in force, and who has accepted it ----------------------------------------------

def _applicable(lot_id):
    """Specifications that bind a call-off in ``lot_id`` (core and contract terms always)."""
    statement = select(Specification).where(
        Specification.kind.in_([SpecificationKind.CORE, SpecificationKind.CONTRACT_TERMS]))
    if lot_id is not None:
        statement = select(Specification).where(
            (Specification.kind != SpecificationKind.LOT) | (Specification.lot_id == lot_id))
    return db.session.scalars(statement).unique().all()


def versions_in_force(at, lot_id=None):
    """The version in force at ``at`` of each specification that applies to a call-off in
    ``lot_id``: the core specification, the contract terms and that lot's specification. A
    specification with no version in force yet is left out. Call-offs and placements record
    these; runs in the caller's scope (published versions are visible to everyone)."""
    versions = [s.version_in_force(at) for s in sorted(_applicable(lot_id), key=_sort_key)]
    return [v for v in versions if v is not None]


def providers_with_accepted_specifications(provider_ids, at, lot_id=None):
    """Of ``provider_ids``, those that have accepted every version in force at ``at`` of the
    specifications that apply (see :func:`versions_in_force`); a specification with no version
    in force imposes nothing. For the call-off service, in an authority's (or the host's)
    scope: acceptances are visible to every authority."""
    provider_ids = set(provider_ids)
    required = {v.id for v in versions_in_force(at, lot_id)}
    if not required or not provider_ids:
        return provider_ids
    rows = db.session.execute(
        select(SpecificationAcceptance.organisation_id)
        .where(SpecificationAcceptance.organisation_id.in_(provider_ids),
               SpecificationAcceptance.version_id.in_(required))
        .group_by(SpecificationAcceptance.organisation_id)
        .having(func.count(func.distinct(SpecificationAcceptance.version_id)) == len(required))
    ).scalars()
    return set(rows)


@dataclass
class Obligation:
    """A version a provider must accept (or has accepted), with when it must by."""

    version: SpecificationVersion
    acceptance: SpecificationAcceptance | None
    in_force: bool

    @property
    def specification(self):
        return self.version.specification

    @property
    def due_at(self):
        return self.version.effective_at

    @property
    def overdue(self):
        return self.acceptance is None and self.in_force


def obligations(actor, at=None):
    """For a provider's users: the version in force and any published upcoming version of
    every specification (core, contract terms, each lot's), with the provider's acceptance of
    each, in order of the specifications."""
    require_provider(actor)
    at = at or tenants.utcnow()
    specifications = list_specifications()
    accepted = {a.version_id: a for a in db.session.scalars(select(SpecificationAcceptance))}
    rows = []
    for specification in specifications:
        current = specification.version_in_force(at)
        if current is not None:
            rows.append(Obligation(current, accepted.get(current.id), True))
        rows += [Obligation(v, accepted.get(v.id), False)
                 for v in specification.upcoming_versions(at)]
    return rows


def accept_version(actor, version_id, specification_id=None):
    """A provider's user accepts, for the provider, a published version that is in force or
    upcoming (a superseded one: Conflict; already accepted: Conflict)."""
    version = get_version(version_id, specification_id)
    require_provider(actor)
    if not version.is_published:
        raise NotFound(f"specification version {version_id}")
    now = tenants.utcnow()
    specification = version.specification
    current = specification.version_in_force(now)
    if version.effective_at <= now and version is not current:
        raise Conflict(f"{version.label} of {specification.title} has been superseded by "
                       f"{current.label}; accept that instead")
    if db.session.scalar(select(SpecificationAcceptance.id).where(
            SpecificationAcceptance.version_id == version.id,
            SpecificationAcceptance.organisation_id == actor.organisation_id)):
        raise Conflict(f"{actor.organisation.name} has already accepted {version.label} of "
                       f"{specification.title}")
    acceptance = SpecificationAcceptance(version=version, accepted_at=now,
                                         accepted_by_id=actor.id)
    db.session.add(acceptance)
    audit.record("specification.accepted", acceptance, actor=actor,
                 after={"specification": specification.title, "number": version.number})
    db.session.commit()
    return acceptance


def list_acceptances(version_id):
    """Which providers have accepted a version, earliest first: all of them for the host and
    authorities, only its own for a provider (scoping decides)."""
    version = get_version(version_id)
    return db.session.scalars(
        select(SpecificationAcceptance).where(SpecificationAcceptance.version_id == version.id)
        .order_by(SpecificationAcceptance.accepted_at, SpecificationAcceptance.id)).all()


def page_of_acceptances(page, per_page, version_id=None):
    """Acceptances, newest first, optionally of one version (scoping as
    :func:`list_acceptances`)."""
    statement = select(SpecificationAcceptance).order_by(
        SpecificationAcceptance.accepted_at.desc(), SpecificationAcceptance.id.desc())
    if version_id is not None:
        statement = statement.where(SpecificationAcceptance.version_id == version_id)
    return paginate(statement, page, per_page)


# --- local schedules -------------------------------------------------------------------------

def _schedules(include_archived):
    statement = select(LocalSchedule).order_by(LocalSchedule.archived, LocalSchedule.title,
                                               LocalSchedule.id)
    if not include_archived:
        statement = statement.where(LocalSchedule.archived.is_(False))
    return statement


def list_local_schedules(actor, include_archived=True):
    """The actor's authority's local schedules, current first then archived, by title."""
    require_schedule_editor(actor)
    return db.session.scalars(_schedules(include_archived)).all()


def page_of_local_schedules(actor, page, per_page, include_archived=True):
    """One page of :func:`list_local_schedules`."""
    require_schedule_editor(actor)
    return paginate(_schedules(include_archived), page, per_page)


def get_local_schedule(actor, schedule_id):
    """One of the actor's authority's local schedules (another authority's does not exist)."""
    schedule = db.session.get(LocalSchedule, schedule_id)
    if schedule is None:
        raise NotFound(f"local schedule {schedule_id}")
    require_schedule_editor(actor)
    return schedule


def get_schedule_revision(actor, schedule_id, number=None):
    """The text of a local schedule as at one revision (by default its current one): what a
    call-off attaches, so later edits do not change a call-off already issued."""
    schedule = get_local_schedule(actor, schedule_id)
    number = number or schedule.revision
    revision = db.session.scalar(select(LocalScheduleRevision).where(
        LocalScheduleRevision.schedule_id == schedule.id, LocalScheduleRevision.number == number))
    if revision is None:
        raise NotFound(f"revision {number} of local schedule {schedule_id}")
    return revision


def _clean_schedule(title, body):
    errors = {}
    title = _clean_title(title, errors)
    body = (body or "").replace("\r\n", "\n")
    if not body.strip():
        errors["body"] = "Enter the local requirements"
    elif len(body) > BODY_MAX:
        errors["body"] = f"The requirements must be {BODY_MAX:,} characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    return title, body


def _add_revision(schedule, actor, now):
    db.session.add(LocalScheduleRevision(schedule=schedule, number=schedule.revision,
                                         title=schedule.title, body=schedule.body,
                                         saved_at=now, saved_by_id=actor.id))


def create_local_schedule(actor, *, title, body):
    """An authority's placement officer or manager writes a local schedule (revision 1)."""
    require_schedule_editor(actor)
    title, body = _clean_schedule(title, body)
    now = tenants.utcnow()
    schedule = LocalSchedule(title=title, body=body, revision=1, archived=False,
                             created_at=now, updated_at=now)
    db.session.add(schedule)
    _add_revision(schedule, actor, now)
    audit.record("local_schedule.created", schedule, actor=actor, after={"title": title})
    db.session.commit()
    return schedule


def update_local_schedule(actor, schedule_id, *, title=None, body=None):
    """A placement officer or manager of the authority saves a new revision of a current
    (not archived) local schedule."""
    schedule = get_local_schedule(actor, schedule_id)
    if schedule.archived:
        raise Conflict("this local schedule is archived and cannot be changed")
    title, body = _clean_schedule(schedule.title if title is None else title,
                                  schedule.body if body is None else body)
    if (title, body) == (schedule.title, schedule.body):
        return schedule
    before = {"title": schedule.title, "revision": schedule.revision}
    now = tenants.utcnow()
    schedule.title, schedule.body = title, body
    schedule.revision += 1
    schedule.updated_at = now
    _add_revision(schedule, actor, now)
    audit.record("local_schedule.changed", schedule, actor=actor, before=before,
                 after={"title": title, "revision": schedule.revision})
    db.session.commit()
    return schedule


def archive_local_schedule(actor, schedule_id):
    """Current → archived: a placement officer or manager of the authority retires a local
    schedule, so it is no longer offered for new call-offs (call-offs keep theirs)."""
    schedule = get_local_schedule(actor, schedule_id)
    if schedule.archived:
        raise Conflict("this local schedule is already archived")
    schedule.archived = True
    schedule.archived_at = tenants.utcnow()
    audit.record("local_schedule.archived", schedule, actor=actor,
                 after={"title": schedule.title})
    db.session.commit()
    return schedule


# --- pages -----------------------------------------------------------------------------------

@dataclass
class VersionPage:
    """What the version page shows the actor: the version's status now, who has accepted it
    (every provider's acceptance for the host and authorities, its own for a provider), and
    whether the actor may accept it."""

    version: SpecificationVersion
    status: str
    acceptances: list
    can_accept: bool
    own_acceptance: SpecificationAcceptance | None


def version_page(actor, version_id):
    """The version with its status and acceptances, as the actor may see them."""
    version = get_version(version_id)
    now = tenants.utcnow()
    status = version.specification.status_of(version, now)
    acceptances = list_acceptances(version.id) if version.is_published else []
    own = next((a for a in acceptances if a.organisation_id == actor.organisation_id), None)
    can_accept = (actor.role == Role.PROVIDER_USER and own is None
                  and status in ("in_force", "upcoming"))
    return VersionPage(version, status, acceptances, can_accept, own)
