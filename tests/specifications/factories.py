"""Specifications, versions, acceptances and local schedules, each made in its owner's scope."""
from datetime import date

import tenants
from marketplace.extensions import db
from marketplace.specifications.models import (LocalSchedule, LocalScheduleRevision,
                                               Specification, SpecificationAcceptance,
                                               SpecificationKind, SpecificationVersion)
from marketplace.specifications.services import start_of_day

BODY = "# Outcomes\n\nProviders must work towards the outcomes in each child's EHC plan.\n"


def specification(host, kind=SpecificationKind.CORE, *, title=None, lot=None):
    with tenants.scoped_to(host):
        made = Specification(kind=kind, lot=lot,
                             title=title or f"{SpecificationKind(kind).label} document")
        db.session.add(made)
        db.session.commit()
        return made


def version(host, specification, *, number=None, body=BODY, summary="",
            effective_on=date(2025, 4, 1), published=True):
    """A version written directly (the service refuses dates in the past)."""
    with tenants.scoped_to(host):
        number = number or len(specification.versions) + 1
        made = SpecificationVersion(
            specification=specification, number=number, body=body, summary_of_changes=summary,
            effective_at=start_of_day(effective_on) if published else None,
            published_at=start_of_day(min(effective_on, date(2025, 4, 1))) if published else None)
        db.session.add(made)
        db.session.commit()
        db.session.refresh(specification)
        return made


def acceptance(provider, version):
    with tenants.scoped_to(provider):
        made = SpecificationAcceptance(version_id=version.id, accepted_at=tenants.utcnow())
        db.session.add(made)
        db.session.commit()
        return made


def local_schedule(authority, *, title="Local requirements", body="- Termly returns\n",
                   archived=False):
    with tenants.scoped_to(authority):
        now = tenants.utcnow()
        made = LocalSchedule(title=title, body=body, revision=1, archived=archived,
                             created_at=now, updated_at=now, archived_at=now if archived else None)
        db.session.add(made)
        db.session.add(LocalScheduleRevision(schedule=made, number=1, title=title, body=body,
                                             saved_at=now))
        db.session.commit()
        return made


def published_version(world):
    """One published version of the core specification per test world (the isolation matrix
    asks for the specification and the version separately; they must match)."""
    made = getattr(world, "_specification_version", None)
    if made is None:
        made = version(world.host, specification(world.host, title="Core"))
        world._specification_version = made
    return made
