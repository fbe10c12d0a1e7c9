"""Placements from agreement to end: every rule, state change and audit event.

Who may do what:
- A member authority's placement officers and managers read their own authority's placements
  (another authority's do not exist for them).
- A provider's users read the placements made with their provider.

A call-off hands over to :func:`create_from_award` when its award is accepted; this package
imports nothing from ``calloffs``.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from .. import audit
from ..accounts.permissions import is_buyer, is_provider
from ..errors import NotFound, PermissionDenied
from ..extensions import db
from ..paging import paginate
from ..purchasing.models import PlacementType
from ..purchasing.services import get_system
from .models import Placement

FEE_FIELDS = ("core_weekly_pence", "support_weekly_pence", "therapies_weekly_pence",
              "other_weekly_pence")


# ---------------------------------------------------------------- made from an award

@dataclass
class Agreed:
    """What an accepted award hands over: the child (pseudonymised), the place and the fees
    agreed, the specification versions in force and the local schedule's text."""

    organisation_id: int
    reference: str
    call_off_id: int
    award_id: int
    provider_id: int
    lot_id: int | None
    child: dict  # case_reference, birth_year, gender, primary_need, secondary_needs,
    #              postcode_district
    placement_type: PlacementType
    start_date: date
    end_date: date
    fees: dict  # FEE_FIELDS, other_description, weekly_total_pence, annual_cost_pence
    specification_version_ids: list
    local_schedule: dict  # local_schedule_revision, _title, _body
    agreed_at: datetime


def create_from_award(agreed):
    """The placement an accepted award makes, in the authority's scope (the caller's
    transaction commits it)."""
    placement = Placement(
        organisation_id=agreed.organisation_id, reference=agreed.reference,
        call_off_id=agreed.call_off_id, award_id=agreed.award_id,
        provider_id=agreed.provider_id, lot_id=agreed.lot_id, **agreed.child,
        placement_type=agreed.placement_type, start_date=agreed.start_date,
        end_date=agreed.end_date, **agreed.fees,
        specification_version_ids=list(agreed.specification_version_ids),
        **agreed.local_schedule, agreed_at=agreed.agreed_at, created_at=agreed.agreed_at)
    db.session.add(placement)
    db.session.flush()
    audit.record("placement.created", placement, after={
        "call_off_id": agreed.call_off_id, "provider_id": agreed.provider_id,
        "reference": placement.reference, "annual_cost_pence": placement.annual_cost_pence})
    db.session.flush()
    return placement


# ---------------------------------------------------------------- reading

def page_of_placements(actor, page, per_page):
    """The authority's placements, or the provider's (newest start first)."""
    if not (is_buyer(actor) or is_provider(actor)):
        raise PermissionDenied("only authorities and providers have placements")
    statement = select(Placement)
    if is_provider(actor):
        statement = statement.where(Placement.provider_id == actor.organisation_id)
    return paginate(statement.order_by(Placement.start_date.desc(), Placement.id.desc()),
                    page, per_page)


def get_placement(actor, placement_id):
    """A placement: its authority or its provider; NotFound for everyone else."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or not (is_buyer(actor) or is_provider(actor)):
        raise NotFound(f"placement {placement_id}")
    return placement


@dataclass
class Agreement:
    placement: object
    authority: object
    provider: object
    versions: list
    chargeable_weeks: str
    issued_at: datetime


def agreement(actor, placement_id):
    """What the Individual Placement Agreement says: parties, child (pseudonymised), dates,
    agreed fees, the specification versions in force and the local schedule's text."""
    from ..specifications.models import SpecificationVersion

    placement = get_placement(actor, placement_id)
    versions = db.session.scalars(select(SpecificationVersion).where(
        SpecificationVersion.id.in_(placement.specification_version_ids or [])
    ).order_by(SpecificationVersion.id)).all()
    weeks = placement.placement_type.chargeable_weeks(
        (get_system().chargeable_school_days if get_system() else 190))
    return Agreement(placement, placement.authority, placement.provider, versions,
                     f"{weeks:g}" if weeks else "", placement.agreed_at)
