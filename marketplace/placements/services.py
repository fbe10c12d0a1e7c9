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

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import tenants

from .. import audit, notifications
from ..children import clean_child
from ..accounts.permissions import is_buyer, is_provider, require_buyer
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import london_date
from ..money import MAX_FEE_PENCE, display_pounds
from ..paging import paginate
from ..purchasing.models import PlacementType
from ..purchasing.services import get_system
from . import costing, engine, reviews
from .history import record_event
from .models import EarlyEnd, EndReason, OffFrameworkReason, Placement

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
    call_off_reference: str = ""
    uplift_rule: dict | None = None  # UpliftRuleColumns' values, the call-off's or the system's


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
        **agreed.local_schedule, agreed_at=agreed.agreed_at, created_at=agreed.agreed_at,
        **_uplift_rule_or_none(agreed.uplift_rule))
    db.session.add(placement)
    db.session.flush()
    costing.refresh_value(placement)
    reviews.schedule_first_review(placement)
    record_event(placement, "placement.created",
                 f"Placement agreed from the award of call-off {agreed.call_off_reference}: "
                 f"{display_pounds(placement.weekly_total_pence)} a week from "
                 f"{_day(placement.start_date)} to {_day(placement.end_date)}.",
                 at=agreed.agreed_at)
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
    whole_life_pence: int


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
    agreed = costing.offer_values(placement.placement_type, placement.weekly_total_pence,
                                  placement.start_date, placement.end_date,
                                  placement.provider_id)
    return Agreement(placement, placement.authority, placement.provider, versions,
                     f"{weeks:g}" if weeks else "", placement.agreed_at,
                     agreed.whole_life_pence)


def _day(day):
    return f"{day.day} {day:%B %Y}"


def _uplift_rule_or_none(values):
    """The rule a new placement starts with (issue 12 §4): the call-off's, else the system's,
    else none; notice for proposals 2 months unless set."""
    values = dict(values or {})
    if not values.get("uplift_kind"):
        values = {"uplift_kind": "none"}
    values.setdefault("uplift_notice_months", 2)
    if values["uplift_notice_months"] is None:
        values["uplift_notice_months"] = 2
    return values


def placement_to_change(actor, placement_id):
    """A placement the actor's authority owns, for a change; providers and others get NotFound
    or PermissionDenied as reading does."""
    placement = get_placement(actor, placement_id)
    require_buyer(actor)
    return placement


def _today():
    return london_date(tenants.utcnow())


# ---------------------------------------------------------------- the placement's page

@dataclass
class YearCost:
    label: str  # "2026-27"
    total_pence: int
    estimated: bool


@dataclass
class PlacementPage:
    agreement: Agreement
    by_financial_year: list  # YearCost, each financial year the placement is charged in
    whole_life: object  # engine.Costing
    history: list
    may_change: bool  # the authority's officers and managers, until it has ended
    reviews: list
    may_review: bool  # the authority's officers and managers


def placement_page(actor, placement_id):
    """What a placement's page shows both parties: the agreement's terms, the cost by financial
    year and over its whole life (with workings) from the cost engine, and its history."""
    from .history import events_of

    found = agreement(actor, placement_id)
    placement = found.placement
    by_year, whole = [], None
    try:
        terms = costing.terms_of(placement)
    except Conflict:  # charged by the hour
        terms = None
    if terms is not None:
        whole = engine.whole_life(terms)
        ranges = engine.financial_year_ranges(terms.start, terms.charged_until)
        for (first, last), part in zip(ranges, engine.split(terms, ranges)):
            by_year.append(YearCost(engine.year_label(engine.financial_year(first)),
                                    part.total_pence, part.estimated))
    return PlacementPage(found, by_year, whole, events_of(placement),
                         is_buyer(actor) and placement.ended_on is None,
                         reviews.reviews_of(placement.id), is_buyer(actor))


# ---------------------------------------------------------------- costs

def costs(actor, placement_id, from_text=None, to_text=None):
    """What the placement costs from ``from`` to ``to`` (inclusive; by default its whole charged
    period), with the engine's workings (issue 12 §6). Both parties may read it."""
    placement = get_placement(actor, placement_id)
    start, end = costing.parse_range(from_text, to_text, placement)
    return engine.cost(costing.terms_of(placement), start, end)


