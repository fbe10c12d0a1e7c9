"""The re-procurement planner (issue 13 §5): pure, dates in and a plan out, no database.

It works back from the date the new contract must start (``start_by``) through the regime's
steps in order, each with its length, its unit (calendar days, or the UK-wide working days of
:mod:`marketplace.working_days`: Procurement Act 2023 s.123, a bank holiday in any part of the
UK is not a working day) and, where the law sets one, its statutory minimum. Each step ends the
day before the next one starts (a working-day step on the last working day before it); the
plan gives each step's latest start and end. A plan whose earliest step would have to start
before today cannot fit; one whose ``start_by`` is later than the day after the current
contract's end leaves a gap without a contract.

Regimes are data (:data:`REGIMES`):

- ``pa2023_open``: the Procurement Act 2023 competitive tendering procedure, open procedure
  (s.20(2)(a)): a single stage, tenders in response to the tender notice.
- ``pa2023_competitive_flexible``: the competitive flexible procedure (s.20(2)(b)), here with a
  participation stage (conditions of participation, s.22) and a tendering stage for the
  suppliers invited, then negotiation and final tenders.
- ``pa2023_light_touch``: a light touch contract (s.9; SEND therapy services are light touch
  services, Procurement Regulations 2024 Sch. 1), let by an open-style competitive tendering
  procedure. The minimum tendering periods of s.54 do not apply to light touch contracts
  (s.54(3); Cabinet Office guidance "Light touch contracts"), though s.54(1) still asks for a
  reasonable period, and the mandatory standstill of s.51 does not apply either (a voluntary
  one may be kept: the default here keeps 8 working days, with no statutory minimum).

The minimum tendering period (s.54(4)) depends on how the procurement is run
(:data:`CONDITIONS`), the first row of :data:`TENDERING_PERIOD_MINIMUMS` that holds applying:
10 days where a qualifying planned procurement notice was published (s.54(5): published at least
40 days and no more than a year before the tender notice) or in a state of urgency; 25 days
where tenders may be submitted electronically and the associated tender documents are provided
with the tender notice; 30 days electronically otherwise; 35 days where tenders may not be
submitted electronically. The competitive flexible procedure's participation period (s.54(3))
is at least 25 days (10 days in a state of urgency). Days in s.54 are calendar days.

The standstill (s.51) is the eight working days beginning with the day the contract award
notice (s.50(1)) is published; the contract may not be entered into before it ends. Where
staff transfer (TUPE), the outgoing provider must give the employee liability information at
least 28 days before the transfer (Transfer of Undertakings (Protection of Employment)
Regulations 2006, reg 11(6)): an optional step that runs alongside the end of the plan, ending
the day before the new contract starts.

Bad input raises :class:`PlanError` (a ``ValueError``) with ``errors`` naming each field:
``regime``, ``start_by`` and ``step.<key>``; the service turns it into ValidationFailed.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from .. import working_days

CALENDAR, WORKING = "calendar", "working"
UNIT_LABELS = {CALENDAR: "calendar days", WORKING: "working days"}

# How the procurement is run, which decides the minimum tendering period (s.54(4)); each with
# its default and what people read.
CONDITIONS = {
    "electronic": (True, "Tenders may be submitted electronically"),
    "documents_with_notice": (True, "The associated tender documents are provided with the "
                                    "tender notice"),
    "planned_procurement_notice": (False, "A qualifying planned procurement notice was "
                                          "published (40 days to a year before the tender "
                                          "notice)"),
    "urgency": (False, "A state of urgency makes a longer period impractical"),
}

# s.54(4): the first row whose conditions all hold gives the minimum tendering period (days).
TENDERING_PERIOD_MINIMUMS = (
    (("planned_procurement_notice",), 10),
    (("urgency",), 10),
    (("electronic", "documents_with_notice"), 25),
    (("electronic",), 30),
    ((), 35),
)
# s.54(3): the participation period of a competitive flexible procedure.
PARTICIPATION_PERIOD_MINIMUMS = (
    (("urgency",), 10),
    ((), 25),
)
STANDSTILL_WORKING_DAYS = 8  # s.51(2)
TUPE_INFORMATION_DAYS = 28  # TUPE 2006 reg 11(6)
PLANNED_NOTICE_LEAD_DAYS = 40  # s.54(5): a qualifying planned procurement notice's lead


@dataclass(frozen=True)
class StepDefinition:
    """One step of a regime: its default length and unit, its statutory minimum (a number of
    days, a table of rows as :data:`TENDERING_PERIOD_MINIMUMS`, or None), the source of the
    rule (``source``, short, for messages) and what it means (``note``), whether it applies
    only where staff transfer (``tupe``), and whether it runs alongside the end of the plan
    rather than in the chain (``alongside``)."""

    key: str
    name: str
    days: int
    unit: str
    minimum: object = None
    source: str = ""
    note: str = ""
    tupe: bool = False
    alongside: bool = False

    def minimum_for(self, conditions):
        if self.minimum is None or isinstance(self.minimum, int):
            return self.minimum
        for needs, days in self.minimum:
            if all(conditions.get(name) for name in needs):
                return days
        return None


@dataclass(frozen=True)
class Regime:
    key: str
    name: str
    source: str
    steps: tuple

    def step(self, key):
        return next((s for s in self.steps if s.key == key), None)


_PREPARATION = StepDefinition(
    "preparation", "Preparation, including preliminary market engagement", 60, WORKING,
    source="Procurement Act 2023 s.16 and s.17",
    note="Specification, lots, award criteria and preliminary market engagement (s.16) with "
         "its notice (s.17), and the decision to procure")
_TENDER_NOTICE = StepDefinition(
    "tender_notice", "Tender notice and associated tender documents published", 5, WORKING,
    source="Procurement Act 2023 s.21")
_EVALUATION = StepDefinition(
    "evaluation", "Evaluation of tenders", 15, WORKING,
    source="Procurement Act 2023 s.19 and s.23",
    note="Assessing tenders against the award criteria for the most advantageous tender")
_MODERATION = StepDefinition("moderation", "Moderation of the scores", 5, WORKING,
                             source="Procurement Act 2023 s.19")
_AWARD = StepDefinition(
    "award", "Assessment summaries and the contract award notice", 5, WORKING,
    source="Procurement Act 2023 s.50",
    note="An assessment summary to each supplier that submitted an assessed tender (s.50(2)), "
         "then the contract award notice (s.50(1)), published on the standstill's first day")
_STANDSTILL = StepDefinition(
    "standstill", "Standstill", STANDSTILL_WORKING_DAYS, WORKING,
    minimum=STANDSTILL_WORKING_DAYS,
    source="Procurement Act 2023 s.51",
    note="Eight working days beginning with the day the contract award notice is published; "
         "the contract may not be entered into before it ends")
_SIGNATURE = StepDefinition("signature", "Contract signature", 5, WORKING,
                            source="Procurement Act 2023 s.51",
                            note="Not before the standstill ends")
_MOBILISATION = StepDefinition("mobilisation", "Mobilisation", 60, CALENDAR)
_TUPE = StepDefinition(
    "tupe", "TUPE: employee liability information given", TUPE_INFORMATION_DAYS, CALENDAR,
    minimum=TUPE_INFORMATION_DAYS, tupe=True, alongside=True,
    source="TUPE Regulations 2006 reg 11(6)",
    note="Where staff transfer: the outgoing provider gives the employee liability "
         "information at least 28 days before the transfer (the new contract's start); runs "
         "alongside mobilisation")


def _tender_period(minimum, source, note, days=30):
    return StepDefinition("tender_period", "Tender period", days, CALENDAR, minimum=minimum,
                          source=source, note=note)


_TENDERING_NOTE = ("Calendar days to the deadline for tenders: at least 10 with a qualifying "
                   "planned procurement notice or in a state of urgency, else 25 where tenders "
                   "are submitted electronically with the tender documents provided with the "
                   "notice, 30 electronically otherwise, 35 on paper")


REGIMES = {regime.key: regime for regime in (
    Regime("pa2023_open", "Procurement Act 2023: open procedure",
           "Procurement Act 2023 s.20(2)(a)", (
               _PREPARATION, _TENDER_NOTICE,
               _tender_period(TENDERING_PERIOD_MINIMUMS, "Procurement Act 2023 s.54(4)",
                              _TENDERING_NOTE),
               _EVALUATION, _MODERATION, _AWARD, _STANDSTILL, _SIGNATURE, _MOBILISATION,
               _TUPE)),
    Regime("pa2023_competitive_flexible",
           "Procurement Act 2023: competitive flexible procedure",
           "Procurement Act 2023 s.20(2)(b)", (
               _PREPARATION, _TENDER_NOTICE,
               StepDefinition("participation_period",
                              "Participation period (requests to participate)", 30, CALENDAR,
                              minimum=PARTICIPATION_PERIOD_MINIMUMS,
                              source="Procurement Act 2023 s.54(3)",
                              note="At least 25 days (10 in a state of urgency)"),
               StepDefinition("shortlisting", "Assessing conditions of participation", 10,
                              WORKING, source="Procurement Act 2023 s.22",
                              note="Who meets the conditions of participation is invited to "
                                   "tender"),
               _tender_period(TENDERING_PERIOD_MINIMUMS, "Procurement Act 2023 s.54(4)",
                              _TENDERING_NOTE),
               StepDefinition("negotiation", "Negotiation and final tenders", 20, WORKING,
                              source="Procurement Act 2023 s.20",
                              note="The rounds the tender notice sets"),
               _EVALUATION, _MODERATION, _AWARD, _STANDSTILL, _SIGNATURE, _MOBILISATION,
               _TUPE)),
    Regime("pa2023_light_touch",
           "Procurement Act 2023: light touch contract (open-style procedure)",
           "Procurement Act 2023 s.9 and Procurement Regulations 2024 Sch. 1", (
               _PREPARATION, _TENDER_NOTICE,
               _tender_period(None, "Procurement Act 2023 s.54(3)",
                              "No statutory minimum: the minimum tendering periods do not apply "
                              "to light touch contracts, though the period must still be "
                              "reasonable (s.54(1))"),
               _EVALUATION, _MODERATION, _AWARD,
               StepDefinition("standstill", "Voluntary standstill", STANDSTILL_WORKING_DAYS,
                              WORKING, source="Procurement Act 2023 s.51",
                              note="The mandatory standstill does not apply to light touch "
                                   "contracts; keeping one is good practice"),
               _SIGNATURE, _MOBILISATION, _TUPE)),
)}
DEFAULT_REGIME = "pa2023_open"


class PlanError(ValueError):
    """Bad input to the planner; ``errors`` maps each field (``regime``, ``start_by``,
    ``step.<key>``) to its message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class PlannedStep:
    key: str
    name: str
    days: int
    unit: str
    minimum: int | None
    latest_start: date
    end: date
    source: str
    note: str
    alongside: bool

    @property
    def unit_label(self):
        return UNIT_LABELS[self.unit]


