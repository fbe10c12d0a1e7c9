"""Call-offs from draft to placement: every rule, state change, audit event and notification.

Who may do what:
- A member authority's placement officers and managers create, publish, evaluate and award
  their own authority's call-offs (another authority's do not exist for them). Its managers set
  the delegation limit and approve awards above it.
- An invited provider reads the call-off, asks clarification questions until they close, and
  makes, revises or withdraws its offer (or declines) until the response deadline; afterwards
  the offer is read-only and always visible to it. It accepts or declines an award.
- Sealing is enforced by visibility (see ``models.Offer``): before the deadline the authority's
  queries cannot return an offer at all. The services add the words: listing offers then
  raises :class:`Sealed`, naming when they open. Only the count of responses is available.

Deadlines are checked here against the clock; jobs only send reminders and notices.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

import tenants

from .. import audit, notifications, working_days
from ..accounts.models import Role, User, UserStatus
from ..accounts.permissions import (is_buyer, is_provider, require_buyer, require_manager,
                                    require_provider)
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..evaluation.admissions import invitable_admissions
from ..extensions import db
from ..formatting import LONDON, govuk_datetime, london_date
from ..money import MAX_FEE_PENCE, format_pounds
from ..children import clean_child
from ..needs import need_label
from ..paging import paginate
from ..placements import costing
from ..placements import services as placements
from ..providers.models import Provider
from ..purchasing import standstill
from ..purchasing.models import Lot, PlacementType, Regime, StandstillRule
from ..purchasing.services import get_system
from ..specifications.services import get_schedule_revision, versions_in_force
from .models import (LIVE_AWARD_STATUSES, Award, AwardStatus, CallOff, CallOffExclusion,
                     CallOffInvitation, CallOffStatus, ChildGender, ClarificationAnswer,
                     ClarificationQuestion, DelegationLimit, DirectAwardReason, Offer,
                     OfferReceipt, QualityMark, Route)

MAX_TEXT = 10000
MIN_PROVIDERS_WITHOUT_WARNING = 3
MAX_LENGTH_WEEKS = 260



class Sealed(Conflict):
    """Offers cannot be read yet: the response deadline has not passed."""

    def __init__(self, call_off, responses_received=0):
        self.opens_at = call_off.response_deadline
        self.responses_received = responses_received
        when = (govuk_datetime(self.opens_at)
                if self.opens_at else "when the call-off has been published and its deadline "
                                      "has passed")
        super().__init__(f"offers are sealed until the response deadline: they open on {when} "
                         f"(UK time)" if self.opens_at else f"offers are sealed: they open {when}")


def _text(value, limit=MAX_TEXT):
    return (value or "").strip()[:limit]


# ---------------------------------------------------------------- loading

def get_call_off(actor, call_off_id):
    """A call-off the actor may see: its authority's buyers, or a provider invited to it;
    NotFound for everyone else."""
    call_off = db.session.get(CallOff, call_off_id)
    if call_off is None or not (is_buyer(actor) or is_provider(actor)):
        raise NotFound(f"call-off {call_off_id}")
    return call_off


def _own_call_off(actor, call_off_id, *, for_update=False):
    """One of the buyer's own call-offs (an invited provider may see it, but not change it)."""
    call_off = get_call_off(actor, call_off_id)
    require_buyer(actor)
    if call_off.organisation_id != actor.organisation_id:
        raise NotFound(f"call-off {call_off_id}")
    if for_update:
        # Lock the row (PostgreSQL; SQLite serialises writers anyway) and re-read it, so two
        # officers acting at once take turns and the second sees the first's change.
        db.session.scalars(select(CallOff).where(CallOff.id == call_off.id)
                           .with_for_update(of=CallOff)
                           .execution_options(populate_existing=True)).one()
    return call_off


def _invitation(actor, call_off):
    return db.session.scalar(select(CallOffInvitation).where(
        CallOffInvitation.call_off_id == call_off.id,
        CallOffInvitation.provider_id == actor.organisation_id))


def _invited_call_off(actor, call_off_id):
    call_off = get_call_off(actor, call_off_id)
    require_provider(actor)
    if _invitation(actor, call_off) is None:
        raise NotFound(f"call-off {call_off_id}")
    return call_off


def _lock_invitation(actor, call_off):
    """Lock the provider's invitation to the call-off for the rest of the transaction
    (PostgreSQL; SQLite serialises writers anyway), so its users' submissions, revisions and
    withdrawals take turns: each then reads the offer as the one before it left it, instead of
    two inserting the first offer at once or two revisions counting as one."""
    db.session.execute(select(CallOffInvitation.id).where(
        CallOffInvitation.call_off_id == call_off.id,
        CallOffInvitation.provider_id == actor.organisation_id).with_for_update())


def _call_offs_statement(actor, status=None):
    """The actor's call-offs, newest first: an authority's by when each was created; a
    provider's by when it was invited (newest invitation first), read in order from the
    invitations' (provider, invited at) index, so a page of a provider invited to many
    thousands of call-offs reads only that page's rows."""
    statement = select(CallOff)
    order = (CallOff.created_at.desc(), CallOff.id.desc())
    if is_provider(actor):
        statement = statement.join(CallOffInvitation, and_(
            CallOffInvitation.call_off_id == CallOff.id,
            CallOffInvitation.provider_id == actor.organisation_id))
        order = (CallOffInvitation.invited_at.desc(), CallOffInvitation.id.desc())
    elif not is_buyer(actor):
        statement = statement.where(False)
    if status == CallOffStatus.CLOSED:
        statement = statement.where(CallOff.status == CallOffStatus.OPEN,
                                    CallOff.response_deadline <= tenants.utcnow())
    elif status == CallOffStatus.OPEN:
        statement = statement.where(CallOff.status == CallOffStatus.OPEN,
                                    CallOff.response_deadline > tenants.utcnow())
    elif status is not None:
        statement = statement.where(CallOff.status == status)
    return statement.order_by(*order)


def page_of_call_offs(actor, page, per_page, *, status=None, with_direct_provider=False):
    """The buyer's authority's call-offs, or the call-offs a provider is invited to (newest
    first), optionally of one status (``closed`` means open and past its deadline); with each
    direct award's provider's id and name joined into the page's query when it is to be shown
    (the API's list), and then of the lot only what is shown, its id, code and title."""
    if status is not None:
        try:
            status = CallOffStatus(status)
        except ValueError:
            raise ValidationFailed({"status": "Choose a status from the list"}) from None
    statement = _call_offs_statement(actor, status)
    if with_direct_provider:
        # Joined rather than loaded by a second query, and only what is shown: not the
        # provider's needs and placement types (two more queries) nor the lot's lists of
        # needs and placement types (JSON decoded for every row).
        statement = statement.options(
            joinedload(CallOff.direct_provider).load_only(Provider.id, Provider.name)
            .lazyload("*"),
            joinedload(CallOff.lot).load_only(Lot.id, Lot.code, Lot.title))
    count = None
    if is_provider(actor) and status is None:
        # One row per invitation, each to a call-off the provider sees (the visibility rule is
        # its invitations): counted from the invitations' index alone, without the call-offs.
        count = select(CallOffInvitation.id).where(
            CallOffInvitation.provider_id == actor.organisation_id)
    return paginate(statement, page, per_page, count=count)


def invitations_for(actor, call_off_ids):
    """The provider's invitations to ``call_off_ids``, with its responses: for its list page
    (three queries, whatever the number of rows)."""
    require_provider(actor)
    ids = list(call_off_ids)
    # Every offer and award here is the actor's own, on a call-off of the page: their provider
    # and call-off are rows already loaded, not joined in again (and the provider's needs and
    # placement types not loaded again with it).
    offers = {o.call_off_id: o for o in db.session.scalars(
        select(Offer).where(Offer.call_off_id.in_(ids),
                            Offer.organisation_id == actor.organisation_id)
        .options(lazyload(Offer.provider), lazyload(Offer.call_off)))}
    awards = {a.call_off_id: a for a in db.session.scalars(
        select(Award).where(Award.call_off_id.in_(ids),
                            Award.provider_id == actor.organisation_id)
        .options(lazyload(Award.provider), lazyload(Award.call_off))
        .order_by(Award.requested_at))}
    return offers, awards


def response_counts(actor, call_off_ids):
    """Responses received per call-off (the one figure the authority may see while sealed)."""
    require_buyer(actor)
    rows = db.session.execute(
        select(OfferReceipt.call_off_id, func.count()).where(
            OfferReceipt.call_off_id.in_(list(call_off_ids)))
        .group_by(OfferReceipt.call_off_id))
    return dict(rows.all())


@dataclass
class CallOffList:
    page: object
    responses: dict  # call-off id -> responses received (the authority's list only)


def call_off_list(actor, page, per_page, *, status=None):
    """The buyer's list page: a page of its call-offs and the responses each has received (the
    one figure allowed while offers are sealed), in two queries whatever the page's size."""
    require_buyer(actor)
    found = page_of_call_offs(actor, page, per_page, status=status)
    return CallOffList(found, response_counts(actor, [c.id for c in found.items]))


