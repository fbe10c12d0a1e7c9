"""Periodic work for placements, run by ``flask jobs run-due`` every minute (idempotent, cheap
when there is nothing to do): the uplifts that have fallen due (issue 12 §4; DESIGN §4 "1 April
uplifts").

Correctness never depends on the job having run on time: each uplift is worked out from the
placement's own fee history and the index as entered, so running it late, twice or in two
workers at once gives the same fee changes once."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import tenants

from .. import audit
from ..errors import Conflict
from ..extensions import db
from ..formatting import govuk_date, london_date
from ..money import display_pounds
from ..uplift_rules import UpliftKind
from . import costing, engine
from .fees import FEE_FIELDS, describe_rule, display_percent, fees_on, index_values, rule_of
from .history import record_event
from .models import FeeChangeReason, Placement, PlacementFeeChange

ONE_DAY = timedelta(days=1)


@dataclass
class UpliftRun:
    """What one run did: fee changes made, placements waiting for an index value (tried again
    next run), placements another run got to first."""

    applied: int = 0
    waiting_for_index: int = 0
    raced: int = 0
    changes: list = field(default_factory=list)


def run_due():
    """The daily uplifts, counted for ``flask jobs run-due``."""
    run = apply_due_uplifts()
    return {"uplifts_applied": run.applied, "uplifts_waiting_for_index": run.waiting_for_index}


def apply_due_uplifts(today=None):
    """Apply every uplift due by ``today`` (London) that has not been applied (issue 12 §4):
    for each placement with a rule other than none, each due date within its life
    (:func:`engine.uplift_due_dates`) up to today without a fee change for that due date
    becomes a fee change (reason uplift) with each component uplifted
    (:func:`engine.uplift_fee`) from the fees in force the day before, in due-date order, so
    two missed years compound. An index-linked uplift whose index value is not entered yet is
    left, with any later one, for a later run. Runs in each authority's scope; one statement
    for the placements and one for their fee changes per authority, then the writes."""
    today = today or london_date(tenants.utcnow())
    run = UpliftRun()
    values = None
    for authority in db.session.scalars(select(tenants.Authority).order_by(
            tenants.Authority.id)).all():
        with tenants.scoped_to(authority):
            placements = db.session.scalars(select(Placement).where(
                Placement.uplift_kind.is_not(None),
                Placement.uplift_kind != UpliftKind.NONE.value,
                Placement.start_date < today,
            ).order_by(Placement.id)).all()
            due = []
            for placement in placements:
                rule = rule_of(placement)
                dates = [d for d in engine.uplift_due_dates(rule, placement.start_date,
                                                            placement.last_day) if d <= today]
                if dates:
                    due.append((placement, rule, dates))
            if not due:
                continue
            changes = {}
            for change in db.session.scalars(select(PlacementFeeChange).where(
                    PlacementFeeChange.placement_id.in_(
                        select(Placement.id).where(
                            Placement.uplift_kind.is_not(None),
                            Placement.uplift_kind != UpliftKind.NONE.value,
                            Placement.start_date < today)))):
                changes.setdefault(change.placement_id, []).append(change)
            calendars = None
            for placement, rule, dates in due:
                own = changes.get(placement.id, [])
                applied = {c.uplift_due_on for c in own if c.uplift_due_on is not None}
                if set(dates) <= applied:
                    continue
                if values is None and rule.kind == engine.INDEX_LINKED:
                    values = index_values()
                made = apply_placement_uplifts(placement, rule, dates, own, values or {}, run)
                if made:
                    if calendars is None:  # one read for every placement of the authority
                        calendars = costing.calendars_for({p.provider_id for p, _, _ in due})
                    refresh_value(placement, [*own, *made], calendars[placement.provider_id])
            db.session.commit()
    return run


def apply_placement_uplifts(placement, rule, dates, changes, values, run):
    """The missing uplifts of one placement, in a savepoint: if another run has just applied
    one of them (the unique due date per placement refuses the second), this placement's are
    left to it and counted as ``raced``."""
    applied = {c.uplift_due_on for c in changes if c.uplift_due_on is not None}
    history = list(changes)
    made = []
    try:
        with db.session.begin_nested():
            for due in dates:
                if due in applied:
                    continue
                decision = engine.uplift_percent(rule, due, values.get(rule.index_code, {}))
                if decision.index_missing:
                    run.waiting_for_index += 1
                    break
                before = fees_on(placement, history, due - ONE_DAY)
                fees = {name: engine.uplift_fee(before[name], decision.percent_bp)
                        for name in FEE_FIELDS}
                change = PlacementFeeChange(
                    placement_id=placement.id, provider_id=placement.provider_id,
                    effective_from=due, **fees, weekly_total_pence=sum(fees.values()),
                    reason=FeeChangeReason.UPLIFT, uplift_due_on=due,
                    uplift_percent_bp=decision.percent_bp,
                    review_triggered=decision.review_triggered,
                    note=f"Uplift due {govuk_date(due)}: {describe_rule(rule)}")
                db.session.add(change)
                db.session.flush()
                history.append(change)
                made.append(change)
                audit.record("placement.uplift_applied", change, after={
                    "placement_id": placement.id, "due_on": due.isoformat(),
                    "percent_bp": decision.percent_bp, "index_bp": decision.index_bp,
                    "review_triggered": decision.review_triggered,
                    "weekly_total_pence": change.weekly_total_pence})
                review = (f"; the index ({display_percent(decision.index_bp)}) is above the "
                          f"review threshold, so the fee is due for review"
                          if decision.review_triggered else "")
                record_event(placement, "uplift.applied",
                             f"Uplift of {display_percent(decision.percent_bp)} from "
                             f"{govuk_date(due)}: weekly total "
                             f"{display_pounds(before['weekly_total_pence'])} to "
                             f"{display_pounds(change.weekly_total_pence)}{review}")
    except IntegrityError:
        run.raced += 1
        return []
    run.applied += len(made)
    run.changes.extend(made)
    return made


def refresh_value(placement, changes, calendars):
    """``costing.refresh_value`` with the fee changes and calendars already read (the job reads
    them once per authority): the placement's whole-life value at its fees now known."""
    try:
        terms = costing.cost_terms(placement, sorted(changes, key=lambda c: (
            c.effective_from, c.id)), calendars)
        placement.total_value_pence = engine.whole_life(terms).total_pence
    except Conflict:  # charged by the hour: no weekly cost to work out
        placement.total_value_pence = 0
