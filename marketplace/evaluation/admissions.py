"""Read-side helpers other packages call: which lots a provider is admitted to, and which
admissions are active in a lot at a moment (call-offs invite those).

Both respect scoping like any query; admissions are readable by every organisation.
"""
from sqlalchemy import select

import tenants

from ..extensions import db
from .models import Admission, AdmissionStatus


def admitted_lot_ids(provider_id):
    """Lots where the provider has an admission that is not removed (pending, active or
    suspended): a provider applies only for lots it is not already admitted to."""
    return set(db.session.scalars(
        select(Admission.lot_id).where(Admission.provider_id == provider_id,
                                       Admission.status != AdmissionStatus.REMOVED)))


def active_admissions(lot_id, at=None):
    """Admissions in ``lot_id`` that are active at ``at`` (default now): status active and
    standstill ended (``effective_at <= at``). Call-offs invite these providers."""
    at = at or tenants.utcnow()
    return list(db.session.scalars(
        select(Admission).where(Admission.lot_id == lot_id,
                                Admission.status == AdmissionStatus.ACTIVE,
                                Admission.effective_at <= at)
        .order_by(Admission.provider_id)))


def is_admitted(provider_id, lot_id, at=None):
    """The provider holds an active admission to the lot at ``at`` (default now)."""
    return any(a.provider_id == provider_id for a in active_admissions(lot_id, at))


def invitable_admissions(lot_id, at=None):
    """The admissions in ``lot_id`` whose providers a call-off published at ``at`` (default now)
    may invite: active after standstill, the provider in good standing (no expired mandatory
    document) and having accepted every specification version in force at ``at``. Everything
    here follows the clock; a call-off narrows this further by the child's need, age and gender.
    """
    from ..providers.services import providers_in_good_standing
    from ..specifications.services import providers_with_accepted_specifications

    at = at or tenants.utcnow()
    admissions = active_admissions(lot_id, at)
    provider_ids = {admission.provider_id for admission in admissions}
    eligible = (providers_in_good_standing(provider_ids, at)
                & providers_with_accepted_specifications(provider_ids, at, lot_id=lot_id))
    return [admission for admission in admissions if admission.provider_id in eligible]