def visible_status(actor, call_off, now=None):
    """The call-off's status as the actor may know it. An award is not announced until the
    provider accepts it (then every invited provider is told the outcome), so to providers an
    awarded call-off reads as still being evaluated; the winner learns of its award from the
    award itself."""
    status = call_off.status_at(now or tenants.utcnow())
    if is_provider(actor) and status == CallOffStatus.AWARDED:
        return CallOffStatus.EVALUATING
    return status


@dataclass
class ProviderRow:
    """One call-off as an invited provider sees it in its lists and on its page."""

    call_off: object
    offer: object
    award: object
    status_label: str
    status_colour: str
    response: str


def _provider_row(actor, call_off, offer, award, now):
    status = visible_status(actor, call_off, now)
    if award is not None and award.status == AwardStatus.ACCEPTED:
        label, colour = "Placed with you", "green"
    elif award is not None and award.status == AwardStatus.AWARDED:
        label, colour = "Awarded to you", "turquoise"
    elif status == CallOffStatus.PLACED:
        label, colour = "Placed with another provider", "grey"
    elif status in (CallOffStatus.CLOSED, CallOffStatus.EVALUATING):
        label, colour = "Closed: being evaluated", "yellow"
    else:
        label, colour = status.label, status.tag_colour
    if award is not None:
        response = {AwardStatus.AWARDED: "Awarded: accept or decline",
                    AwardStatus.ACCEPTED: "Award accepted",
                    AwardStatus.DECLINED: "Award declined",
                    AwardStatus.REVOKED: "Award revoked"}.get(award.status, "Offer made")
    elif offer is None:
        response = "Not started" if status == CallOffStatus.OPEN else "No response"
    elif offer.withdrawn:
        response = "Withdrawn"
    else:
        response = "Offer made" if offer.can_meet_need else "Declined"
    return ProviderRow(call_off, offer, award, label, colour, response)


def provider_invitations(actor, page, per_page):
    """The provider's invitations, newest first, each with its response and what it may know
    of the outcome (four queries, whatever the page's size). No status filter: filtering by the
    stored status would tell a provider another had been awarded before the outcome is out."""
    require_provider(actor)
    found = page_of_call_offs(actor, page, per_page)
    offers, awards = invitations_for(actor, [c.id for c in found.items])
    now = tenants.utcnow()
    found.items = [_provider_row(actor, c, offers.get(c.id), awards.get(c.id), now)
                   for c in found.items]
    return found


@dataclass
class ProviderCallOff:
    row: ProviderRow
    questions: object  # QuestionsView
    open_for_offers: bool


def provider_call_off(actor, call_off_id):
    """One call-off as the invited provider sees it: the call-off, its own response and award,
    the published answers and its own questions."""
    view = questions(actor, call_off_id)
    offers, awards = invitations_for(actor, [view.call_off.id])
    now = tenants.utcnow()
    row = _provider_row(actor, view.call_off, offers.get(view.call_off.id),
                        awards.get(view.call_off.id), now)
    return ProviderCallOff(row, view, view.call_off.status_at(now) == CallOffStatus.OPEN)


@dataclass
class OfferPage:
    call_off: object
    offer: object
    open_for_offers: bool
    chargeable_weeks: Fraction


def offer_page(actor, call_off_id):
    """What the provider's offer page shows: its response (if any), whether it may still change
    it, and the weeks its annual cost is worked out over."""
    call_off = _invited_call_off(actor, call_off_id)
    return OfferPage(call_off, get_own_offer(actor, call_off_id),
                     call_off.status_at(tenants.utcnow()) == CallOffStatus.OPEN,
                     chargeable_weeks(call_off))


@dataclass
class CallOffOverview:
    """The buyer's call-off page."""

    call_off: object
    invitees: object
    responses: int
    schedule: dict | None  # title, body, revision: as published, or as it stands for a draft
    status: object
    sealed: bool


def call_off_overview(actor, call_off_id):
    call_off = _own_call_off(actor, call_off_id)
    now = tenants.utcnow()
    schedule = None
    if call_off.local_schedule_body is not None:
        schedule = {"title": call_off.local_schedule_title, "body": call_off.local_schedule_body,
                    "revision": call_off.local_schedule_revision}
    elif call_off.local_schedule_id:
        revision = get_schedule_revision(actor, call_off.local_schedule_id)
        schedule = {"title": revision.title, "body": revision.body, "revision": revision.number}
    return CallOffOverview(call_off, invitees(actor, call_off_id, now),
                           response_counts(actor, [call_off.id]).get(call_off.id, 0), schedule,
                           call_off.status_at(now), call_off.is_sealed(now))


# ---------------------------------------------------------------- the draft

CHILD_FIELDS = ("case_reference", "birth_year", "gender", "primary_need", "secondary_needs",
                "postcode_district", "ehcp_summary")
PLACEMENT_FIELDS = ("lot_id", "placement_type", "start_date", "length_weeks", "requirements",
                    "local_schedule_id", "quality_weight", "price_weight")
TIMETABLE_FIELDS = ("response_deadline", "urgent", "urgent_reason")
ROUTE_FIELDS = ("route", "direct_award_reason", "direct_award_note", "direct_provider_id")
EDITABLE_FIELDS = CHILD_FIELDS + PLACEMENT_FIELDS + TIMETABLE_FIELDS + ROUTE_FIELDS


def _int(value, errors, name, message, low, high):
    if value is None or value == "":
        errors[name] = message
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = message
        return None
    if not low <= number <= high:
        errors[name] = message
        return None
    return number


def _clean_child(fields, errors, today):
    values = clean_child(fields, errors, today)
    values["ehcp_summary"] = _text(fields.get("ehcp_summary"))
    return values


def _clean_placement(actor, fields, errors, today):
    values = {}
    lot = None
    lot_id = fields.get("lot_id")
    if lot_id not in (None, ""):
        try:
            lot = db.session.get(Lot, int(lot_id))
        except (TypeError, ValueError):
            lot = None
    if lot is None:
        errors["lot_id"] = "Select a lot"
    values["lot_id"] = lot.id if lot else None

    try:
        placement_type = PlacementType(fields.get("placement_type"))
    except ValueError:
        placement_type = None
        errors["placement_type"] = "Select the type of placement"
    if placement_type and lot and placement_type.value not in lot.placement_types:
        errors["placement_type"] = (f"Lot {lot.code} does not cover {placement_type.label.lower()}"
                                    " placements: choose another lot or type")
    values["placement_type"] = placement_type

    start = fields.get("start_date")
    if not isinstance(start, date):
        errors["start_date"] = "Enter the date the placement should start"
    elif start < today:
        errors["start_date"] = "The start date must be today or in the future"
    values["start_date"] = start if isinstance(start, date) else None
    values["length_weeks"] = _int(fields.get("length_weeks"), errors, "length_weeks",
                                  f"Enter the length of the placement in weeks, from 1 to "
                                  f"{MAX_LENGTH_WEEKS}", 1, MAX_LENGTH_WEEKS)
    values["requirements"] = _text(fields.get("requirements"))

    schedule_id = fields.get("local_schedule_id")
    values["local_schedule_id"] = None
    if schedule_id not in (None, "", 0, "0"):
        try:
            revision = get_schedule_revision(actor, int(schedule_id))
            if revision.schedule.archived:
                errors["local_schedule_id"] = "That local schedule is archived: choose another"
            values["local_schedule_id"] = revision.schedule_id
        except (NotFound, PermissionDenied, TypeError, ValueError):
            errors["local_schedule_id"] = "Select one of your authority's local schedules"

    quality = _int(fields.get("quality_weight"), errors, "quality_weight",
                   "Enter a quality weight from 0 to 100", 0, 100)
    price = _int(fields.get("price_weight"), errors, "price_weight",
                 "Enter a price weight from 0 to 100", 0, 100)
    if quality is not None and price is not None and quality + price != 100:
        errors["price_weight"] = "The quality and price weights must add up to 100"
    values["quality_weight"], values["price_weight"] = quality, price
    return values, lot


def _clean_route(fields, errors):
    values = {}
    try:
        route = Route(fields.get("route") or Route.COMPETITION)
    except ValueError:
        route = Route.COMPETITION
        errors["route"] = "Select how the placement will be found"
    system = get_system()
    if system is not None and system.regime == Regime.QPL and route != Route.DIRECT_AWARD:
        errors["route"] = ("Call-offs from a qualified provider list are direct awards: choose "
                           "the provider")
    values["route"] = route
    values["direct_award_reason"] = None
    values["direct_award_note"] = None
    values["direct_provider_id"] = None
    if route == Route.DIRECT_AWARD:
        try:
            values["direct_award_reason"] = DirectAwardReason(fields.get("direct_award_reason"))
        except ValueError:
            errors["direct_award_reason"] = "Select the reason for a direct award"
        note = _text(fields.get("direct_award_note"))
        if not note:
            errors["direct_award_note"] = ("Explain the direct award, for example the tribunal "
                                           "order's reference or the parents' request")
        values["direct_award_note"] = note
        provider_id = fields.get("direct_provider_id")
        provider = None
        if provider_id not in (None, ""):
            try:
                provider = db.session.get(Provider, int(provider_id))
            except (TypeError, ValueError):
                provider = None
        if provider is None:
            errors["direct_provider_id"] = "Select the provider to award to"
        values["direct_provider_id"] = provider.id if provider else None
    return values


