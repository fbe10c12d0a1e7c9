"""A placement's fees over time (issue 12 §3, §4; DESIGN §3 Placement): its effective-dated fee
changes, its uplift rule, the region's default rule and the index series index-linked rules
follow. Every rule and state change is here; the pages and the API only carry input to it.

Who may do what:
- An authority's placement officers and managers record fee changes on their own placements
  and set their uplift rules; the placement's provider reads its fee history.
- The host's administrators set the region's default uplift rule and keep the index series
  (e.g. CPI); everyone reads the series.

Errors name the field as the API spells it (``effective_from``, ``core_weekly_fee``,
``percent``, ``index``...), and the pages use the same names for their fields.

The placement's fee columns stay the fees agreed at the start; the fees on a date are those
overlaid by the last change effective by then (:func:`fees_on`).
"""
import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

import tenants

from .. import audit, notifications
from ..accounts.permissions import (is_buyer, is_host_admin, is_provider, require_buyer,
                                    require_host_admin)
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import govuk_date, london_date
from ..money import MAX_FEE_PENCE, display_pounds
from ..purchasing.services import get_system, require_system
from ..uplift_rules import UpliftKind, UpliftRuleColumns
from . import costing, engine
from .history import record_event
from .models import (FeeChangeReason, IndexSeries, IndexValue, Placement, PlacementFeeChange,
                     UpliftDecision, UpliftProposal)

FEE_FIELDS = ("core_weekly_pence", "support_weekly_pence", "therapies_weekly_pence",
              "other_weekly_pence")
# The API's (and the pages') name for each fee component.
FEE_NAMES = {"core_weekly_pence": "core_weekly_fee", "support_weekly_pence": "support_weekly_fee",
             "therapies_weekly_pence": "therapies_weekly_fee",
             "other_weekly_pence": "other_weekly_fee"}
FEE_LABELS = {"core_weekly_pence": "core weekly fee", "support_weekly_pence": "1:1 support fee",
              "therapies_weekly_pence": "therapies fee", "other_weekly_pence": "other fee"}
