"""The expiry pipeline and each contract's re-procurement plan (issue 13 §5).

Who may do what:
- An authority's placement officers and managers read their authority's pipeline (scoping
  decides whose contracts are counted: another authority's do not exist for them) and read and
  save the plan for each of its contracts. Providers and the host's other roles are refused the
  pipeline (403); a contract's plan is NotFound for anyone but the authority's officers and
  managers, its supplier included: the supplier may bid for the successor, so it is not told a
  plan exists.

The plan's dates are always worked out afresh by :mod:`.planner` (pure); a saved plan keeps only
what was chosen (``ProcurementPlan``: regime, start_by, tupe, the step lengths, one per
contract, updated in place). The conditions that decide the minimum tendering period
(electronic submission, a qualifying planned procurement notice...) have no column of their own
and are kept in ``step_lengths`` under the reserved key :data:`CONDITIONS_KEY`.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

import tenants

from .. import audit
from ..accounts.permissions import is_buyer, require_buyer
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..formatting import london_date
from . import access, planner, terms
from .models import Contract, ContractStatus, ProcurementPlan

PIPELINE_MONTHS = 18  # issue 13 §5: contracts ending in the next 18 months
CONDITIONS_KEY = "conditions"


def _today():
    return london_date(tenants.utcnow())


# ---------------------------------------------------------------- plan status

NOT_PLANNED, ON_TRACK, GAP, CANNOT_FIT, START_PASSED = (
    "not_planned", "on_track", "gap", "cannot_fit", "start_passed")
STATUS_LABELS = {NOT_PLANNED: "Not planned", ON_TRACK: "On track", GAP: "Leaves a gap",
                 CANNOT_FIT: "Cannot fit", START_PASSED: "Start date passed"}


@dataclass(frozen=True)
class PipelineRow:
    """One contract in the pipeline: its days left to its end (0 on its last day) and its saved
    plan's status (:data:`STATUS_LABELS`), with the plan itself where it could be worked out."""

    contract: Contract
    days_left: int
    status: str
    plan: object  # planner.Plan or None

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


def _saved_status(contract, saved, today):
    if saved is None:
        return NOT_PLANNED, None
    try:
        worked = _work_out(contract, saved.regime, saved.start_by, saved.tupe,
                           _lengths_of(saved), _conditions_of(saved), today)
    except ValidationFailed as error:
        return (START_PASSED if "start_by" in error.errors else CANNOT_FIT), None
    if not worked.fits:
        return CANNOT_FIT, worked
    return (GAP if worked.gap_days else ON_TRACK), worked


def expiry_pipeline(actor):
    """The authority's contracts ending within the next 18 months with no extension left to
    decide (issue 13 §5): current end from today to today + 18 months, ``next_decision_due``
    None, neither draft nor terminated; soonest end first, each with its days left and its saved
    plan's status. The authority's officers and managers only (PermissionDenied otherwise).
    A fixed handful of statements however many contracts: the contracts with their supplier
    and plan, and their extension options."""
    require_buyer(actor)
    today = _today()
    rows = db.session.execute(
        select(Contract, ProcurementPlan)
        .outerjoin(ProcurementPlan, ProcurementPlan.contract_id == Contract.id)
        .where(Contract.end_date >= today,
               Contract.end_date <= terms.add_months(today, PIPELINE_MONTHS),
               Contract.next_decision_due.is_(None),
               Contract.state.not_in((ContractStatus.DRAFT, ContractStatus.TERMINATED)))
        .order_by(Contract.end_date, Contract.id)).unique().all()
    pipeline = []
    for contract, saved in rows:
        status, worked = _saved_status(contract, saved, today)
        pipeline.append(PipelineRow(contract=contract, days_left=(contract.end_date - today).days,
                                    status=status, plan=worked))
    return pipeline


# ---------------------------------------------------------------- a contract's plan

def _contract_for_plan(actor, contract_id, *, for_update=False):
    """The contract, for its authority's officers and managers; NotFound for everyone else,
    the supplier included (it must not learn of a re-procurement plan)."""
    contract = access.get_contract(actor, contract_id, for_update=for_update)
    if not is_buyer(actor):
        raise NotFound(f"contract {contract_id}")
    return contract


def _saved_plan(contract_id):
    return db.session.execute(select(ProcurementPlan).where(
        ProcurementPlan.contract_id == contract_id)).scalar_one_or_none()


def _lengths_of(saved):
    return {key: value for key, value in (saved.step_lengths or {}).items()
            if key != CONDITIONS_KEY}


def _conditions_of(saved):
    return dict((saved.step_lengths or {}).get(CONDITIONS_KEY) or {})


def _work_out(contract, regime, start_by, tupe, lengths, conditions, today):
    try:
        return planner.plan(regime, start_by, today=today, tupe=bool(tupe), lengths=lengths,
                            conditions=conditions, current_end=contract.end_date)
    except planner.PlanError as error:
        raise ValidationFailed(error.errors) from None