def _clean_timetable(fields, errors, now):
    values = {"urgent": bool(fields.get("urgent")),
              "urgent_reason": _text(fields.get("urgent_reason")) or None}
    deadline = fields.get("response_deadline")
    if deadline is not None and not isinstance(deadline, datetime):
        errors["response_deadline"] = "Enter the response deadline as a date and time"
        deadline = None
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=LONDON)
    if deadline is not None and deadline <= now:
        errors["response_deadline"] = "The response deadline must be in the future"
    values["response_deadline"] = deadline
    if values["urgent"] and not values["urgent_reason"]:
        errors["urgent_reason"] = "Explain why this call-off is urgent"
    if not values["urgent"]:
        values["urgent_reason"] = None
    return values


def _clean(actor, fields, now):
    errors = {}
    today = london_date(now)
    values = _clean_child(fields, errors, today)
    placement, lot = _clean_placement(actor, fields, errors, today)
    values.update(placement)
    if lot and values["primary_need"] and lot.need_codes and values["primary_need"] not in lot.need_codes:
        errors["primary_need"] = (f"Lot {lot.code} does not cover "
                                  f"{need_label(values['primary_need'])}: choose another lot")
    values.update(_clean_timetable(fields, errors, now))
    values.update(_clean_route(fields, errors))
    if errors:
        raise ValidationFailed(errors)
    return values


def _next_reference(authority_id, now):
    year = london_date(now).year
    count = db.session.scalar(select(func.count()).select_from(CallOff).where(
        CallOff.organisation_id == authority_id, CallOff.reference.like(f"CO-{year}-%")))
    return f"CO-{year}-{count + 1:04d}"


def create_call_off(actor, **fields):
    """Start a draft call-off for one child (placement officer or manager of an authority)."""
    require_buyer(actor)
    now = tenants.utcnow()
    values = _clean(actor, fields, now)
    call_off = CallOff(reference=_next_reference(actor.organisation_id, now),
                       created_by_id=actor.id, created_at=now, updated_at=now,
                       status=CallOffStatus.DRAFT, **values)
    db.session.add(call_off)
    db.session.flush()
    audit.record("call_off.created", call_off, actor=actor,
                 after={"reference": call_off.reference, "route": call_off.route.value,
                        "lot_id": call_off.lot_id,
                        "placement_type": call_off.placement_type.value})
    db.session.commit()
    return call_off


def editable_values(call_off):
    """The draft's fields as the form and API take them."""
    return {name: getattr(call_off, name) for name in EDITABLE_FIELDS}


def update_call_off(actor, call_off_id, **changes):
    """Change a draft; a published call-off changes only through questions and answers."""
    call_off = _own_call_off(actor, call_off_id)
    if call_off.status != CallOffStatus.DRAFT:
        raise Conflict("only a draft call-off can be changed")
    now = tenants.utcnow()
    fields = {**editable_values(call_off), **changes}
    values = _clean(actor, fields, now)
    before = {k: str(getattr(call_off, k)) for k in changes}
    for name, value in values.items():
        setattr(call_off, name, value)
    call_off.updated_at = now
    audit.record("call_off.updated", call_off, actor=actor, before=before,
                 after={k: str(getattr(call_off, k)) for k in changes})
    db.session.commit()
    return call_off


# ---------------------------------------------------------------- who is invited

@dataclass
class Candidate:
    provider: object
    reasons: list  # why not eligible; empty if eligible
    excluded: object = None  # the CallOffExclusion, if the officer removed it

    @property
    def eligible(self):
        return not self.reasons

    @property
    def invited(self):
        return self.eligible and self.excluded is None


@dataclass
class Invitees:
    call_off: object
    candidates: list
    at: datetime

    @property
    def invited(self):
        return [c for c in self.candidates if c.invited]

    @property
    def excluded(self):
        return [c for c in self.candidates if c.eligible and c.excluded is not None]

    @property
    def ineligible(self):
        return [c for c in self.candidates if not c.eligible]

    @property
    def warning(self):
        count = len(self.invited)
        if self.call_off.route == Route.DIRECT_AWARD or count >= MIN_PROVIDERS_WITHOUT_WARNING:
            return None
        return (f"Only {count} provider{'s' if count != 1 else ''} will be invited. You can "
                f"publish, but fewer than {MIN_PROVIDERS_WITHOUT_WARNING} limits competition; "
                "consider the vacancies board, or a direct award if one school is the answer.")


def _mismatches(call_off, provider):
    reasons = []
    needs = {row.code for row in provider.need_rows}
    if call_off.primary_need not in needs:
        reasons.append(f"does not cater for {need_label(call_off.primary_need)}")
    types = {row.placement_type for row in provider.placement_type_rows}
    if call_off.placement_type not in types:
        reasons.append(f"does not offer {call_off.placement_type.label.lower()} placements")
    ages = call_off.age_at_start()
    if provider.age_from is None or provider.age_to is None or not any(
            provider.age_from <= age <= provider.age_to for age in ages):
        reasons.append(f"does not take children aged {ages[0]} to {ages[1]}")
    if call_off.gender.value not in (provider.genders or []):
        reasons.append(f"does not take {'girls' if call_off.gender == ChildGender.FEMALE else 'boys'}")
    return reasons


def _candidates(call_off, at):
    """Every provider with an active admission to the call-off's lot, each with the reasons it
    cannot be invited (suspension, unaccepted specification, need, age, gender, type)."""
    from ..evaluation.admissions import active_admissions
    from ..providers.services import providers_in_good_standing
    from ..specifications.services import providers_with_accepted_specifications

    admissions = active_admissions(call_off.lot_id, at)
    provider_ids = {a.provider_id for a in admissions}
    invitable = {a.provider_id for a in invitable_admissions(call_off.lot_id, at)}
    standing = providers_in_good_standing(provider_ids, at)
    accepted = providers_with_accepted_specifications(provider_ids, at, lot_id=call_off.lot_id)
    providers = {p.id: p for p in db.session.scalars(
        select(Provider).where(Provider.id.in_(provider_ids)))}
    exclusions = {e.provider_id: e for e in db.session.scalars(
        select(CallOffExclusion).where(CallOffExclusion.call_off_id == call_off.id))}
    candidates = []
    for provider_id in sorted(provider_ids, key=lambda i: providers[i].name):
        provider = providers[provider_id]
        reasons = []
        if provider_id not in standing:
            reasons.append("is suspended: a mandatory document has expired")
        if provider_id not in accepted:
            reasons.append("has not accepted the specification in force")
        if provider_id not in invitable and not reasons:
            reasons.append("is not invitable in this lot")
        if call_off.route == Route.DIRECT_AWARD:
            if provider_id != call_off.direct_provider_id:
                continue
        else:
            reasons.extend(_mismatches(call_off, provider))
        candidates.append(Candidate(provider, reasons, exclusions.get(provider_id)))
    return candidates


def invitees(actor, call_off_id, at=None):
    """Who publishing now would invite, who the officer has removed (with reasons) and who is
    not eligible and why. For a published call-off, ``invited`` lists those invited."""
    call_off = _own_call_off(actor, call_off_id)
    at = at or tenants.utcnow()
    if call_off.status != CallOffStatus.DRAFT:
        invitations = db.session.scalars(select(CallOffInvitation).where(
            CallOffInvitation.call_off_id == call_off.id)).all()
        exclusions = db.session.scalars(select(CallOffExclusion).where(
            CallOffExclusion.call_off_id == call_off.id)).all()
        return Invitees(call_off, [Candidate(i.provider, []) for i in invitations]
                        + [Candidate(e.provider, [], e) for e in exclusions],
                        call_off.published_at)
    return Invitees(call_off, _candidates(call_off, at), at)


def exclude_provider(actor, call_off_id, provider_id, reason):
    """Remove an eligible provider from a draft's invitation list, with a recorded reason."""
    call_off = _own_call_off(actor, call_off_id)
    if call_off.status != CallOffStatus.DRAFT:
        raise Conflict("providers can be removed only before the call-off is published")
    reason = _text(reason)
    if not reason:
        raise ValidationFailed({"reason": "Enter why this provider should not be invited"})
    candidate = next((c for c in _candidates(call_off, tenants.utcnow())
                      if c.provider.id == provider_id and c.eligible), None)
    if candidate is None:
        raise ValidationFailed({"provider_id": "That provider is not on the invitation list"})
    if candidate.excluded is not None:
        raise Conflict("that provider has already been removed")
    exclusion = CallOffExclusion(call_off_id=call_off.id, provider_id=provider_id,
                                 reason=reason, excluded_by_id=actor.id)
    db.session.add(exclusion)
    audit.record("call_off.provider_excluded", call_off, actor=actor,
                 after={"provider_id": provider_id, "reason": reason})
    db.session.commit()
    return exclusion