@dataclass(frozen=True)
class Plan:
    """The worked-out plan. ``fits`` is False when a step would have to start before
    ``today``; ``gap_days`` counts the days between the current contract's end and
    ``start_by`` with no contract (0 when there are none, or no current end was given).
    ``planned_notice_by`` is the latest day to publish a qualifying planned procurement
    notice (40 days before the tender notice is published) where the plan relies on one."""

    regime: Regime
    start_by: date
    today: date
    tupe: bool
    conditions: dict
    steps: tuple
    current_end: date | None
    planned_notice_by: date | None

    @property
    def earliest_start(self):
        return min(step.latest_start for step in self.steps)

    @property
    def fits(self):
        return self.earliest_start >= self.today

    @property
    def days_short(self):
        """How many days too late it already is to start (0 when the plan fits)."""
        return max(0, (self.today - self.earliest_start).days)

    @property
    def gap_days(self):
        if self.current_end is None:
            return 0
        return max(0, (self.start_by - (self.current_end + timedelta(days=1))).days)

    @property
    def lengths(self):
        """Each step's length as planned: what a saved plan keeps."""
        return {step.key: step.days for step in self.steps}


def regime_of(key):
    """The regime called ``key``; PlanError naming ``regime`` for one not known."""
    regime = REGIMES.get(key)
    if regime is None:
        raise PlanError({"regime": "Choose a procurement route: "
                                   + ", ".join(REGIMES)})
    return regime