@dataclass(frozen=True)
class ContractPlan:
    """A contract with its plan worked out (None where the choices could not be worked out:
    then ``errors`` names each bad field), the choices it came from (``regime``, ``start_by``,
    ``tupe``, ``lengths``, ``conditions``) and the saved plan (None when none is saved)."""

    contract: Contract
    plan: object  # planner.Plan or None
    saved: ProcurementPlan | None
    choices: dict
    errors: dict


def default_start_by(contract):
    """The day after the current contract's end: the successor starts when it ends."""
    return contract.end_date + timedelta(days=1)


def _choices(contract, saved, regime, start_by, tupe, lengths, conditions):
    if saved is not None:
        base = {"regime": saved.regime, "start_by": saved.start_by, "tupe": saved.tupe,
                "lengths": _lengths_of(saved), "conditions": _conditions_of(saved)}
    else:
        base = {"regime": planner.DEFAULT_REGIME, "start_by": default_start_by(contract),
                "tupe": False, "lengths": {}, "conditions": {}}
    if regime and regime != base["regime"]:
        # Another regime's steps differ: keep only the saved lengths it also has.
        other = planner.REGIMES.get(regime)
        keys = {s.key for s in other.steps} if other else set()
        base["lengths"] = {k: v for k, v in base["lengths"].items() if k in keys}
    return {"regime": regime or base["regime"],
            "start_by": base["start_by"] if start_by is None else start_by,
            "tupe": base["tupe"] if tupe is None else bool(tupe),
            "lengths": {**base["lengths"], **(lengths or {})},
            "conditions": {**{name: default for name, (default, _) in planner.CONDITIONS.items()},
                           **base["conditions"], **(conditions or {})}}


def plan_for(actor, contract_id, *, regime=None, start_by=None, tupe=None, lengths=None,
             conditions=None, strict=True):
    """The contract's re-procurement plan worked out (nothing saved): from what is given, else
    the saved plan's choices, else the defaults (regime ``pa2023_open``, start_by the day after
    the current end, no TUPE, each step's default length). Given ``lengths`` and
    ``conditions`` are laid over the saved ones. Bad input (``regime``, ``start_by``,
    ``step.<key>``, ``conditions.<name>``) raises ValidationFailed naming the field, or with
    ``strict`` False comes back in ``errors`` (for a page to show beside the form). The
    authority's officers and managers only (NotFound otherwise)."""
    contract = _contract_for_plan(actor, contract_id)
    saved = _saved_plan(contract.id)
    choices = _choices(contract, saved, regime, start_by, tupe, lengths, conditions)
    try:
        worked = _work_out(contract, choices["regime"], choices["start_by"], choices["tupe"],
                           choices["lengths"], choices["conditions"], _today())
    except ValidationFailed as error:
        if strict:
            raise
        return ContractPlan(contract=contract, plan=None, saved=saved, choices=choices,
                            errors=error.errors)
    return ContractPlan(contract=contract, plan=worked, saved=saved, choices=choices, errors={})


def save_plan(actor, contract_id, *, regime, start_by, tupe=False, lengths=None,
              conditions=None):
    """Save the contract's re-procurement plan: the regime, the date the new contract must
    start by, whether staff transfer (TUPE) and each step's length (issue 13 §5), one plan per
    contract, updated in place, with an audit event. Everything is checked by the planner
    first (start_by not passed, every step at least its statutory minimum, a positive length,
    a known regime and step); ValidationFailed naming the field, and nothing saved, otherwise.
    The authority's officers and managers only (NotFound for everyone else)."""
    # The contract's row is locked, so two first saves of its plan take turns rather than
    # meet at the plan's unique key.
    contract = _contract_for_plan(actor, contract_id, for_update=True)
    worked = _work_out(contract, regime, start_by, tupe, lengths, conditions, _today())
    saved = _saved_plan(contract.id)
    before = None
    if saved is None:
        saved = ProcurementPlan(contract_id=contract.id)
        db.session.add(saved)
    else:
        before = _plan_values(saved)
    saved.regime = worked.regime.key
    saved.start_by = worked.start_by
    saved.tupe = worked.tupe
    saved.step_lengths = {**worked.lengths, CONDITIONS_KEY: worked.conditions}
    saved.updated_by_id = actor.id
    saved.updated_at = tenants.utcnow()
    db.session.flush()
    audit.record("contract.procurement_plan_saved", saved, actor=actor, before=before,
                 after=_plan_values(saved))
    db.session.commit()
    return ContractPlan(contract=contract, plan=worked, saved=saved, errors={}, choices={
        "regime": saved.regime, "start_by": saved.start_by, "tupe": saved.tupe,
        "lengths": _lengths_of(saved), "conditions": _conditions_of(saved)})


def _plan_values(saved):
    return {"contract_id": saved.contract_id, "regime": saved.regime,
            "start_by": saved.start_by.isoformat() if isinstance(saved.start_by, date)
            else saved.start_by, "tupe": saved.tupe, "step_lengths": dict(saved.step_lengths)}