def restore_provider(actor, call_off_id, provider_id):
    """Put a removed provider back on a draft's invitation list."""
    call_off = _own_call_off(actor, call_off_id)
    if call_off.status != CallOffStatus.DRAFT:
        raise Conflict("the invitation list is fixed once the call-off is published")
    exclusion = db.session.scalar(select(CallOffExclusion).where(
        CallOffExclusion.call_off_id == call_off.id, CallOffExclusion.provider_id == provider_id))
    if exclusion is None:
        raise NotFound(f"exclusion of provider {provider_id}")
    db.session.delete(exclusion)
    audit.record("call_off.provider_restored", call_off, actor=actor,
                 before={"provider_id": provider_id, "reason": exclusion.reason})
    db.session.commit()


# ---------------------------------------------------------------- publishing

def _timetable_setting(name, default):
    system = get_system()
    return getattr(system, name) if system is not None else default


def earliest_deadline_date(published_on):
    """The first day a non-urgent response deadline may fall on: the system's shortest
    response period, in working days after the day of publication."""
    return working_days.working_days_after(
        published_on, _timetable_setting("call_off_min_response_days", 5))


def questions_close(published_at, deadline):
    """When clarification questions close: a set number of working days before the deadline
    (same time of day); on a short urgent timetable, halfway between publication and deadline.
    """
    local = deadline.astimezone(LONDON)
    day = working_days.working_days_before(
        local.date(), _timetable_setting("call_off_questions_close_days", 2))
    closes = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=LONDON)
    if closes <= published_at:
        closes = published_at + (deadline - published_at) / 2
    return closes.astimezone(ZoneInfo("UTC"))


def publish_call_off(actor, call_off_id, *, response_deadline=None, urgent=None,
                     urgent_reason=None):
    """Publish a draft: fix the timetable, record the specification versions in force and the
    local schedule's text, invite every eligible provider not removed, and notify them.

    The response deadline must fall at least the configured number of working days after
    today, unless the call-off is on the urgent route with a recorded reason."""
    call_off = _own_call_off(actor, call_off_id, for_update=True)
    if call_off.status != CallOffStatus.DRAFT:
        raise Conflict("the call-off has already been published")
    now = tenants.utcnow()
    changes = {k: v for k, v in (("response_deadline", response_deadline), ("urgent", urgent),
                                 ("urgent_reason", urgent_reason)) if v is not None}
    values = _clean(actor, {**editable_values(call_off), **changes}, now)
    deadline = values["response_deadline"]
    errors = {}
    if deadline is None:
        errors["response_deadline"] = "Enter the response deadline"
    elif call_off.route == Route.COMPETITION and not values["urgent"]:
        earliest = earliest_deadline_date(london_date(now))
        if london_date(deadline) < earliest:
            days = _timetable_setting("call_off_min_response_days", 5)
            errors["response_deadline"] = (
                f"The response deadline must be at least {days} working days after today: "
                f"{earliest:%A} {earliest.day} {earliest:%B %Y} or later, unless the call-off "
                "is urgent")
    if errors:
        raise ValidationFailed(errors)
    for name, value in values.items():
        setattr(call_off, name, value)

    people = invitees(actor, call_off.id, now)
    invited = people.invited
    if not invited:
        if call_off.route == Route.DIRECT_AWARD:
            reasons = "; ".join(people.candidates[0].reasons) if people.candidates else (
                "it holds no active admission to the lot")
            raise ValidationFailed({"direct_provider_id": f"That provider cannot be invited: "
                                                          f"{reasons}"})
        raise Conflict("no eligible provider would be invited: change the lot, placement type "
                       "or requirements, or restore a removed provider")

    if call_off.local_schedule_id:
        revision = get_schedule_revision(actor, call_off.local_schedule_id)
        call_off.local_schedule_revision = revision.number
        call_off.local_schedule_title = revision.title
        call_off.local_schedule_body = revision.body
    call_off.specification_version_ids = [v.id for v in versions_in_force(now, call_off.lot_id)]
    call_off.response_deadline = deadline.astimezone(ZoneInfo("UTC"))
    call_off.questions_close_at = questions_close(now, call_off.response_deadline)
    call_off.published_at = now
    call_off.status = CallOffStatus.OPEN
    call_off.status_changed_at = call_off.updated_at = now
    for candidate in invited:
        db.session.add(CallOffInvitation(call_off_id=call_off.id,
                                         provider_id=candidate.provider.id, invited_at=now))
    audit.record("call_off.published", call_off, actor=actor, after={
        "response_deadline": call_off.response_deadline.isoformat(),
        "questions_close_at": call_off.questions_close_at.isoformat(),
        "urgent": call_off.urgent, "urgent_reason": call_off.urgent_reason,
        "invited": [c.provider.id for c in invited],
        "excluded": [c.provider.id for c in people.excluded],
        "specification_version_ids": call_off.specification_version_ids})
    db.session.flush()
    for candidate in invited:
        notifications.notify_organisation(candidate.provider, "call_off_invitation",
                                          _provider_context(call_off, candidate.provider))
    db.session.commit()
    return call_off


def _when(at):
    return govuk_datetime(at)


def _provider_context(call_off, provider):
    return {"provider_name": provider.name, "authority_name": call_off.authority.name,
            "reference": call_off.reference,
            "placement_type": call_off.placement_type.label,
            "deadline": _when(call_off.response_deadline) if call_off.response_deadline else "",
            "direct_award": call_off.route == Route.DIRECT_AWARD,
            "link": notifications.external_url("calloffs.call_off", call_off_id=call_off.id)}


def _notify_invited(call_off, template, extra=None, *, provider_ids=None):
    invitations = db.session.scalars(select(CallOffInvitation).where(
        CallOffInvitation.call_off_id == call_off.id)).all()
    for invitation in invitations:
        if provider_ids is not None and invitation.provider_id not in provider_ids:
            continue
        notifications.notify_organisation(
            invitation.provider, template,
            {**_provider_context(call_off, invitation.provider), **(extra or {})})


def _notify_buyer(call_off, template, extra=None):
    """Email the officer who created the call-off (in the authority's scope, whoever acts)."""
    with tenants.scoped_to(call_off.authority):
        creator = db.session.get(User, call_off.created_by_id) if call_off.created_by_id else None
        if creator is None or creator.status != UserStatus.ACTIVE:
            return
        notifications.notify(creator.email, template, {
            "full_name": creator.full_name, "reference": call_off.reference,
            "authority_name": call_off.authority.name,
            "link": notifications.external_url("calloffs.call_off", call_off_id=call_off.id),
            **(extra or {})})
        db.session.flush()


def cancel_call_off(actor, call_off_id, reason):
    """Cancel a call-off that has not been placed, with a reason; invited providers are told.
    A live award must be revoked first."""
    call_off = _own_call_off(actor, call_off_id, for_update=True)
    return _close_without_placement(actor, call_off, CallOffStatus.CANCELLED, reason)


def record_no_suitable_offer(actor, call_off_id, reason):
    """Close a call-off whose offers are opened without awarding: no offer meets the need. The
    reason is kept: it is the region's sufficiency gap."""
    call_off = _own_call_off(actor, call_off_id, for_update=True)
    if call_off.status_at(tenants.utcnow()) not in (CallOffStatus.CLOSED,
                                                    CallOffStatus.EVALUATING):
        raise Conflict("no suitable offer is recorded only after the offers have opened")
    return _close_without_placement(actor, call_off, CallOffStatus.NO_SUITABLE_OFFER, reason)


def _close_without_placement(actor, call_off, status, reason):
    if call_off.status.finished:
        raise Conflict(f"the call-off is already {call_off.status.label.lower()}")
    if _live_award(call_off.id) is not None:
        raise Conflict("revoke the award before closing the call-off")
    reason = _text(reason)
    if not reason:
        raise ValidationFailed({"reason": "Enter the reason"})
    was_published = call_off.status != CallOffStatus.DRAFT
    now = tenants.utcnow()
    before = call_off.status_at(now).value
    call_off.status, call_off.status_reason = status, reason
    call_off.status_changed_at = call_off.updated_at = now
    audit.record(f"call_off.{status.value}", call_off, actor=actor,
                 before={"status": before}, after={"status": status.value, "reason": reason})
    db.session.flush()
    if was_published:
        _notify_invited(call_off, "call_off_outcome", {
            "outcome": status.value, "outcome_label": status.label, "reason": reason,
            "successful": False})
    db.session.commit()
    return call_off


# ---------------------------------------------------------------- questions

@dataclass
class QuestionsView:
    call_off: object
    questions: list  # the authority's view: every question; a provider's: its own
    answers: dict  # question id -> ClarificationAnswer
    published: list  # every published answer, for invited providers
    open_for_questions: bool