# ---------------------------------------------------------------- ending

def end_placement(actor, placement_id, *, end_date, reason, note=None, notice_given_on=None,
                  early_end=None):
    """Record the placement's end (issue 12 §2): its last day and why. The provider's notice
    runs ``notice_weeks`` from the day notice was given (today unless said); an end before the
    notice is up must be agreed by both parties or is charged in lieu until the notice ends
    (never beyond the agreed end date), which the cost engine counts. Refused, changing
    nothing: an end before the start or on or before the last invoiced day, after the agreed end
    date, a placement already ended, an unknown reason."""
    placement = placement_to_change(actor, placement_id)
    if placement.ended_on is not None:
        raise Conflict(f"placement {placement.reference} has already ended "
                       f"(on {_day(placement.ended_on)})")
    errors = {}
    try:
        reason = EndReason(reason)
    except ValueError:
        errors["reason"] = "Select why the placement is ending"
    if reason == EndReason.OTHER and not (note or "").strip():
        errors["note"] = "Say why the placement is ending"
    if not isinstance(end_date, date):
        errors["end_date"] = "Enter the placement's last day"
    elif end_date < placement.start_date:
        errors["end_date"] = (f"The last day must be on or after the start, "
                              f"{_day(placement.start_date)}")
    elif placement.invoiced_to and end_date <= placement.invoiced_to:
        errors["end_date"] = (f"The last day must be after the last invoiced day, "
                              f"{_day(placement.invoiced_to)}")
    elif end_date > placement.end_date:
        errors["end_date"] = (f"The last day must be on or before the agreed end date, "
                              f"{_day(placement.end_date)}")
    given = notice_given_on or _today()
    if not isinstance(given, date):
        errors["notice_given_on"] = "Enter the date notice was given"
    if errors:
        raise ValidationFailed(errors)
    notice_end = engine.notice_end(given, placement.notice_weeks)
    charge_until = None
    if end_date < notice_end and end_date < placement.end_date:
        try:
            early_end = EarlyEnd(early_end)
        except ValueError:
            raise ValidationFailed({"early_end": (
                f"The notice period ({placement.notice_weeks} weeks from {_day(given)}) runs to "
                f"{_day(notice_end)}: say whether the earlier end is agreed by both parties or "
                "the notice is charged in lieu")}) from None
        if early_end == EarlyEnd.IN_LIEU:
            charge_until = min(notice_end, placement.end_date)
    else:
        early_end = None
    before = {"end_date": placement.end_date.isoformat(), "ended_on": None}
    placement.ended_on = end_date
    placement.end_reason = reason
    placement.end_note = (note or "").strip() or None
    placement.notice_given_on = given
    placement.early_end = early_end
    placement.charge_until = charge_until
    if end_date < _today():
        from .models import PlacementStatus
        placement.status = PlacementStatus.ENDED
    costing.refresh_value(placement)
    summary = f"Placement ends on {_day(end_date)}: {reason.label.lower()}."
    if early_end == EarlyEnd.IN_LIEU:
        summary += f" Notice charged in lieu to {_day(charge_until)}."
    elif early_end == EarlyEnd.AGREED:
        summary += " The earlier end than the notice allows is agreed by both parties."
    record_event(placement, "placement.ended", summary, actor=actor)
    audit.record("placement.ended", placement, before=before, after={
        "ended_on": end_date.isoformat(), "end_reason": reason.value,
        "early_end": early_end.value if early_end else None,
        "charge_until": charge_until.isoformat() if charge_until else None,
        "total_value_pence": placement.total_value_pence})
    db.session.flush()  # the authority's rows, before the provider's messages in its scope
    if placement.provider is not None:
        notifications.notify_organisation(placement.provider, "placement_ending", {
            "reference": placement.reference, "authority_name": placement.authority.name,
            "summary": summary,
            "link": notifications.external_url("placements.placement",
                                               placement_id=placement.id)})
    db.session.commit()
    return placement


# ---------------------------------------------------------------- terms agreed