def steps_of(regime_key, *, tupe=False):
    """The step definitions a plan under the regime has (the TUPE step only with ``tupe``)."""
    return tuple(s for s in regime_of(regime_key).steps if tupe or not s.tupe)


def clean_conditions(conditions=None):
    """The conditions with the defaults filled in; unknown names are an error (field
    ``conditions.<name>``)."""
    given = dict(conditions or {})
    unknown = set(given) - CONDITIONS.keys()
    if unknown:
        raise PlanError({f"conditions.{name}": "Not a condition this planner knows"
                         for name in sorted(unknown)})
    return {name: bool(given.get(name, default)) for name, (default, _) in CONDITIONS.items()}


def _length(step, given, conditions, errors):
    field = f"step.{step.key}"
    value = given.get(step.key, step.days)
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = f"{step.name}: enter a whole number of {UNIT_LABELS[step.unit]}"
        return None
    if value < 1:
        errors[field] = f"{step.name}: enter a length of 1 or more {UNIT_LABELS[step.unit]}"
        return None
    minimum = step.minimum_for(conditions)
    if minimum is not None and value < minimum:
        errors[field] = (f"{step.name} must be at least {minimum} {UNIT_LABELS[step.unit]} "
                         f"({step.source})")
        return None
    return value


def _place(step, days, bound):
    """The step's (latest start, end) to end no later than ``bound``."""
    if step.unit == CALENDAR:
        return bound - timedelta(days=days - 1), bound
    end = bound if working_days.is_working_day(bound) else working_days.working_days_before(
        bound, 1)
    start = end if days == 1 else working_days.working_days_before(end, days - 1)
    return start, end