def questions(actor, call_off_id):
    """Questions and answers: the authority sees every question (without reading offers); a
    provider sees its own questions and every published answer, never who asked them."""
    call_off = get_call_off(actor, call_off_id)
    now = tenants.utcnow()
    published = db.session.scalars(select(ClarificationAnswer).where(
        ClarificationAnswer.call_off_id == call_off.id)
        .order_by(ClarificationAnswer.published_at, ClarificationAnswer.id)).all()
    if is_provider(actor):
        _invited_call_off(actor, call_off_id)
    asked = db.session.scalars(select(ClarificationQuestion).where(
        ClarificationQuestion.call_off_id == call_off.id)
        .order_by(ClarificationQuestion.asked_at, ClarificationQuestion.id)).all()
    return QuestionsView(call_off, asked, {a.question_id: a for a in published}, published,
                         _questions_open(call_off, now))


def _questions_open(call_off, now):
    return (call_off.status == CallOffStatus.OPEN and call_off.questions_close_at is not None
            and now < call_off.questions_close_at)


def ask_question(actor, call_off_id, question):
    """An invited provider asks a clarification question, before questions close."""
    call_off = _invited_call_off(actor, call_off_id)
    now = tenants.utcnow()
    if not _questions_open(call_off, now):
        raise Conflict("clarification questions closed on "
                       f"{_when(call_off.questions_close_at)} (UK time)"
                       if call_off.questions_close_at else "questions are not open")
    question = _text(question, 5000)
    if not question:
        raise ValidationFailed({"question": "Enter your question"})
    row = ClarificationQuestion(call_off_id=call_off.id, question=question,
                                asked_by_id=actor.id, asked_at=now)
    db.session.add(row)
    audit.record("call_off.question_asked", row, actor=actor,
                 after={"call_off_id": call_off.id})
    db.session.flush()
    _notify_buyer(call_off, "call_off_question", {"question": question})
    db.session.commit()
    return row


def answer_question(actor, call_off_id, question_id, answer):
    """Answer a question once; the question and answer (never who asked) go to every invited
    provider. Answers are published until the response deadline."""
    call_off = _own_call_off(actor, call_off_id)
    question = db.session.get(ClarificationQuestion, question_id)
    if question is None or question.call_off_id != call_off.id:
        raise NotFound(f"question {question_id}")
    now = tenants.utcnow()
    if call_off.status_at(now) != CallOffStatus.OPEN:
        raise Conflict("the response deadline has passed: answers can no longer be published")
    if db.session.scalar(select(ClarificationAnswer.id).where(
            ClarificationAnswer.question_id == question.id)) is not None:
        raise Conflict("this question has already been answered")
    answer = _text(answer, 5000)
    if not answer:
        raise ValidationFailed({"answer": "Enter your answer"})
    row = ClarificationAnswer(call_off_id=call_off.id, question_id=question.id,
                              question=question.question, answer=answer,
                              answered_by_id=actor.id, published_at=now)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("this question has already been answered") from None
    audit.record("call_off.answer_published", row, actor=actor,
                 after={"call_off_id": call_off.id, "question_id": question.id})
    db.session.flush()
    _notify_invited(call_off, "call_off_answer", {"question": question.question,
                                                  "answer": answer})
    db.session.commit()
    return row


# ---------------------------------------------------------------- offers

FEE_FIELDS = ("core_weekly_pence", "support_weekly_pence", "therapies_weekly_pence",
              "other_weekly_pence")


def chargeable_weeks(call_off):
    """Weeks charged in a year of the call-off's placement type, as the offer page explains
    them: the system's school days ÷ 5 (e.g. 38) for term-time types, 52 for 52-week ones (whose
    cost the engine counts by calendar days ÷ 7: 365 ÷ 7 in a year)."""
    days = costing.chargeable_days()
    weeks = call_off.placement_type.chargeable_weeks(days)
    return Fraction(days, 5) if call_off.placement_type.term_time else Fraction(weeks or 0)


def offer_values(call_off, weekly_pence, available_from, provider_id):
    """An offer's annual cost and whole-life value from the cost engine (issue 12 §6-7), over
    the placement it would make: from the requested start, or later if the place is only
    available later, for the requested length."""
    start = max(call_off.start_date, available_from or call_off.start_date)
    return costing.offer_values(call_off.placement_type, weekly_pence, start,
                                start + timedelta(weeks=call_off.length_weeks), provider_id)


def refresh_offer_values():
    """Work out, through the engine, the whole-life value of every offer to meet a need that has
    none yet (made before values were kept: migration 0016), and copy it onto its awards. Each
    provider's offers in its own scope, then each authority's awards; returns the counts."""
    offers = awards = 0
    for provider in db.session.scalars(select(Provider)).all():
        with tenants.scoped_to(provider):
            for offer in db.session.scalars(select(Offer).where(
                    Offer.can_meet_need.is_(True), Offer.total_value_pence == 0)).all():
                offer.total_value_pence = offer_values(
                    offer.call_off, offer.weekly_total_pence, offer.available_from,
                    provider.id).whole_life_pence
                offers += 1
            db.session.commit()
    for authority in db.session.scalars(select(tenants.Authority)).all():
        with tenants.scoped_to(authority):
            for award in db.session.scalars(select(Award).where(
                    Award.total_value_pence == 0).options(joinedload(Award.offer))).all():
                award.total_value_pence = award.offer.total_value_pence
                awards += 1
            db.session.commit()
    return offers, awards


def _weeks_label(weeks):
    return str(weeks.numerator) if weeks.denominator == 1 else f"{float(weeks):.2f}"


def get_own_offer(actor, call_off_id):
    """The provider's response to a call-off it was invited to, or None."""
    call_off = _invited_call_off(actor, call_off_id)
    return db.session.scalar(select(Offer).where(
        Offer.call_off_id == call_off.id, Offer.organisation_id == actor.organisation_id))


def _clean_offer(call_off, fields, today, provider_id):
    errors = {}
    values = {}
    can_meet = fields.get("can_meet_need")
    if can_meet in ("yes", "true", True, "True", "1"):
        can_meet = True
    elif can_meet in ("no", "false", False, "False", "0"):
        can_meet = False
    else:
        errors["can_meet_need"] = "Select whether you can meet the child's needs"
        can_meet = None
    values["can_meet_need"] = can_meet
    values["decline_reason"] = None
    for name in FEE_FIELDS:
        values[name] = 0
    values["other_description"] = None
    values["available_from"] = None
    values["statement"] = _text(fields.get("statement"))
    if can_meet is False:
        reason = _text(fields.get("decline_reason"))
        if not reason:
            errors["decline_reason"] = "Enter why you cannot offer a place"
        values["decline_reason"] = reason
    elif can_meet:
        for name in FEE_FIELDS:
            value = fields.get(name)
            if value in (None, ""):
                value = 0
            if not isinstance(value, int) or isinstance(value, bool) or not (
                    0 <= value <= MAX_FEE_PENCE):
                errors[name] = (f"Enter an amount from £0 to {format_pounds(MAX_FEE_PENCE)} a "
                                "week")
                continue
            values[name] = value
        if not errors and values["core_weekly_pence"] <= 0:
            errors["core_weekly_pence"] = "Enter the core weekly fee"
        other_description = _text(fields.get("other_description"), 200)
        if values["other_weekly_pence"] and not other_description:
            errors["other_description"] = "Say what the other weekly cost is for"
        values["other_description"] = other_description or None
        available = fields.get("available_from")
        if not isinstance(available, date):
            errors["available_from"] = "Enter the date the place is available from"
        elif available < today:
            errors["available_from"] = "The available-from date must be today or later"
        values["available_from"] = available if isinstance(available, date) else None
        if not values["statement"]:
            errors["statement"] = "Explain how you will meet the child's needs"
    if errors:
        raise ValidationFailed(errors)
    weekly = sum(values[name] for name in FEE_FIELDS)
    worked = offer_values(call_off, weekly, values["available_from"], provider_id)
    values["weekly_total_pence"] = weekly
    values["annual_cost_pence"] = worked.annual_pence
    values["total_value_pence"] = worked.whole_life_pence
    values["chargeable_weeks"] = _weeks_label(worked.weeks)
    return values


def _require_before_deadline(call_off, now, doing):
    if call_off.status != CallOffStatus.OPEN or now >= call_off.response_deadline:
        raise Conflict(f"the response deadline ({_when(call_off.response_deadline)}, UK time) "
                       f"has passed: offers can no longer be {doing}"
                       if call_off.response_deadline and call_off.status != CallOffStatus.DRAFT
                       else f"offers can no longer be {doing}")


