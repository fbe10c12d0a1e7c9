"""The host's purchasing system and its lots.

There is one system per deployment: the host authority runs it for the region, everyone signed in
may read it, and only the host's administrators set it up and change it.
"""
import re
from datetime import date

from sqlalchemy import select

from .. import audit
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..needs import need_codes
from ..paging import paginate
from .models import Lot, PlacementType, PurchasingSystem, Regime, StandstillRule

# Procurement Act 2023 s.49: an open framework may last at most 8 years.
OPEN_FRAMEWORK_MAX_YEARS = 8
SCHOOL_DAYS = range(150, 201)
RESPONSE_DAYS = range(1, 31)
QUESTIONS_CLOSE_DAYS = range(0, 11)
LOT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


def require_host_admin(actor):
    if not (actor.is_host_admin and actor.organisation.is_host):
        raise PermissionDenied("only the host authority's administrators change the system")


def get_system():
    """The region's purchasing system, or None before the host has set it up."""
    return db.session.scalars(select(PurchasingSystem).order_by(PurchasingSystem.id)).first()


def require_system():
    """The region's purchasing system; NotFound before the host has set it up."""
    system = get_system()
    if system is None:
        raise NotFound("the purchasing system has not been set up yet")
    return system


def _years_later(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _clean_system(fields, existing=None):
    """Validated values for a system's settings; ValidationFailed names every bad field."""
    errors = {}
    values = dict(fields)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors["name"] = "Enter the system's name"
        elif len(values["name"]) > 200:
            errors["name"] = "Name must be 200 characters or fewer"
    if "reference" in values:
        values["reference"] = (values["reference"] or "").strip().upper()
        if not values["reference"]:
            errors["reference"] = "Enter the system's reference"
        elif len(values["reference"]) > 50:
            errors["reference"] = "Reference must be 50 characters or fewer"
    for name, kind, message in (
            ("regime", Regime, "Select the procurement regime"),
            ("admission_standstill", StandstillRule, "Select the standstill for admissions"),
            ("call_off_standstill", StandstillRule, "Select the standstill for call-offs")):
        if name in values:
            try:
                values[name] = kind(values[name])
            except ValueError:
                errors[name] = message
    for name, label in (("term_start", "start"), ("term_end", "end")):
        if name in values and not isinstance(values[name], date):
            errors[name] = f"Enter the date the term {label}s"
    if "chargeable_school_days" in values:
        days = values["chargeable_school_days"]
        if not isinstance(days, int) or days not in SCHOOL_DAYS:
            errors["chargeable_school_days"] = (
                f"Chargeable school days must be a whole number from {SCHOOL_DAYS.start} "
                f"to {SCHOOL_DAYS.stop - 1}, like 190")

    for name, allowed, message in (
            ("call_off_min_response_days", RESPONSE_DAYS,
             "The shortest response period must be a whole number of working days from 1 to 30"),
            ("call_off_questions_close_days", QUESTIONS_CLOSE_DAYS,
             "Questions must close a whole number of working days from 0 to 10 before the "
             "deadline")):
        if name in values and (not isinstance(values[name], int) or isinstance(values[name], bool)
                               or values[name] not in allowed):
            errors[name] = message

    def current(name):
        return values.get(name, getattr(existing, name, None))

    response_days = current("call_off_min_response_days")
    questions_days = current("call_off_questions_close_days")
    if ("call_off_min_response_days" not in errors and "call_off_questions_close_days" not in errors
            and response_days is not None and questions_days is not None
            and questions_days >= response_days):
        errors["call_off_questions_close_days"] = (
            "Questions must close fewer working days before the deadline than the shortest "
            "response period, or providers could never ask one")

    start, end, regime = current("term_start"), current("term_end"), current("regime")
    if "term_start" not in errors and "term_end" not in errors and start and end:
        if end <= start:
            errors["term_end"] = "The term must end after it starts"
        elif (regime == Regime.PA2023_OPEN_FRAMEWORK
              and end > _years_later(start, OPEN_FRAMEWORK_MAX_YEARS)):
            errors["term_end"] = ("An open framework may last at most 8 years "
                                  "(Procurement Act 2023, section 49)")
    if errors:
        raise ValidationFailed(errors)
    return values


def create_system(actor, *, name, reference, regime, term_start, term_end,
                  admission_standstill=None, call_off_standstill=None,
                  chargeable_school_days=190, call_off_min_response_days=5,
                  call_off_questions_close_days=2):
    """The host's administrator sets up the region's purchasing system (once).

    The standstill for admissions defaults to the regime's; call-offs default to none (usual
    for light-touch call-offs)."""
    require_host_admin(actor)
    if get_system() is not None:
        raise Conflict("The purchasing system is already set up; change it instead")
    try:
        regime_default = Regime(regime).default_standstill
    except ValueError:
        regime_default = None
    values = _clean_system({
        "name": name, "reference": reference, "regime": regime, "term_start": term_start,
        "term_end": term_end,
        "admission_standstill": admission_standstill or regime_default,
        "call_off_standstill": call_off_standstill or StandstillRule.NONE,
        "chargeable_school_days": chargeable_school_days,
        "call_off_min_response_days": call_off_min_response_days,
        "call_off_questions_close_days": call_off_questions_close_days,
    })
    system = PurchasingSystem(**values)
    db.session.add(system)
    db.session.flush()
    audit.record("system.created", system, actor=actor, after=_describe(system))
    db.session.commit()
    return system


def update_system(actor, **changes):
    """The host's administrator changes the system's settings; the change is audited with its
    before and after values."""
    require_host_admin(actor)
    system = require_system()
    values = _clean_system(changes, existing=system)
    before = _describe(system)
    for name, value in values.items():
        setattr(system, name, value)
    after = _describe(system)
    if after != before:
        audit.record("system.changed", system, actor=actor,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    db.session.commit()
    return system


def _describe(system):
    return {
        "name": system.name, "reference": system.reference, "regime": system.regime.value,
        "term_start": system.term_start.isoformat(), "term_end": system.term_end.isoformat(),
        "admission_standstill": system.admission_standstill.value,
        "call_off_standstill": system.call_off_standstill.value,
        "chargeable_school_days": system.chargeable_school_days,
        "call_off_min_response_days": system.call_off_min_response_days,
        "call_off_questions_close_days": system.call_off_questions_close_days,
    }


def _lots_by_code():
    return select(Lot).order_by(Lot.code, Lot.id)


def list_lots():
    """The system's lots by code (empty before the system exists)."""
    return db.session.scalars(_lots_by_code()).all()


def page_of_lots(page, per_page):
    """One page of :func:`list_lots`."""
    return paginate(_lots_by_code(), page, per_page)


def get_lot(lot_id):
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"lot {lot_id}")
    return lot


def _clean_lot(system, fields, lot=None):
    errors = {}
    values = dict(fields)
    if "code" in values:
        values["code"] = (values["code"] or "").strip().upper()
        clash = select(Lot.id).where(Lot.system_id == system.id, Lot.code == values["code"])
        if lot is not None:
            clash = clash.where(Lot.id != lot.id)
        if not LOT_CODE.match(values["code"]):
            errors["code"] = ("Enter a code of up to 20 capital letters, digits and hyphens, "
                              "like RES52")
        elif db.session.scalars(clash).first():
            errors["code"] = "Another lot already has this code"
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            errors["title"] = "Enter the lot's title"
        elif len(values["title"]) > 200:
            errors["title"] = "Title must be 200 characters or fewer"
    if "placement_types" in values:
        allowed = {t.value for t in PlacementType.for_regime(system.regime)}
        chosen = list(dict.fromkeys(values["placement_types"] or []))
        if not chosen:
            errors["placement_types"] = "Select at least one placement type"
        elif set(chosen) - allowed:
            errors["placement_types"] = (
                "Hourly placement types are only for a qualified provider list"
                if set(chosen) <= {t.value for t in PlacementType} else
                "Select placement types from the list")
        values["placement_types"] = [t.value for t in PlacementType if t.value in chosen]
    if "need_codes" in values:
        chosen = set(values["need_codes"] or [])
        if not chosen:
            errors["need_codes"] = "Select at least one need the lot covers"
        elif chosen - need_codes().keys():
            errors["need_codes"] = "Select needs from the list of DfE need codes"
        values["need_codes"] = [code for code in need_codes() if code in chosen]
    if errors:
        raise ValidationFailed(errors)
    return values


def add_lot(actor, *, code, title, placement_types, need_codes):
    """The host's administrator adds a lot to the system."""
    require_host_admin(actor)
    system = require_system()
    values = _clean_lot(system, {"code": code, "title": title,
                                 "placement_types": placement_types, "need_codes": need_codes})
    lot = Lot(system=system, **values)
    db.session.add(lot)
    db.session.flush()
    audit.record("lot.created", lot, actor=actor, after=values)
    db.session.commit()
    return lot


def update_lot(actor, lot_id, **changes):
    """The host's administrator changes a lot's code, title, placement types or needs."""
    require_host_admin(actor)
    lot = get_lot(lot_id)
    values = _clean_lot(lot.system, changes, lot=lot)
    before = {name: getattr(lot, name) for name in values}
    for name, value in values.items():
        setattr(lot, name, value)
    if before != values:
        audit.record("lot.changed", lot, actor=actor, before=before, after=values)
    db.session.commit()
    return lot