def plan(regime_key, start_by, *, today, tupe=False, lengths=None, conditions=None,
         current_end=None):
    """Work back from ``start_by`` (the new contract's first day) through the regime's steps.

    ``lengths`` overrides steps' lengths ({step key: days}); each must be a whole number of 1 or
    more and at least the step's statutory minimum under ``conditions`` (see
    :data:`CONDITIONS`). ``start_by`` may not have passed (before ``today``). Raises
    :class:`PlanError` naming every bad field."""
    errors = {}
    try:
        regime = regime_of(regime_key)
    except PlanError as error:
        errors.update(error.errors)
        regime = None
    try:
        conditions = clean_conditions(conditions)
    except PlanError as error:
        errors.update(error.errors)
        conditions = clean_conditions()
    if isinstance(start_by, str) and start_by.strip("- "):
        errors["start_by"] = "The date the new contract must start by must be a real date"
    elif not isinstance(start_by, date):
        errors["start_by"] = "Enter the date the new contract must start by"
    elif start_by < today:
        errors["start_by"] = ("The date the new contract must start by has already passed: "
                              "give today or a later date")
    given = dict(lengths or {})
    chosen = ()
    if regime is not None:
        chosen = tuple(s for s in regime.steps if tupe or not s.tupe)
        known = {s.key for s in regime.steps}
        for key in sorted(set(given) - known):
            errors[f"step.{key}"] = f"{regime.name} has no step {key!r}"
        days = {step.key: _length(step, given, conditions, errors) for step in chosen}
    if errors:
        raise PlanError(errors)

    placed = {}
    bound = start_by - timedelta(days=1)
    for step in reversed([s for s in chosen if not s.alongside]):
        placed[step.key] = _place(step, days[step.key], bound)
        bound = placed[step.key][0] - timedelta(days=1)
    for step in chosen:
        if step.alongside:
            placed[step.key] = _place(step, days[step.key], start_by - timedelta(days=1))
    steps = tuple(PlannedStep(
        key=step.key, name=step.name, days=days[step.key], unit=step.unit,
        minimum=step.minimum_for(conditions), latest_start=placed[step.key][0],
        end=placed[step.key][1], source=step.source, note=step.note,
        alongside=step.alongside)
        for step in chosen)
    planned_notice_by = None
    if conditions["planned_procurement_notice"] and "tender_notice" in placed:
        planned_notice_by = placed["tender_notice"][1] - timedelta(days=PLANNED_NOTICE_LEAD_DAYS)
    return Plan(regime=regime, start_by=start_by, today=today, tupe=tupe,
                conditions=conditions, steps=steps, current_end=current_end,
                planned_notice_by=planned_notice_by)


__all__ = ["CALENDAR", "WORKING", "CONDITIONS", "REGIMES", "DEFAULT_REGIME", "Plan",
           "PlanError", "PlannedStep", "Regime", "StepDefinition", "clean_conditions", "plan",
           "regime_of", "steps_of"]