def submit_offer(actor, call_off_id, **fields):
    """Make or revise the provider's response (an offer with its fees, or a decline with a
    reason) until the response deadline. Amounts are weekly, in pence; the weekly total and
    annual cost are computed from the placement type's chargeable weeks."""
    call_off = _invited_call_off(actor, call_off_id)
    now = tenants.utcnow()
    _require_before_deadline(call_off, now, "made or changed")
    values = _clean_offer(call_off, fields, london_date(now), actor.organisation_id)
    _lock_invitation(actor, call_off)
    # The wait for the lock may have run past the deadline.
    now = tenants.utcnow()
    _require_before_deadline(call_off, now, "made or changed")
    offer = db.session.scalar(select(Offer).where(
        Offer.call_off_id == call_off.id, Offer.organisation_id == actor.organisation_id
    ).execution_options(populate_existing=True))
    action = "call_off.offer_submitted"
    if offer is None:
        offer = Offer(call_off_id=call_off.id, submitted_at=now, revision=1, **values)
        db.session.add(offer)
    else:
        action = "call_off.offer_revised" if not offer.withdrawn else action
        for name, value in values.items():
            setattr(offer, name, value)
        offer.revision += 1
        offer.withdrawn_at = None
        offer.submitted_at = now
    offer.submitted_by_id, offer.updated_at = actor.id, now
    if db.session.scalar(select(OfferReceipt.id).where(
            OfferReceipt.call_off_id == call_off.id,
            OfferReceipt.organisation_id == actor.organisation_id)) is None:
        db.session.add(OfferReceipt(call_off_id=call_off.id, received_at=now))
    db.session.flush()
    audit.record(action, offer, actor=actor, after={
        "call_off_id": call_off.id, "revision": offer.revision,
        "can_meet_need": offer.can_meet_need})
    db.session.commit()
    return offer


def withdraw_offer(actor, offer_id):
    """Withdraw the provider's offer before the deadline; it may respond again until then."""
    offer = _provider_offer(actor, offer_id)
    _lock_invitation(actor, offer.call_off)
    offer = db.session.scalars(select(Offer).where(Offer.id == offer.id)
                               .execution_options(populate_existing=True)).one()
    now = tenants.utcnow()
    _require_before_deadline(offer.call_off, now, "withdrawn")
    if offer.withdrawn:
        raise Conflict("the offer has already been withdrawn")
    offer.withdrawn_at = offer.updated_at = now
    receipt = db.session.scalar(select(OfferReceipt).where(
        OfferReceipt.call_off_id == offer.call_off_id,
        OfferReceipt.organisation_id == actor.organisation_id))
    if receipt is not None:
        db.session.delete(receipt)
    audit.record("call_off.offer_withdrawn", offer, actor=actor,
                 after={"call_off_id": offer.call_off_id})
    db.session.commit()
    return offer


def get_offer(actor, offer_id):
    """An offer: its provider always; the call-off's authority once the deadline has passed
    (before then it does not exist for them)."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or not (is_provider(actor) or is_buyer(actor)):
        raise NotFound(f"offer {offer_id}")
    return offer


def list_offers(actor, call_off_id):
    """A provider: its own response (a list of at most one). The authority: every response once
    the deadline has passed; before then :class:`Sealed`."""
    call_off = get_call_off(actor, call_off_id)
    if is_provider(actor):
        own = get_own_offer(actor, call_off_id)
        return [own] if own else []
    call_off = _own_call_off(actor, call_off_id)
    if call_off.status == CallOffStatus.DRAFT or (
            call_off.route == Route.COMPETITION and call_off.is_sealed(tenants.utcnow())):
        raise Sealed(call_off, response_counts(actor, [call_off.id]).get(call_off.id, 0))
    return db.session.scalars(select(Offer).where(Offer.call_off_id == call_off.id)
                              .order_by(Offer.submitted_at, Offer.id)).all()


# ---------------------------------------------------------------- evaluation

@dataclass
class Row:
    offer: object
    mark: object  # QualityMark or None
    quality_score: Fraction | None
    price_score: Fraction | None
    total: Fraction | None
    rank: int | None
    award: object = None  # the latest award to this offer, if any

    @property
    def declined_award(self):
        return self.award is not None and self.award.status == AwardStatus.DECLINED


@dataclass
class Evaluation:
    call_off: object
    rows: list  # ranked offers first, then unmarked
    not_offered: list  # declines and withdrawn offers
    awards: list
    live_award: object
    all_marked: bool
    status: object

    @property
    def marks_frozen(self):
        return marks_frozen(self.awards)

    @property
    def top(self):
        return next((row for row in self.rows if row.rank == 1), None)


def _awards(call_off_id):
    return db.session.scalars(select(Award).where(Award.call_off_id == call_off_id)
                              .order_by(Award.requested_at, Award.id)).all()


def _live_award(call_off_id):
    return db.session.scalar(select(Award).where(
        Award.call_off_id == call_off_id, Award.status.in_(LIVE_AWARD_STATUSES)))


# An award that stood (waiting for approval, made, accepted, or made and then declined) fixes
# the ranking it came from: a manager approves, and after a decline the next offer is awarded,
# on that ranking. One revoked as made in error or refused by a manager never stood, and the
# error may lie in the marks, so it does not.
_MARK_FREEZING_AWARDS = (*LIVE_AWARD_STATUSES, AwardStatus.DECLINED)


def marks_frozen(awards):
    """Whether ``awards`` (a call-off's) fix its quality marks."""
    return any(award.status in _MARK_FREEZING_AWARDS for award in awards)


def evaluation(actor, call_off_id):
    """The ranked table: price score = lowest annual cost ÷ this annual cost × price weight;
    quality score = mark ÷ 100 × quality weight. Offers whose award the provider declined drop
    out of the ranking. Sealed until the deadline (direct awards excepted)."""
    offers = list_offers(actor, call_off_id)
    call_off = _own_call_off(actor, call_off_id)
    marks = {m.offer_id: m for m in db.session.scalars(
        select(QualityMark).where(QualityMark.call_off_id == call_off.id))}
    awards = _awards(call_off.id)
    latest = {}
    for award in awards:
        latest[award.offer_id] = award
    declined = {a.offer_id for a in awards if a.status == AwardStatus.DECLINED}
    live = [o for o in offers if o.can_meet_need and not o.withdrawn]
    gone = [o for o in offers if not (o.can_meet_need and not o.withdrawn)]
    rankable = [o for o in live if o.id not in declined]
    lowest = min((o.annual_cost_pence for o in rankable if o.annual_cost_pence > 0), default=None)
    rows = []
    for offer in live:
        mark = marks.get(offer.id)
        price = (Fraction(lowest, offer.annual_cost_pence) * call_off.price_weight
                 if lowest and offer.annual_cost_pence and offer.id not in declined else None)
        quality = Fraction(mark.mark, 100) * call_off.quality_weight if mark else None
        total = quality + price if quality is not None and price is not None else None
        rows.append(Row(offer, mark, quality, price, total, None, latest.get(offer.id)))
    ranked = sorted((r for r in rows if r.total is not None and r.offer.id not in declined),
                    key=lambda r: (-r.total, r.offer.annual_cost_pence, r.offer.submitted_at))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.offer.provider.name))
    all_marked = all(r.mark is not None for r in rows if r.offer.id not in declined)
    return Evaluation(call_off, rows, gone, awards, _live_award(call_off.id), all_marked,
                      call_off.status_at(tenants.utcnow()))


def record_quality_mark(actor, call_off_id, offer_id, *, mark, notes=""):
    """The authority's buyer marks an offer's quality 0-100 with notes, once offers are open
    and until the call-off is awarded (see ``marks_frozen``); an open call-off is then being
    evaluated."""
    offers = {o.id: o for o in list_offers(actor, call_off_id)}
    call_off = _own_call_off(actor, call_off_id, for_update=True)
    offer = offers.get(offer_id)
    if offer is None:
        raise NotFound(f"offer {offer_id}")
    if not offer.can_meet_need or offer.withdrawn:
        raise Conflict("only offers to meet the need are marked")
    if call_off.status.finished or call_off.status == CallOffStatus.AWARDED or marks_frozen(
            _awards(call_off.id)):
        raise Conflict("marks are fixed once the call-off has been awarded: revoke the award "
                       "made in error to correct them")
    errors = {}
    value = _int(mark, errors, "mark", "Enter a quality mark from 0 to 100", 0, 100)
    if errors:
        raise ValidationFailed(errors)
    now = tenants.utcnow()
    row = db.session.scalar(select(QualityMark).where(QualityMark.offer_id == offer.id))
    before = {"mark": row.mark} if row else None
    if row is None:
        row = QualityMark(call_off_id=call_off.id, offer_id=offer.id, mark=value)
        db.session.add(row)
    row.mark, row.notes = value, _text(notes)
    row.marked_by_id, row.marked_at = actor.id, now
    if call_off.status == CallOffStatus.OPEN:
        call_off.status, call_off.status_changed_at = CallOffStatus.EVALUATING, now
    call_off.updated_at = now
    db.session.flush()
    audit.record("call_off.quality_marked", call_off, actor=actor, before=before,
                 after={"offer_id": offer.id, "mark": value})
    db.session.commit()
    return row


# ---------------------------------------------------------------- award

def get_delegation_limit(actor):
    """The actor's authority's delegation limit row, or None (no limit set)."""
    if actor.organisation.kind != tenants.OrganisationKind.AUTHORITY:
        raise PermissionDenied("only authorities have a delegation limit")
    return db.session.scalar(select(DelegationLimit))


# A delegation limit above ten years at the highest weekly fee is a typing mistake.
MAX_LIMIT_PENCE = MAX_FEE_PENCE * 52 * 10