def update_terms(actor, placement_id, *, notice_weeks=None, funding=None, invoiced_to=None):
    """Change what the parties agreed about a placement (issue 12 §2, §8): the provider's notice
    in weeks (1–52), the funding split (education, social care and health, whole percentages
    summing to 100) and the last invoiced day. Refused, changing nothing, on bad input."""
    placement = placement_to_change(actor, placement_id)
    errors, changes = {}, {}
    if notice_weeks is not None:
        if isinstance(notice_weeks, bool) or not isinstance(notice_weeks, int) \
                or not 1 <= notice_weeks <= 52:
            errors["notice_weeks"] = "Enter the notice period as a whole number of weeks, 1 to 52"
        else:
            changes["notice_weeks"] = notice_weeks
    if funding is not None:
        shares = _clean_funding(funding, errors)
        if not errors:
            changes.update({f"funding_{part}_percent": value for part, value in shares.items()})
    if invoiced_to is not None:
        if not isinstance(invoiced_to, date):
            errors["invoiced_to"] = "Enter the last invoiced day as a date"
        elif not placement.start_date <= invoiced_to <= placement.last_day:
            errors["invoiced_to"] = "The last invoiced day must be within the placement"
        else:
            changes["invoiced_to"] = invoiced_to
    if errors:
        raise ValidationFailed(errors)
    before = {name: getattr(placement, name) for name in changes}
    for name, value in changes.items():
        setattr(placement, name, value)
    if changes:
        record_event(placement, "placement.terms_changed", _terms_summary(placement, changes),
                     actor=actor)
        audit.record("placement.terms_changed", placement,
                     before={k: _json(v) for k, v in before.items()},
                     after={k: _json(v) for k, v in changes.items()})
    db.session.commit()
    return placement


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def _terms_summary(placement, changes):
    parts = []
    if "notice_weeks" in changes:
        parts.append(f"notice period {placement.notice_weeks} weeks")
    if "funding_education_percent" in changes:
        parts.append(f"funding {placement.funding_education_percent}% education, "
                     f"{placement.funding_social_care_percent}% social care, "
                     f"{placement.funding_health_percent}% health")
    if "invoiced_to" in changes:
        parts.append(f"invoiced to {_day(placement.invoiced_to)}")
    return "Agreed terms changed: " + "; ".join(parts) + "."


# ---------------------------------------------------------------- off-framework

TYPES_COSTED_BY_THE_WEEK = (PlacementType.DAY, PlacementType.RESIDENTIAL_38,
                            PlacementType.RESIDENTIAL_52)