MAX_TEXT = 2000
DEFAULT_NOTICE_MONTHS = 2
# An index value is an annual rate; anything outside this is a typing mistake.
MIN_INDEX_BP, MAX_INDEX_BP = -5000, 10000
INDEX_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
PERCENT = re.compile(r"^-?\d{1,3}(\.\d{1,2})?$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# ---------------------------------------------------------------- percentages

def parse_percent(text):
    """A percentage as people and the API write it ("2.5", "-1", "0.25") to integer basis
    points (250); ValueError if it is not one."""
    text = text.strip().rstrip("%").strip() if isinstance(text, str) else str(text)
    if not PERCENT.match(text):
        raise ValueError(text)
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation:
        raise ValueError(text) from None


def format_percent(bp):
    """Basis points as the API writes a percentage: 250 → "2.5", 1500 → "15", -50 → "-0.5"."""
    if bp is None:
        return None
    whole, part = divmod(abs(bp), 100)
    text = f"{whole}.{part:02d}".rstrip("0").rstrip(".")
    return f"-{text}" if bp < 0 else text


def display_percent(bp):
    return None if bp is None else f"{format_percent(bp)}%"


def _text(value, limit=MAX_TEXT):
    return (value or "").strip()[:limit] or None


# ---------------------------------------------------------------- loading

def _placement(actor, placement_id):
    """A placement its authority's buyers or its provider may see (the placements service's
    rule; NotFound for everyone else)."""
    from .services import get_placement as visible_placement

    return visible_placement(actor, placement_id)


def _own_placement(actor, placement_id, *, for_update=False):
    """One of the buyer's own placements (its provider may read it, but not change it): the
    placements service's rule."""
    from .services import placement_to_change

    placement = placement_to_change(actor, placement_id)
    if for_update:
        # Lock the row (PostgreSQL; SQLite serialises writers anyway) so two changes to one
        # placement take turns.
        db.session.scalars(select(Placement).where(Placement.id == placement.id)
                           .with_for_update(of=Placement)
                           .execution_options(populate_existing=True)).one()
    return placement


def own_placement(actor, placement_id):
    """A placement whose fees the actor may change: its authority's buyers (PermissionDenied
    for its provider, NotFound for everyone else)."""
    return _own_placement(actor, placement_id)


def get_placement(actor, placement_id):
    """A placement for its fee pages: its authority's buyers or its provider."""
    return _placement(actor, placement_id)


# ---------------------------------------------------------------- fee history (issue 12 §3)

def fee_changes_of(placement):
    """The placement's fee changes in the order they apply: by effective date, and on one date
    in the order recorded (so the later recorded wins)."""
    return costing.fee_changes_of([placement.id]).get(placement.id, [])


def _ordered(changes):
    return sorted(changes, key=lambda c: (c.effective_from, c.id or 0))


def start_fees(placement):
    """The fee components agreed at the start, with their weekly total."""
    fees = {name: getattr(placement, name) or 0 for name in FEE_FIELDS}
    return {**fees, "weekly_total_pence": sum(fees.values())}


def fees_on(placement, changes, day):
    """The fee components in force on ``day`` (issue 12 §3): those agreed at the start,
    overlaid by the last change effective on or before ``day`` (on one date, the later
    recorded). ``changes`` are the placement's (:func:`fee_changes_of`), in any order. Returns
    a dict of the four components and ``weekly_total_pence``."""
    fees = start_fees(placement)
    for change in _ordered(changes):
        if change.effective_from > day:
            break
        fees = {name: getattr(change, name) for name in FEE_FIELDS}
        fees["weekly_total_pence"] = sum(fees.values())
    return fees


def fee_steps(placement, changes):
    """The weekly total's history for the cost engine (issue 12 §6): the start fee from the
    start date, then each change's weekly total from its effective date; where two changes
    share a date the later recorded wins. A tuple of :class:`engine.FeeStep`; ``changes`` in any
    order (the arithmetic is ``costing.fee_steps``', the one place it is done)."""
    return costing.fee_steps(placement, _ordered(changes))


def _reason(value):
    try:
        return FeeChangeReason(value)
    except ValueError:
        return None


def _check_fees(fees, errors):
    for name in FEE_FIELDS:
        value = fees.get(name)
        field = FEE_NAMES[name]
        if value is None:
            errors[field] = f"Enter the {FEE_LABELS[name]} in pounds (0 if none)"
        elif not isinstance(value, int) or isinstance(value, bool):
            errors[field] = f"Enter the {FEE_LABELS[name]} in pounds, for example 1250.00"
        elif value < 0:
            errors[field] = f"The {FEE_LABELS[name]} cannot be negative"
        elif value > MAX_FEE_PENCE:
            errors[field] = (f"The {FEE_LABELS[name]} can be at most "
                             f"{display_pounds(MAX_FEE_PENCE)} a week")


def record_fee_change(actor, placement_id, effective_from, core_weekly_pence=None,
                      support_weekly_pence=None, therapies_weekly_pence=None,
                      other_weekly_pence=None, reason=None, note=None, agreed_by=None):
    """Record an effective-dated change to a placement's fee components (issue 12 §3), by its
    authority's officers or managers. Refused, naming the field and saving nothing (issue 12,
    bad input): a date before the start or after the placement's last day; a date on or before
    the last invoiced day (an approved past period) unless the reason is a correction; a
    negative fee; an unknown reason. The provider is told."""
    placement = _own_placement(actor, placement_id, for_update=True)
    errors = {}
    fees = {"core_weekly_pence": core_weekly_pence, "support_weekly_pence": support_weekly_pence,
            "therapies_weekly_pence": therapies_weekly_pence,
            "other_weekly_pence": other_weekly_pence}
    chosen = _reason(reason)
    if chosen is None:
        errors["reason"] = ("Choose the reason for the change: uplift, negotiated change, "
                            "change of need or correction")
    if not isinstance(effective_from, date):
        errors["effective_from"] = "Enter the date the new fees take effect"
    elif effective_from < placement.start_date:
        errors["effective_from"] = (f"The change cannot take effect before the placement starts "
                                    f"on {govuk_date(placement.start_date)}")
    elif effective_from > placement.last_day:
        errors["effective_from"] = (f"The change cannot take effect after the placement's last "
                                    f"day, {govuk_date(placement.last_day)}")
    elif (placement.invoiced_to is not None and effective_from <= placement.invoiced_to
          and chosen != FeeChangeReason.CORRECTION):
        errors["effective_from"] = (f"Fees are invoiced to {govuk_date(placement.invoiced_to)}: "
                                    f"a change on or before then must be a correction")
    _check_fees(fees, errors)
    if errors:
        raise ValidationFailed(errors)
    change = PlacementFeeChange(
        placement_id=placement.id, provider_id=placement.provider_id,
        effective_from=effective_from, **fees, weekly_total_pence=sum(fees.values()),
        reason=chosen, note=_text(note), agreed_by=_text(agreed_by, 200),
        recorded_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    audit.record("placement.fee_changed", change, actor=actor, after={
        "placement_id": placement.id, "effective_from": effective_from.isoformat(),
        **fees, "weekly_total_pence": change.weekly_total_pence, "reason": chosen.value})
    summary = (f"Fees changed from {govuk_date(effective_from)} ({chosen.label.lower()}): "
               f"weekly total {display_pounds(change.weekly_total_pence)}")
    record_event(placement, "fees.changed", summary, actor=actor)
    _notify_provider(placement, "placement_fees_changed", {
        "effective_from": govuk_date(effective_from), "reason": chosen.label,
        "weekly_total": display_pounds(change.weekly_total_pence)})
    costing.refresh_value(placement)
    db.session.commit()
    return change


def _notify_provider(placement, template, extra):
    """Email the placement's provider's users (none for a provider only named off-framework)."""
    if placement.provider is None:
        return
    db.session.flush()  # the caller's rows, in its own scope, before the provider's messages
    notifications.notify_organisation(placement.provider, template, {
        "reference": placement.reference, "authority_name": placement.authority.name,
        "link": notifications.external_url("placement_fees.fee_history",
                                           placement_id=placement.id),
        **extra})


@dataclass
class FeeHistory:
    placement: object
    start: dict
    changes: list
    current: dict
    rule: object
    can_change: bool


def fee_history(actor, placement_id, today):
    """A placement's fees: agreed at the start, each change, those in force ``today``, and its
    uplift rule (both parties; only the authority's buyers may change them)."""
    placement = _placement(actor, placement_id)
    changes = fee_changes_of(placement)
    return FeeHistory(placement, start_fees(placement), changes,
                      fees_on(placement, changes, today), rule_of(placement),
                      is_buyer(actor))  # a buyer who sees it is its authority's (the scope)


def list_fee_changes(actor, placement_id):
    """The placement's fee changes (its authority and its provider)."""
    return fee_changes_of(_placement(actor, placement_id))


# ---------------------------------------------------------------- uplift rules (issue 12 §4)

RULE_ARGUMENTS = ("kind", "percent_bp", "index_code", "reference_month", "cap_bp", "floor_bp",
                  "review_above_bp", "notice_months")


def rule_of(holder):
    """The uplift rule stored on a placement (or the purchasing system) as an
    :class:`engine.UpliftRule`; no rule stored means none."""
    kind = holder.uplift_kind or engine.NONE
    notice = holder.uplift_notice_months
    return engine.UpliftRule(
        kind=kind, percent_bp=holder.uplift_percent_bp, index_code=holder.uplift_index_code,
        reference_month=holder.uplift_reference_month, cap_bp=holder.uplift_cap_bp,
        floor_bp=holder.uplift_floor_bp, review_above_bp=holder.uplift_review_above_bp,
        notice_months=DEFAULT_NOTICE_MONTHS if notice is None else notice)


def describe_rule(rule):
    """The rule in words, as the pages and the history show it."""
    if rule.kind == engine.FIXED_APRIL:
        return f"{display_percent(rule.percent_bp)} each 1 April"
    if rule.kind == engine.FIXED_ANNIVERSARY:
        return f"{display_percent(rule.percent_bp)} on each anniversary of the start"
    if rule.kind == engine.INDEX_LINKED:
        month = date(2000, rule.reference_month or 1, 1).strftime("%B")
        words = [f"{rule.index_code} at {month}, each 1 April"]
        if rule.cap_bp is not None:
            words.append(f"at most {display_percent(rule.cap_bp)}")
        if rule.floor_bp is not None:
            words.append(f"at least {display_percent(rule.floor_bp)}")
        if rule.review_above_bp is not None:
            words.append(f"reviewed when {rule.index_code} exceeds "
                         f"{display_percent(rule.review_above_bp)}")
        return ", ".join(words)
    return "No uplift"


def _in_bounds(bp):
    return engine.MIN_PERCENT_BP <= bp <= engine.MAX_PERCENT_BP


BOUNDS = (f"between {display_percent(engine.MIN_PERCENT_BP)} and "
          f"{display_percent(engine.MAX_PERCENT_BP)}")


def clean_rule(kind=None, percent_bp=None, index_code=None, reference_month=None, cap_bp=None,
               floor_bp=None, review_above_bp=None, notice_months=None):
    """An uplift rule's column values from its fields (issue 12 §4), or ValidationFailed naming
    each bad field as the API spells it: an unknown kind; a fixed kind without its percentage;
    an index-linked one without its index or reference month, or with an index the host does
    not keep; a percentage, cap, floor or review threshold outside −20%..+50%; a cap below the
    floor; negative notice. Fields that do not belong to the kind are not kept."""
    errors = {}
    kinds = [k.value for k in UpliftKind]
    if kind not in kinds:
        errors["kind"] = "Choose how the fees go up: " + ", ".join(kinds)
        raise ValidationFailed(errors)
    values = dict.fromkeys(UpliftRuleColumns.UPLIFT_COLUMNS)
    values["uplift_kind"] = kind
    if notice_months is None:
        notice_months = DEFAULT_NOTICE_MONTHS
    if not isinstance(notice_months, int) or not 0 <= notice_months <= 24:
        errors["notice_months"] = "The notice for a proposed uplift must be 0 to 24 months"
    values["uplift_notice_months"] = notice_months
    if kind in (engine.FIXED_APRIL, engine.FIXED_ANNIVERSARY):
        if percent_bp is None:
            errors["percent"] = "Enter the uplift percentage, for example 2.5"
        elif not _in_bounds(percent_bp):
            errors["percent"] = f"The uplift percentage must be {BOUNDS}"
        values["uplift_percent_bp"] = percent_bp
    elif kind == engine.INDEX_LINKED:
        code = (index_code or "").strip().upper()
        if not code:
            errors["index"] = "Choose the index the uplift follows, for example CPI"
        elif db.session.scalar(select(IndexSeries.id).where(IndexSeries.code == code)) is None:
            errors["index"] = f"There is no index {code}: choose one the host keeps"
        if reference_month is None:
            errors["reference_month"] = "Enter the reference month, 1 to 12"
        elif not isinstance(reference_month, int) or not 1 <= reference_month <= 12:
            errors["reference_month"] = "The reference month must be 1 to 12"
        for field, value in (("cap", cap_bp), ("floor", floor_bp),
                             ("review_above", review_above_bp)):
            if value is not None and not _in_bounds(value):
                errors[field] = f"The {field.replace('_', ' ')} must be {BOUNDS}"
        if (cap_bp is not None and floor_bp is not None and "cap" not in errors
                and "floor" not in errors and cap_bp < floor_bp):
            errors["cap"] = (f"The cap ({display_percent(cap_bp)}) cannot be below the floor "
                             f"({display_percent(floor_bp)})")
        values.update(uplift_index_code=code, uplift_reference_month=reference_month,
                      uplift_cap_bp=cap_bp, uplift_floor_bp=floor_bp,
                      uplift_review_above_bp=review_above_bp)
    if errors:
        raise ValidationFailed(errors)
    return values


def set_uplift_rule(actor, placement_id, **rule):
    """Set a placement's uplift rule (issue 12 §4), by its authority's officers or managers.
    Uplifts already applied stay; the daily job applies the new rule's due dates from now on
    (and any past due date not yet applied)."""
    placement = _own_placement(actor, placement_id, for_update=True)
    values = clean_rule(**rule)
    before = placement.uplift_values()
    for name, value in values.items():
        setattr(placement, name, value)
    audit.record("placement.uplift_rule_set", placement, actor=actor, before=before,
                 after=values)
    record_event(placement, "uplift.rule_set",
                 f"Uplift rule: {describe_rule(rule_of(placement))}", actor=actor)
    db.session.commit()
    return placement


def set_default_uplift_rule(actor, **rule):
    """Set the region's default uplift rule on the purchasing system (issue 12 §4), by the
    host's administrators; new placements copy it (:func:`default_rule_values`)."""
    require_host_admin(actor)
    system = require_system()
    values = clean_rule(**rule)
    before = system.uplift_values()
    for name, value in values.items():
        setattr(system, name, value)
    audit.record("system.uplift_rule_set", system, actor=actor, before=before, after=values)
    db.session.commit()
    return system


def default_rule():
    """The region's default uplift rule (none before the host sets one)."""
    system = get_system()
    return rule_of(system) if system is not None else rule_of(_NoRule())


class _NoRule(UpliftRuleColumns):
    def __init__(self):
        for name in self.UPLIFT_COLUMNS:
            setattr(self, name, None)


def default_rule_values():
    """The uplift columns a new placement copies from the system's default (issue 12 §4): the
    default's values, or "none" (notice 2 months) where the host has set none."""
    system = get_system()
    values = system.uplift_values() if system is not None else _NoRule().uplift_values()
    if not values["uplift_kind"]:
        values = {**dict.fromkeys(UpliftRuleColumns.UPLIFT_COLUMNS),
                  "uplift_kind": engine.NONE}
    if values["uplift_notice_months"] is None:
        values["uplift_notice_months"] = DEFAULT_NOTICE_MONTHS
    return values


# ---------------------------------------------------------------- index series (issue 12 §4)

def list_index_series(actor):
    """Every index series the host keeps (everyone reads them), by code."""
    return db.session.scalars(select(IndexSeries).order_by(IndexSeries.code)).all()


def get_index_series(actor, code):
    series = db.session.scalar(select(IndexSeries).where(
        IndexSeries.code == (code or "").strip().upper()))
    if series is None:
        raise NotFound(f"index series {code}")
    return series


def create_index_series(actor, code=None, name=None, source=None):
    """Start keeping an index series (the host's administrators): a code of capitals, digits,
    hyphens or underscores (e.g. CPI) not already used, and a name."""
    require_host_admin(actor)
    errors = {}
    code = (code or "").strip().upper()
    if not code:
        errors["code"] = "Enter the index's code, for example CPI"
    elif not INDEX_CODE.match(code):
        errors["code"] = ("The code must be up to 20 capital letters, digits, hyphens or "
                          "underscores, for example CPI")
    elif db.session.scalar(select(IndexSeries.id).where(IndexSeries.code == code)) is not None:
        errors["code"] = f"There is already an index {code}"
    name = _text(name, 200)
    if not name:
        errors["name"] = "Enter the index's name, for example Consumer Prices Index (annual rate)"
    if errors:
        raise ValidationFailed(errors)
    series = IndexSeries(code=code, name=name, source=_text(source))
    db.session.add(series)
    db.session.flush()
    audit.record("index_series.created", series, actor=actor,
                 after={"code": code, "name": name})
    db.session.commit()
    return series


def parse_month(text):
    """"2026-09" to (2026, 9); ValueError if it is not a month."""
    match = MONTH.match((text or "").strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


def set_index_values(actor, code, values):
    """Enter or correct an index's monthly values (the host's administrators). ``values`` is a
    list of ``{"month": "2026-09", "value": "3.8"}`` (strings as typed, or already
    ``(year, month)`` and basis points); each bad entry is named (``values.0.month``) and none
    is saved. A month already entered takes the new value."""
    require_host_admin(actor)
    series = get_index_series(actor, code)
    errors = {}
    cleaned = {}
    if not values:
        errors["values"] = "Enter at least one month's value"
    for i, entry in enumerate(values or []):
        month, value = entry.get("month"), entry.get("value")
        try:
            key = month if isinstance(month, tuple) else parse_month(month)
        except ValueError:
            errors[f"values.{i}.month"] = "Enter the month as YYYY-MM, for example 2026-09"
            key = None
        try:
            bp = value if isinstance(value, int) and not isinstance(value, bool) else (
                parse_percent(value))
        except ValueError:
            errors[f"values.{i}.value"] = ("Enter the value as a percentage with up to two "
                                           "decimal places, for example 3.8")
            bp = None
        if bp is not None and not MIN_INDEX_BP <= bp <= MAX_INDEX_BP:
            errors[f"values.{i}.value"] = (f"The value must be between "
                                           f"{display_percent(MIN_INDEX_BP)} and "
                                           f"{display_percent(MAX_INDEX_BP)}")
        if key is not None and key in cleaned:
            errors[f"values.{i}.month"] = f"{key[0]}-{key[1]:02d} is given twice"
        if key is not None:
            cleaned[key] = bp
    if errors:
        raise ValidationFailed(errors)
    existing = {(v.year, v.month): v for v in series.values}
    changed = []
    for (year, month), bp in sorted(cleaned.items()):
        row = existing.get((year, month))
        if row is None:
            series.values.append(IndexValue(year=year, month=month,
                                            value_bp=bp))
            changed.append([f"{year}-{month:02d}", None, bp])
        elif row.value_bp != bp:
            changed.append([f"{year}-{month:02d}", row.value_bp, bp])
            row.value_bp = bp
    if changed:
        audit.record("index_series.values_set", series, actor=actor,
                     after={"code": series.code, "values": changed})
    db.session.commit()
    db.session.refresh(series)
    return series


def index_values():
    """Every index's monthly values, ``{code: {(year, month): bp}}``, in one statement (the
    daily job and forecasts read them for every placement)."""
    result = {}
    for code, year, month, bp in db.session.execute(
            select(IndexSeries.code, IndexValue.year, IndexValue.month, IndexValue.value_bp)
            .join(IndexValue, IndexValue.series_id == IndexSeries.id)):
        result.setdefault(code, {})[(year, month)] = bp
    return result


# Plausible UK CPI annual rates (basis points) for the demo, January 2024 to October 2026:
# 2024 and 2025 close to the ONS's published figures; 2026 a fictional path back towards 2%.
DEMO_CPI = {
    2024: [400, 340, 320, 230, 200, 200, 220, 220, 170, 230, 260, 250],
    2025: [300, 280, 260, 350, 340, 360, 380, 380, 380, 360, 320, 340],
    2026: [300, 300, 290, 280, 270, 260, 260, 250, 240, 230],
}


def seed_index_series():
    """The demo's CPI series, kept by the host (run in the host's scope; idempotent)."""
    if db.session.scalar(select(IndexSeries.id).where(IndexSeries.code == "CPI")) is not None:
        return None
    series = IndexSeries(code="CPI", name="Consumer Prices Index (CPI), annual rate",
                         source="Office for National Statistics, series D7G7 (demo figures)")
    for year, rates in DEMO_CPI.items():
        for month, bp in enumerate(rates, start=1):
            series.values.append(IndexValue(year=year, month=month, value_bp=bp))
    db.session.add(series)
    db.session.commit()
    return series


def can_keep_index_series(actor):
    return is_host_admin(actor)


# ---------------------------------------------------------------- uplift proposals (issue 12 §4)

PROPOSAL_DECISIONS = {"accept": "accepted", "refuse": "refused", "counter": "countered"}


def months_before(day, months):
    """The same day ``months`` calendar months earlier (the month's last day where it is
    shorter: 31 May less 3 months is 28 or 29 February)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def proposal_deadline(placement, effective_from):
    """The last day a proposal for ``effective_from`` is on time (issue 12 §4): the day before
    the date the placement's notice months ahead of it. With 2 months, 31 January for
    1 April."""
    return months_before(effective_from, rule_of(placement).notice_months) - timedelta(days=1)


def _provider_placement(actor, placement_id):
    """One of the provider's own placements (its authority may read proposals, not make them)."""
    placement = _placement(actor, placement_id)
    if not is_provider(actor):
        raise PermissionDenied("only the placement's provider proposes uplifts")
    if placement.provider_id != actor.organisation_id:
        raise NotFound(f"placement {placement_id}")
    return placement


def propose_uplift(actor, placement_id, effective_from=None, reason=None, percent_bp=None,
                   core_weekly_pence=None, support_weekly_pence=None,
                   therapies_weekly_pence=None, other_weekly_pence=None, today=None):
    """A provider proposes an uplift to one of its placements (issue 12 §4): a percentage or
    new fees (all four components), from a date within the placement's life and not in the
    past, with its reason. It is ``late`` when received after :func:`proposal_deadline`. The
    authority is told."""
    placement = _provider_placement(actor, placement_id)
    today = today or london_date(tenants.utcnow())
    errors = {}
    fees = {"core_weekly_pence": core_weekly_pence, "support_weekly_pence": support_weekly_pence,
            "therapies_weekly_pence": therapies_weekly_pence,
            "other_weekly_pence": other_weekly_pence}
    given_fees = any(v is not None for v in fees.values())
    if not isinstance(effective_from, date):
        errors["effective_from"] = "Enter the date the uplift would take effect"
    elif effective_from < max(today, placement.start_date):
        errors["effective_from"] = ("The uplift must take effect today or later, within the "
                                    "placement")
    elif effective_from > placement.last_day:
        errors["effective_from"] = (f"The uplift cannot take effect after the placement's last "
                                    f"day, {govuk_date(placement.last_day)}")
    if percent_bp is None and not given_fees:
        errors["percent"] = "Enter the percentage you propose, or the new weekly fees"
    elif percent_bp is not None and given_fees:
        errors["percent"] = "Propose a percentage or new weekly fees, not both"
    elif percent_bp is not None and not _in_bounds(percent_bp):
        errors["percent"] = f"The uplift percentage must be {BOUNDS}"
    elif given_fees:
        _check_fees(fees, errors)
    reason = _text(reason)
    if not reason:
        errors["reason"] = "Enter why you propose the uplift"
    if errors:
        raise ValidationFailed(errors)
    proposal = UpliftProposal(
        placement_id=placement.id, authority_id=placement.organisation_id,
        percent_bp=percent_bp, **(fees if given_fees else {}), effective_from=effective_from,
        reason=reason, late=today > proposal_deadline(placement, effective_from),
        status="pending", proposed_by_id=actor.id)
    db.session.add(proposal)
    db.session.flush()
    audit.record("placement.uplift_proposed", proposal, actor=actor, after={
        "placement_id": placement.id, "percent_bp": percent_bp,
        **(fees if given_fees else {}), "effective_from": effective_from.isoformat(),
        "late": proposal.late})
    record_event(placement, "uplift.proposed",
                 f"{actor.organisation.name} proposed {_proposed(proposal)} from "
                 f"{govuk_date(effective_from)}{' (late)' if proposal.late else ''}: {reason}",
                 actor=actor)
    db.session.flush()
    notifications.notify_organisation(placement.authority, "uplift_proposed", {
        "reference": placement.reference, "provider_name": actor.organisation.name,
        "proposed": _proposed(proposal), "effective_from": govuk_date(effective_from),
        "late": proposal.late,
        "link": notifications.external_url("placement_fees.uplift_proposal",
                                           proposal_id=proposal.id)})
    db.session.commit()
    return proposal


def _proposed(proposal):
    if proposal.percent_bp is not None:
        return f"an uplift of {display_percent(proposal.percent_bp)}"
    total = sum(getattr(proposal, name) or 0 for name in FEE_FIELDS)
    return f"new fees of {display_pounds(total)} a week"


def proposals_of(actor, placement_id):
    """A placement's uplift proposals, newest first (its authority and its provider), each with
    its decision (or None)."""
    placement = _placement(actor, placement_id)
    proposals = db.session.scalars(select(UpliftProposal).where(
        UpliftProposal.placement_id == placement.id
    ).order_by(UpliftProposal.received_at.desc(), UpliftProposal.id.desc())).all()
    decisions = {d.proposal_id: d for d in db.session.scalars(select(UpliftDecision).where(
        UpliftDecision.proposal_id.in_([p.id for p in proposals])))} if proposals else {}
    for proposal in proposals:
        proposal.decision = decisions.get(proposal.id)
    return placement, proposals


def get_proposal(actor, proposal_id):
    """One proposal with its placement and decision: its provider and its authority's buyers."""
    proposal = db.session.get(UpliftProposal, proposal_id)
    if proposal is None or not (is_buyer(actor) or is_provider(actor)):
        raise NotFound(f"uplift proposal {proposal_id}")
    placement = db.session.get(Placement, proposal.placement_id)
    if placement is None:
        raise NotFound(f"uplift proposal {proposal_id}")
    proposal.placement = placement
    proposal.decision = db.session.scalar(select(UpliftDecision).where(
        UpliftDecision.proposal_id == proposal.id))
    return proposal


def may_decide(actor, proposal):
    """Whether the actor may decide the proposal: an authority buyer who can see it (only its
    placement's authority can), while it is undecided."""
    return is_buyer(actor) and proposal.decision is None


def decide_proposal(actor, proposal_id, decision=None, reason=None, counter_percent_bp=None):
    """The authority accepts, refuses or counters a provider's uplift proposal (issue 12 §4), by
    its officers or managers. Refusing or countering needs a reason; a counter its percentage.
    An accepted or countered proposal becomes a fee change (reason uplift) from its effective
    date: new fees as proposed, or each component uplifted by the percentage on the fees in
    force the day before. A decided proposal cannot be decided again (Conflict). The provider
    is told."""
    proposal = get_proposal(actor, proposal_id)
    require_buyer(actor)
    placement = _own_placement(actor, proposal.placement_id, for_update=True)
    if proposal.decision is not None or proposal.status != "pending":
        raise Conflict("this proposal has already been decided")
    errors = {}
    if decision not in PROPOSAL_DECISIONS:
        errors["decision"] = "Choose accept, refuse or counter"
    reason = _text(reason)
    if decision in ("refuse", "counter") and not reason:
        errors["reason"] = f"Enter why you {decision} the proposal"
    if decision == "counter":
        if counter_percent_bp is None:
            errors["counter_percent"] = "Enter the percentage you offer instead, for example 1.5"
        elif not _in_bounds(counter_percent_bp):
            errors["counter_percent"] = f"The percentage must be {BOUNDS}"
    if decision in ("accept", "counter") and not errors:
        if proposal.effective_from > placement.last_day:
            errors["decision"] = "The placement ends before the proposed date"
        elif placement.invoiced_to is not None and proposal.effective_from <= placement.invoiced_to:
            errors["decision"] = (f"Fees are invoiced to {govuk_date(placement.invoiced_to)}: "
                                  f"record a correction instead")
    if errors:
        raise ValidationFailed(errors)
    change = None
    if decision in ("accept", "counter"):
        percent = counter_percent_bp if decision == "counter" else proposal.percent_bp
        if percent is not None:
            before = fees_on(placement, fee_changes_of(placement),
                             proposal.effective_from - timedelta(days=1))
            new = {name: engine.uplift_fee(before[name], percent) for name in FEE_FIELDS}
        else:
            new = {name: getattr(proposal, name) or 0 for name in FEE_FIELDS}
        change = PlacementFeeChange(
            placement_id=placement.id, provider_id=placement.provider_id,
            effective_from=proposal.effective_from, **new, weekly_total_pence=sum(new.values()),
            reason=FeeChangeReason.UPLIFT, uplift_percent_bp=percent, proposal_id=proposal.id,
            note=reason, agreed_by=actor.full_name, recorded_by_id=actor.id)
        db.session.add(change)
        db.session.flush()
    made = UpliftDecision(proposal_id=proposal.id, provider_id=placement.provider_id,
                          decision=PROPOSAL_DECISIONS[decision], reason=reason or "",
                          counter_percent_bp=counter_percent_bp if decision == "counter" else None,
                          fee_change_id=change.id if change else None, decided_by_id=actor.id)
    db.session.add(made)
    db.session.flush()
    audit.record("placement.uplift_decided", made, actor=actor, after={
        "proposal_id": proposal.id, "decision": made.decision,
        "counter_percent_bp": made.counter_percent_bp,
        "fee_change_id": made.fee_change_id})
    words = {"accepted": "accepted", "refused": "refused",
             "countered": f"countered with {display_percent(counter_percent_bp)}"}[made.decision]
    record_event(placement, "uplift.decided",
                 f"{placement.authority.name} {words} the proposal of {_proposed(proposal)} from "
                 f"{govuk_date(proposal.effective_from)}" + (f": {reason}" if reason else ""),
                 actor=actor)
    db.session.flush()
    # The proposal is the provider's row: its status is written in the provider's scope.
    with tenants.scoped_to(placement.provider):
        own = db.session.scalars(select(UpliftProposal).where(
            UpliftProposal.id == proposal.id)).one()
        own.status = made.decision
        db.session.flush()
    _notify_provider(placement, "uplift_decided", {
        "decision": words, "proposed": _proposed(proposal),
        "effective_from": govuk_date(proposal.effective_from), "reason": reason or ""})
    if change is not None:
        costing.refresh_value(placement)
    db.session.commit()
    proposal.decision = made
    return proposal