def set_delegation_limit(actor, annual_limit_pence):
    """The authority's manager sets the whole-life value (issue 12 §7: the cost over the
    placement's whole length, not a year's) above which an award needs a manager's approval.
    The column keeps its first name, ``annual_limit_pence``."""
    require_manager(actor)
    if not isinstance(annual_limit_pence, int) or isinstance(annual_limit_pence, bool) or not (
            0 < annual_limit_pence <= MAX_LIMIT_PENCE):
        raise ValidationFailed({"annual_limit_pence": "Enter a whole-life limit greater than £0"})
    row = get_delegation_limit(actor)
    before = {"annual_limit_pence": row.annual_limit_pence} if row else None
    if row is None:
        row = DelegationLimit(annual_limit_pence=annual_limit_pence)
        db.session.add(row)
    row.annual_limit_pence, row.set_by_id, row.set_at = (annual_limit_pence, actor.id,
                                                         tenants.utcnow())
    audit.record("authority.delegation_limit_set", row, actor=actor, before=before,
                 after={"annual_limit_pence": annual_limit_pence})
    db.session.commit()
    return row


def award(actor, call_off_id, offer_id, *, justification=None):
    """Award the call-off to one offer. Competition: every offer must be marked; any offer but
    the top-ranked needs a justification. An annual cost above the delegation limit waits for a
    manager's approval (a manager's own award is approved by making it). Exactly one live award
    per call-off, however many officers press the button at once."""
    table = evaluation(actor, call_off_id)
    call_off = _own_call_off(actor, call_off_id, for_update=True)
    now = tenants.utcnow()
    status = call_off.status_at(now)
    if status not in (CallOffStatus.CLOSED, CallOffStatus.EVALUATING) and not (
            call_off.route == Route.DIRECT_AWARD and status == CallOffStatus.OPEN):
        raise Conflict(f"a call-off that is {status.label.lower()} cannot be awarded")
    if _live_award(call_off.id) is not None:
        raise Conflict("the call-off has already been awarded")
    row = next((r for r in table.rows if r.offer.id == offer_id), None)
    if row is None:
        raise ValidationFailed({"offer_id": "Choose an offer to meet the need that has not "
                                            "been withdrawn"})
    if row.declined_award:
        raise ValidationFailed({"offer_id": "That provider declined this call-off's award"})
    justification = _text(justification) or None
    if call_off.route == Route.COMPETITION:
        if not table.all_marked:
            raise Conflict("mark the quality of every offer before awarding")
        if row.rank != 1 and not justification:
            raise ValidationFailed({"justification": (
                "This offer is not ranked first: record why you are awarding it, for example "
                "parental preference or a tribunal order")})
    limit = get_delegation_limit(actor)
    # The limit is on the whole-life value (issue 12 §7).
    needs_approval = limit is not None and row.offer.total_value_pence > limit.annual_limit_pence
    approved_by_making = needs_approval and actor.role == Role.AUTHORITY_MANAGER
    record = Award(call_off_id=call_off.id, offer_id=row.offer.id,
                   provider_id=row.offer.organisation_id, rank=row.rank,
                   justification=justification, annual_cost_pence=row.offer.annual_cost_pence,
                   total_value_pence=row.offer.total_value_pence,
                   requested_by_id=actor.id, requested_at=now,
                   status=AwardStatus.AWAITING_APPROVAL)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("the call-off has already been awarded") from None
    audit.record("call_off.award_requested", record, actor=actor, after={
        "call_off_id": call_off.id, "offer_id": row.offer.id, "rank": row.rank,
        "justification": justification, "annual_cost_pence": row.offer.annual_cost_pence,
        "total_value_pence": row.offer.total_value_pence, "needs_approval": needs_approval})
    if needs_approval and not approved_by_making:
        call_off.status, call_off.status_changed_at = CallOffStatus.EVALUATING, now
        db.session.flush()
        _notify_managers(call_off, record)
    else:
        if approved_by_making:
            record.approved_by_id, record.approved_at = actor.id, now
            record.approval_note = "Approved by the manager making the award"
        _make_award(actor, call_off, record, now)
    db.session.commit()
    return record


def _notify_managers(call_off, record):
    managers = db.session.scalars(select(User).where(
        User.role == Role.AUTHORITY_MANAGER, User.status == UserStatus.ACTIVE)).all()
    for manager in managers:
        notifications.notify(manager.email, "award_approval_needed", {
            "full_name": manager.full_name, "reference": call_off.reference,
            "annual_cost": format_pounds(record.annual_cost_pence),
            "link": notifications.external_url("calloffs.call_off", call_off_id=call_off.id)})


def _make_award(actor, call_off, record, now):
    system = get_system()
    rule = StandstillRule(system.call_off_standstill) if system else StandstillRule.NONE
    record.status, record.made_at = AwardStatus.AWARDED, now
    # The award keeps its own rule: what it says later never follows a changed setting.
    record.standstill_rule = rule.value
    record.standstill_ends_at = standstill.standstill_end(rule, now)
    call_off.status, call_off.status_changed_at, call_off.updated_at = (CallOffStatus.AWARDED,
                                                                        now, now)
    audit.record("call_off.awarded", record, actor=actor, after={
        "call_off_id": call_off.id, "provider_id": record.provider_id,
        "standstill_rule": rule.value,
        "standstill_ends_at": record.standstill_ends_at.isoformat()})
    db.session.flush()
    _notify_invited(call_off, "award_made", {
        "annual_cost": format_pounds(record.annual_cost_pence),
        "standstill_ends": record.standstill.until,
        "standstill": record.standstill.applies,
        "award_link": notifications.external_url("calloffs.award", award_id=record.id)},
        provider_ids={record.provider_id})


def _own_award(actor, award_id):
    # Found (or not) before the role check: another organisation's users are told it does not
    # exist, not that their role forbids it.
    record = db.session.get(Award, award_id)
    if record is None:
        raise NotFound(f"award {award_id}")
    require_buyer(actor)
    if record.organisation_id != actor.organisation_id:
        raise NotFound(f"award {award_id}")
    return record


def get_award(actor, award_id):
    """An award: its authority's buyers, or its provider once it has been made."""
    record = db.session.get(Award, award_id)
    if record is None or not (is_buyer(actor) or is_provider(actor)):
        raise NotFound(f"award {award_id}")
    return record


def approve_award(actor, award_id, note=""):
    """A manager approves an award above the delegation limit; it is then made."""
    record = _own_award(actor, award_id)
    require_manager(actor)
    call_off = _own_call_off(actor, record.call_off_id, for_update=True)
    if record.status != AwardStatus.AWAITING_APPROVAL:
        raise Conflict("the award is not awaiting approval")
    now = tenants.utcnow()
    record.approved_by_id, record.approved_at = actor.id, now
    record.approval_note = _text(note) or None
    audit.record("call_off.award_approved", record, actor=actor,
                 after={"note": record.approval_note})
    _make_award(actor, call_off, record, now)
    db.session.commit()
    return record


def refuse_award(actor, award_id, note):
    """A manager refuses an award above the delegation limit, with a reason; the officer may
    award again."""
    record = _own_award(actor, award_id)
    require_manager(actor)
    if record.status != AwardStatus.AWAITING_APPROVAL:
        raise Conflict("the award is not awaiting approval")
    note = _text(note)
    if not note:
        raise ValidationFailed({"note": "Enter why the award is not approved"})
    now = tenants.utcnow()
    record.status, record.approval_note = AwardStatus.APPROVAL_REFUSED, note
    record.approved_by_id, record.approved_at = actor.id, now
    audit.record("call_off.award_refused", record, actor=actor, after={"note": note})
    db.session.flush()
    _notify_buyer(record.call_off, "award_refused", {"note": note})
    db.session.commit()
    return record


def revoke_award(actor, award_id, reason):
    """Revoke an award made in error, with a reason, until the provider accepts it."""
    record = _own_award(actor, award_id)
    call_off = _own_call_off(actor, record.call_off_id, for_update=True)
    if record.status not in (AwardStatus.AWAITING_APPROVAL, AwardStatus.AWARDED):
        raise Conflict("only an award the provider has not accepted can be revoked")
    reason = _text(reason)
    if not reason:
        raise ValidationFailed({"reason": "Enter why the award is revoked"})
    now = tenants.utcnow()
    was_made = record.made_at is not None
    record.status, record.revoked_at, record.revoke_reason = AwardStatus.REVOKED, now, reason
    call_off.status, call_off.status_changed_at = CallOffStatus.EVALUATING, now
    audit.record("call_off.award_revoked", record, actor=actor, after={"reason": reason})
    db.session.flush()
    if was_made:
        _notify_invited(call_off, "award_revoked", {"reason": reason},
                        provider_ids={record.provider_id})
    db.session.commit()
    return record


def _provider_award(actor, award_id):
    record = db.session.get(Award, award_id)
    if record is None:
        raise NotFound(f"award {award_id}")
    require_provider(actor)
    if record.provider_id != actor.organisation_id:
        raise NotFound(f"award {award_id}")
    return record