def record_off_framework(actor, **fields):
    """Record a placement made outside the system (issue 12 §9): a spot purchase, an emergency,
    a school outside the region, a parent's choice, or one made before the system existed. Its
    provider is registered here (``provider_id``) or only named (``provider_name``); the child
    is pseudonymised as on a call-off; the fees, dates, notice, funding split and the reason are
    the officer's. It is flagged off-framework everywhere and counts in the authority's spend.
    ValidationFailed naming each bad field; nothing is saved."""
    from ..providers.models import Provider

    require_buyer(actor)
    today = _today()
    errors = {}
    child = clean_child(fields, errors, today)
    values = {}
    provider_id, name = fields.get("provider_id"), (fields.get("provider_name") or "").strip()
    provider = None
    if provider_id is not None:
        provider = db.session.get(Provider, provider_id)
        if provider is None:
            errors["provider_id"] = "Select a provider registered here, or name the provider"
    elif not name:
        errors["provider_name"] = "Name the provider, or select one registered here"
    elif len(name) > 200:
        errors["provider_name"] = "The provider's name must be 200 characters or fewer"
    try:
        placement_type = PlacementType(fields.get("placement_type"))
        if placement_type not in TYPES_COSTED_BY_THE_WEEK:
            raise ValueError
    except ValueError:
        placement_type = None
        errors["placement_type"] = "Select a day, 38-week or 52-week placement"
    start, end = fields.get("start_date"), fields.get("end_date")
    if not isinstance(start, date):
        errors["start_date"] = "Enter the start date"
    if not isinstance(end, date):
        errors["end_date"] = "Enter the end date"
    elif isinstance(start, date) and end < start:
        errors["end_date"] = "The end date must be on or after the start date"
    for name_ in FEE_FIELDS:
        pence = fields.get(name_) or 0
        if not isinstance(pence, int) or not 0 <= pence <= MAX_FEE_PENCE:
            errors[name_.replace("_pence", "_fee")] = (
                "Enter a weekly fee from £0 to " + display_pounds(MAX_FEE_PENCE))
            pence = 0
        values[name_] = pence
    weekly = sum(values.values())
    if weekly == 0 and not any(k.endswith("_fee") for k in errors):
        errors["core_weekly_fee"] = "Enter the weekly fee"
    try:
        reason = OffFrameworkReason(fields.get("off_framework_reason"))
    except ValueError:
        reason = None
        errors["off_framework_reason"] = "Select why the placement was made off-framework"
    note = (fields.get("off_framework_note") or "").strip() or None
    if reason == OffFrameworkReason.OTHER and not note:
        errors["off_framework_note"] = "Say why the placement was made off-framework"
    notice = fields.get("notice_weeks") or 13
    if not isinstance(notice, int) or not 1 <= notice <= 52:
        errors["notice_weeks"] = "Enter the notice period as a whole number of weeks, 1 to 52"
    funding = _clean_funding(fields.get("funding"), errors)
    if errors:
        raise ValidationFailed(errors)

    authority = actor.organisation
    number = (db.session.scalar(select(func.count(Placement.id)).where(
        Placement.off_framework.is_(True))) or 0) + 1
    worked = costing.offer_values(placement_type, weekly, start, end,
                                  provider.id if provider else None)
    placement = Placement(
        reference=f"PL-{authority.ons_code}-OF{number:06d}", provider_id=provider_id,
        provider_name=None if provider else name, off_framework=True,
        off_framework_reason=reason, off_framework_note=note, **{
            k: child[k] for k in ("case_reference", "birth_year", "gender", "primary_need",
                                  "secondary_needs", "postcode_district")},
        placement_type=placement_type, start_date=start, end_date=end, **values,
        other_description=(fields.get("other_description") or "").strip()[:200] or None,
        weekly_total_pence=weekly, annual_cost_pence=worked.annual_pence,
        total_value_pence=worked.whole_life_pence, notice_weeks=notice,
        specification_version_ids=[], agreed_at=tenants.utcnow(),
        **{f"funding_{part}_percent": share for part, share in funding.items()},
        **_uplift_rule_or_none(_system_rule()))
    db.session.add(placement)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("another placement was recorded at the same moment: try again") from None
    reviews.schedule_first_review(placement)
    record_event(placement, "placement.recorded_off_framework",
                 f"Off-framework placement recorded ({reason.label.lower()}): "
                 f"{display_pounds(weekly)} a week from {_day(start)} to {_day(end)}.",
                 actor=actor)
    audit.record("placement.recorded_off_framework", placement, after={
        "reference": placement.reference, "provider_id": provider_id,
        "provider_name": placement.provider_name, "reason": reason.value,
        "weekly_total_pence": weekly, "total_value_pence": placement.total_value_pence})
    db.session.commit()
    return placement


def off_framework_providers(actor):
    """The providers registered here, by name, for the off-framework form's choice."""
    from ..providers.models import Provider

    require_buyer(actor)
    return db.session.scalars(select(Provider).order_by(Provider.name)).all()


def _system_rule():
    system = get_system()
    return system.uplift_values() if system is not None and system.uplift_kind else None


def _clean_funding(funding, errors):
    """The funding split (issue 12 §8): whole percentages for education, social care and health
    summing to 100; all education when not given."""
    if funding is None:
        return {"education": 100, "social_care": 0, "health": 0}
    shares = {}
    for part in ("education", "social_care", "health"):
        value = funding.get(part, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            errors[f"funding.{part}"] = "Enter a whole percentage from 0 to 100"
            value = 0
        shares[part] = value
    if not any(k.startswith("funding") for k in errors) and sum(shares.values()) != 100:
        errors["funding"] = (f"The funding shares must add up to 100% "
                             f"(they add up to {sum(shares.values())}%)")
    return shares