def _provider_offer(actor, offer_id):
    """The provider's own offer; NotFound for anyone who cannot see it, PermissionDenied for
    the authority that can (after the deadline) but may not act on it."""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(f"offer {offer_id}")
    require_provider(actor)
    if offer.organisation_id != actor.organisation_id:
        raise NotFound(f"offer {offer_id}")
    return offer


def accept_award(actor, award_id):
    """The provider accepts an award (after any standstill): the placement is made, the
    authority is told and every other invited provider learns the outcome."""
    record = _provider_award(actor, award_id)
    now = tenants.utcnow()
    if record.status != AwardStatus.AWARDED:
        raise Conflict("this award is no longer open to acceptance")
    if record.standstill.applies and now < record.standstill_ends_at:
        raise Conflict(f"standstill ends at {record.standstill.until} (UK time): the award "
                       "can be accepted after that")
    offer = db.session.get(Offer, record.offer_id)
    call_off = record.call_off
    audit.record("call_off.award_accepted", record, actor=actor,
                 after={"call_off_id": call_off.id})
    db.session.flush()  # the provider's own rows, before acting in the authority's scope
    # The authority's rows change on the provider's word: a deliberate, audited step into its
    # scope (as notify_organisation does).
    with tenants.scoped_to(call_off.authority):
        record = db.session.scalars(select(Award).where(Award.id == award_id)
                                    .with_for_update(of=Award)
                                    .execution_options(populate_existing=True)).one()
        if record.status != AwardStatus.AWARDED:
            raise Conflict("this award is no longer open to acceptance")
        record.status, record.responded_at, record.responded_by_id = (AwardStatus.ACCEPTED,
                                                                      now, actor.id)
        call_off.status, call_off.status_changed_at, call_off.updated_at = (
            CallOffStatus.PLACED, now, now)
        placement = placements.create_from_award(_agreed(call_off, record, offer, now))
    _notify_buyer(call_off, "award_accepted", {"provider_name": record.provider.name,
                                               "placement_reference": placement.reference})
    with tenants.scoped_to(call_off.authority):  # the authority sees every invitation
        others = set(db.session.scalars(select(CallOffInvitation.provider_id).where(
            CallOffInvitation.call_off_id == call_off.id))) - {record.provider_id}
        _notify_invited(call_off, "call_off_outcome", {
            "outcome": "placed", "outcome_label": "Placed with another provider",
            "reason": "", "successful": False}, provider_ids=others)
    db.session.commit()
    return placement


def decline_award(actor, award_id, reason):
    """The provider declines an award, with a reason; the officer may award the next offer."""
    record = _provider_award(actor, award_id)
    if record.status != AwardStatus.AWARDED:
        raise Conflict("this award is no longer open to a response")
    reason = _text(reason)
    if not reason:
        raise ValidationFailed({"reason": "Enter why you are declining the award"})
    now = tenants.utcnow()
    call_off = record.call_off
    with tenants.scoped_to(call_off.authority):
        record = db.session.scalars(select(Award).where(Award.id == award_id)
                                    .with_for_update(of=Award)
                                    .execution_options(populate_existing=True)).one()
        if record.status != AwardStatus.AWARDED:
            raise Conflict("this award is no longer open to a response")
        record.status, record.responded_at, record.responded_by_id = (AwardStatus.DECLINED,
                                                                      now, actor.id)
        record.decline_reason = reason
        call_off.status, call_off.status_changed_at, call_off.updated_at = (
            CallOffStatus.EVALUATING, now, now)
        audit.record("call_off.award_declined", record, actor=actor, after={"reason": reason})
        db.session.flush()
    _notify_buyer(call_off, "award_declined", {"provider_name": record.provider.name,
                                               "reason": reason})
    db.session.commit()
    return record


def award_for_offer(actor, offer_id):
    """The latest award made to the provider's own offer (the API answers awards by offer);
    NotFound if the offer is not its own, Conflict if no award has been made to it."""
    offer = _provider_offer(actor, offer_id)
    record = db.session.scalar(select(Award).where(
        Award.offer_id == offer.id, Award.provider_id == actor.organisation_id,
        Award.made_at.is_not(None)).order_by(Award.made_at.desc(), Award.id.desc()).limit(1))
    if record is None:
        raise Conflict("no award has been made to this offer")
    return record


def accept_offer_award(actor, offer_id):
    """The provider accepts the award made to its offer (see :func:`accept_award`)."""
    return accept_award(actor, award_for_offer(actor, offer_id).id)


def decline_offer_award(actor, offer_id, reason):
    """The provider declines the award made to its offer (see :func:`decline_award`)."""
    return decline_award(actor, award_for_offer(actor, offer_id).id, reason)


# ---------------------------------------------------------------- the placement

def _placement_reference(call_off):
    """Unique across the region: the authority's ONS code and its call-off's number, e.g.
    PL-E08000003-2026-0004 for Manchester's CO-2026-0004."""
    return f"PL-{call_off.authority.ons_code}-{call_off.reference.removeprefix('CO-')}"


def _agreed(call_off, record, offer, now):
    """What the accepted award hands over to the placements service. The placement starts
    when both can: the requested start, or later if the place is only available later; it
    runs for the requested length from then."""
    start = max(call_off.start_date, offer.available_from or call_off.start_date)
    return placements.Agreed(
        organisation_id=call_off.organisation_id, reference=_placement_reference(call_off),
        call_off_id=call_off.id, award_id=record.id, provider_id=record.provider_id,
        lot_id=call_off.lot_id,
        child={"case_reference": call_off.case_reference, "birth_year": call_off.birth_year,
               "gender": call_off.gender, "primary_need": call_off.primary_need,
               "secondary_needs": list(call_off.secondary_needs),
               "postcode_district": call_off.postcode_district},
        placement_type=call_off.placement_type, start_date=start,
        end_date=start + timedelta(weeks=call_off.length_weeks),
        fees={**{name: getattr(offer, name) for name in FEE_FIELDS},
              "other_description": offer.other_description,
              "weekly_total_pence": offer.weekly_total_pence,
              "annual_cost_pence": offer.annual_cost_pence,
              "total_value_pence": offer.total_value_pence},
        specification_version_ids=list(call_off.specification_version_ids),
        local_schedule={"local_schedule_revision": call_off.local_schedule_revision,
                        "local_schedule_title": call_off.local_schedule_title,
                        "local_schedule_body": call_off.local_schedule_body},
        agreed_at=now, call_off_reference=call_off.reference,
        uplift_rule=_uplift_rule(call_off))


def _uplift_rule(call_off):
    """The placement's uplift rule (issue 12 §4): the call-off's, else the system's default."""
    if call_off.uplift_kind:
        return call_off.uplift_values()
    system = get_system()
    return system.uplift_values() if system is not None and system.uplift_kind else None


# ---------------------------------------------------------------- jobs

def send_deadline_reminders(now=None):
    """Remind invited providers that have not responded, once, within the reminder period
    before the deadline. Runs in each authority's scope; returns the number of reminders."""
    now = now or tenants.utcnow()
    horizon = now + timedelta(hours=current_app.config["CALL_OFF_REMINDER_HOURS"])
    sent = 0
    for authority in db.session.scalars(select(tenants.Authority)).all():
        with tenants.scoped_to(authority):
            due = db.session.scalars(select(CallOffInvitation).join(CallOff).where(
                CallOff.status == CallOffStatus.OPEN, CallOff.response_deadline > now,
                CallOff.response_deadline <= horizon,
                CallOffInvitation.reminder_sent_at.is_(None))).all()
            if not due:
                continue
            responded = {tuple(row) for row in db.session.execute(select(
                OfferReceipt.call_off_id, OfferReceipt.organisation_id).where(
                OfferReceipt.call_off_id.in_({i.call_off_id for i in due})))}
            for invitation in due:
                invitation.reminder_sent_at = now
                if (invitation.call_off_id, invitation.provider_id) in responded:
                    continue
                db.session.flush()
                notifications.notify_organisation(
                    invitation.provider, "call_off_reminder",
                    _provider_context(invitation.call_off, invitation.provider))
                sent += 1
            db.session.commit()
    return sent


def announce_opened_offers(now=None):
    """Tell each call-off's officer, once, that its offers have opened at the deadline."""
    now = now or tenants.utcnow()
    sent = 0
    for authority in db.session.scalars(select(tenants.Authority)).all():
        with tenants.scoped_to(authority):
            due = db.session.scalars(select(CallOff).where(
                CallOff.status.in_([CallOffStatus.OPEN, CallOffStatus.EVALUATING]),
                CallOff.route == Route.COMPETITION,
                CallOff.response_deadline <= now,
                CallOff.opened_notice_sent_at.is_(None))).all()
            for call_off in due:
                call_off.opened_notice_sent_at = now
                count = db.session.scalar(select(func.count()).select_from(Offer).where(
                    Offer.call_off_id == call_off.id, Offer.can_meet_need.is_(True),
                    Offer.withdrawn_at.is_(None)))
                db.session.flush()
                _notify_buyer(call_off, "call_off_offers_opened", {"offers": count})
                sent += 1
            db.session.commit()
    return sent
