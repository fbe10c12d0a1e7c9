"""Cost sharing's rules and state changes (issue 14 §1–§4; DESIGN §3 "MoU cost sharing").

Who may do what:
- The host authority's administrators set the MoU terms, a year's costs, income and population
  figures, create (or preview) runs, approve and recalculate them, and read every statement.
- A member authority's managers read their own statement of an approved run and the region
  totals; another member's statement does not exist for them (404), nor does any of the host's
  working (terms, costs, drafts). Providers see none of it.

The arithmetic is ``tenants.apportion`` / ``tenants.true_ups``; a run stores the frozen snapshot
of every input it shared, and its result is what the arithmetic gives for that snapshot, so an
approved run never changes whatever happens to placements, memberships or costs afterwards: a
recalculation is a new run that supersedes it openly, with the difference per member.
"""
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import insert, select, update

import tenants

from .. import audit
from ..accounts.permissions import is_host_admin, is_manager
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..placements import engine
from . import usage
from .models import (CostCategory, CostLine, CostSharingResult, CostSharingRun, CostSharingTerms,
                     CostSharingTotals, IncomeLine, PopulationFigure, RunKind, RunStatus)

MEASURES = tuple(tenants.MEASURES)
MAX_LINES = 200


# ---------------------------------------------------------------- who may

def _host_side(actor):
    """Only the host's administrators; for anyone outside the host the host's cost-sharing
    working does not exist (404), the host's other roles are refused (403)."""
    if not actor.organisation.is_host:
        raise NotFound("no such cost-sharing record")
    if not is_host_admin(actor):
        raise PermissionDenied("only the host authority's administrators manage cost sharing")


def parse_financial_year(label):
    """"2026-27" → 2026; ValidationFailed naming financial_year otherwise."""
    try:
        year = engine.parse_year_label(label or "")
    except ValueError as error:
        raise ValidationFailed({"financial_year": str(error)}) from None
    if not 2000 <= year <= 2098:
        raise ValidationFailed({"financial_year": "Give a year from 2000-01 to 2098-99"})
    return year


def _bp(value):
    """Basis points as the exact percentage the arithmetic takes (3050 → 61/2)."""
    return None if value is None else Fraction(value, 100)


# ---------------------------------------------------------------- terms

@dataclass(frozen=True)
class TermsInput:
    """The MoU terms as the API and forms give them: percentages in basis points, caps in pence
    by authority id."""

    effective_from: date | None
    fixed_percent_bp: int | None
    usage_measure: str | None = None
    usage_weights_bp: dict | None = None
    host_pays_share: bool = False
    participants: list | None = None
    caps: dict = field(default_factory=dict)
    damping_percent_bp: int | None = None
    tolerance_bp: int = 0
    include_off_framework: bool = True


def terms_snapshot(row):
    """A terms version as the JSON a run freezes (and a what-if overrides)."""
    return {"terms_id": row.id, "effective_from": row.effective_from.isoformat(),
            "fixed_percent_bp": row.fixed_percent_bp, "usage_measure": row.usage_measure,
            "usage_weights_bp": row.usage_weights, "host_pays_share": row.host_pays_share,
            "participants": row.participants, "caps": dict(row.caps or {}),
            "damping_percent_bp": row.damping_percent_bp, "tolerance_bp": row.tolerance_bp,
            "include_off_framework": row.include_off_framework}


def pure_terms(snapshot):
    """The snapshot as ``tenants.Terms``; CostSharingError naming the field if it is wrong."""
    weights = snapshot.get("usage_weights_bp")
    return tenants.Terms(
        fixed_percent=_bp(snapshot["fixed_percent_bp"]),
        usage_measure=snapshot.get("usage_measure"),
        usage_weights=None if weights is None else {m: _bp(w) for m, w in weights.items()},
        host_pays_share=bool(snapshot.get("host_pays_share")),
        participants=(None if snapshot.get("participants") is None
                      else frozenset(snapshot["participants"])),
        caps={int(k): v for k, v in (snapshot.get("caps") or {}).items()},
        damping_percent=_bp(snapshot.get("damping_percent_bp")),
        tolerance_points=_bp(snapshot.get("tolerance_bp") or 0))


def _check_terms(values):
    """ValidationFailed naming each bad field of a terms snapshot (the arithmetic's own
    checks, passed on with the API's names, and the authorities named must exist)."""
    errors = {}
    if values.get("fixed_percent_bp") is None:
        errors["fixed_percent"] = "Enter the fixed percentage (0 to 100)"
    else:
        try:
            pure_terms(values)
        except tenants.CostSharingError as error:
            errors.update(error.errors)
    authorities = set(db.session.scalars(select(tenants.Authority.id)))
    unknown = [k for k in (values.get("caps") or {}) if int(k) not in authorities]
    if unknown and "caps" not in errors:
        errors["caps"] = f"Not an authority: {', '.join(map(str, unknown))}"
    unknown = [i for i in (values.get("participants") or ()) if i not in authorities]
    if unknown:
        errors["participants"] = f"Not an authority: {', '.join(map(str, unknown))}"
    if errors:
        raise ValidationFailed(errors)


def current_terms(actor):
    """The latest MoU terms version (None before any is set); the host's administrators."""
    _host_side(actor)
    return _latest_terms()


def _latest_terms(on_or_before=None):
    statement = select(CostSharingTerms).order_by(CostSharingTerms.effective_from.desc(),
                                                  CostSharingTerms.id.desc()).limit(1)
    if on_or_before is not None:
        statement = statement.where(CostSharingTerms.effective_from <= on_or_before)
    return db.session.scalars(statement).first()


def terms_for_year(financial_year):
    """The terms a year is shared under (issue 14 §1): the latest version effective on or before
    the year's last day (31 March), so terms agreed during a year apply to the whole of it."""
    return _latest_terms(engine.financial_year_range(financial_year)[1])


def set_terms(actor, terms):
    """Record a new version of the MoU terms from ``terms`` (a :class:`TermsInput`), in force
    from its ``effective_from`` (issue 14 §1). Earlier versions are kept: runs name the version
    they used. The host's administrators only; bad input (a fixed percentage outside 0–100,
    weights not adding up to 100, a negative cap, an unknown authority) changes nothing."""
    _host_side(actor)
    values = {"fixed_percent_bp": terms.fixed_percent_bp, "usage_measure": terms.usage_measure,
              "usage_weights_bp": terms.usage_weights_bp,
              "host_pays_share": bool(terms.host_pays_share),
              "participants": (None if terms.participants is None
                               else sorted(set(terms.participants))),
              "caps": {str(k): v for k, v in sorted((terms.caps or {}).items())},
              "damping_percent_bp": terms.damping_percent_bp,
              "tolerance_bp": terms.tolerance_bp if terms.tolerance_bp is not None else 0,
              "include_off_framework": bool(terms.include_off_framework)}
    errors = {}
    if terms.effective_from is None:
        errors["effective_from"] = "Enter the date the terms take effect"
    try:
        _check_terms(values)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    row = CostSharingTerms(
        effective_from=terms.effective_from, fixed_percent_bp=values["fixed_percent_bp"],
        usage_measure=values["usage_measure"], usage_weights=values["usage_weights_bp"],
        host_pays_share=values["host_pays_share"], participants=values["participants"],
        caps=values["caps"], damping_percent_bp=values["damping_percent_bp"],
        tolerance_bp=values["tolerance_bp"],
        include_off_framework=values["include_off_framework"], recorded_by_id=actor.id,
        recorded_at=tenants.utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("cost_sharing.terms_set", row, actor=actor, after=terms_snapshot(row))
    db.session.commit()
    return row


# ---------------------------------------------------------------- costs and income

@dataclass(frozen=True)
class YearCosts:
    """A year's cost lines and income lines, and the net cost = costs − income (issue 14 §2)."""

    financial_year: int
    lines: list
    income: list

    @property
    def costs_pence(self):
        return sum(line.amount_pence for line in self.lines)

    @property
    def income_pence(self):
        return sum(line.amount_pence for line in self.income)

    @property
    def net_cost_pence(self):
        return self.costs_pence - self.income_pence

    @property
    def label(self):
        return engine.year_label(self.financial_year)


def _year_costs(year):
    lines = db.session.scalars(select(CostLine).where(CostLine.financial_year == year)
                               .order_by(CostLine.position, CostLine.id)).all()
    income = db.session.scalars(select(IncomeLine).where(IncomeLine.financial_year == year)
                                .order_by(IncomeLine.position, IncomeLine.id)).all()
    return YearCosts(year, list(lines), list(income))


def year_costs(actor, financial_year):
    """The year's costs and income (a label, "2026-27"); the host's administrators."""
    _host_side(actor)
    return _year_costs(parse_financial_year(financial_year))


def _text(value):
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


def set_costs(actor, financial_year, lines, income):
    """Replace the year's cost lines (``[{category, amount (pence), note, evidence}]``) and
    income lines (``[{source, amount (pence), note}]``) (issue 14 §2). Refused, naming each
    field, with nothing changed: an unknown category, a missing or negative amount, income
    without a source, and income above the costs without a note saying why. The host's
    administrators only; runs already made keep the figures they froze."""
    _host_side(actor)
    year = parse_financial_year(financial_year)
    errors = {}
    lines, income = list(lines or ()), list(income or ())
    if len(lines) > MAX_LINES or len(income) > MAX_LINES:
        errors["lines"] = f"Enter at most {MAX_LINES} lines of each kind"
    categories = {c.value for c in CostCategory}
    for i, line in enumerate(lines):
        if line.get("category") not in categories:
            errors[f"lines.{i}.category"] = ("Choose the category: staff, system, legal, "
                                             "procurement or other")
        amount = line.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            errors[f"lines.{i}.amount"] = "Enter the amount in pounds, like 12500.00"
    for i, line in enumerate(income):
        if not _text(line.get("source")):
            errors[f"income.{i}.source"] = "Enter where the income comes from"
        amount = line.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            errors[f"income.{i}.amount"] = "Enter the amount in pounds, like 12500.00"
    if not errors:
        costs = sum(line["amount"] for line in lines)
        received = sum(line["amount"] for line in income)
        if received > costs and not any(_text(line.get("note")) for line in income):
            errors["income"] = ("The income is more than the costs: add a note to an income "
                                "line saying why (a surplus is not shared out)")
    if errors:
        raise ValidationFailed(errors)
    before = _year_costs(year)
    summary = {"costs_pence": before.costs_pence, "income_pence": before.income_pence}
    for row in (*before.lines, *before.income):
        db.session.delete(row)
    for i, line in enumerate(lines):
        db.session.add(CostLine(financial_year=year, position=i,
                                category=CostCategory(line["category"]),
                                amount_pence=line["amount"], note=_text(line.get("note")),
                                evidence=_text(line.get("evidence"))))
    for i, line in enumerate(income):
        db.session.add(IncomeLine(financial_year=year, position=i,
                                  source=_text(line["source"]), amount_pence=line["amount"],
                                  note=_text(line.get("note"))))
    db.session.flush()
    after = _year_costs(year)
    audit.record("cost_sharing.costs_set", None, actor=actor,
                 before={"financial_year": year, **summary},
                 after={"financial_year": year, "costs_pence": after.costs_pence,
                        "income_pence": after.income_pence,
                        "lines": len(after.lines), "income": len(after.income)})
    db.session.commit()
    return after


@dataclass(frozen=True)
class PopulationLine:
    authority_id: int
    name: str
    ons_code: str
    population: int | None


def population_figures(actor, financial_year):
    """Every authority with its population for the year (None where not entered), for the
    host's administrators."""
    _host_side(actor)
    year = parse_financial_year(financial_year)
    found = dict(db.session.execute(
        select(PopulationFigure.authority_id, PopulationFigure.population)
        .where(PopulationFigure.financial_year == year)).all())
    return [PopulationLine(a.id, a.name, a.ons_code, found.get(a.id)) for a in
            db.session.scalars(select(tenants.Authority).order_by(tenants.Authority.name))]


def set_population(actor, financial_year, figures):
    """Set the population figures for a year (``{authority id: population}``; None removes
    one), the population measure's figures (issue 14 §1). The host's administrators only."""
    _host_side(actor)
    year = parse_financial_year(financial_year)
    authorities = set(db.session.scalars(select(tenants.Authority.id)))
    errors = {}
    for authority_id, population in figures.items():
        if authority_id not in authorities:
            errors[f"population.{authority_id}"] = "Not an authority"
        elif population is not None and (not isinstance(population, int)
                                         or isinstance(population, bool) or population < 0):
            errors[f"population.{authority_id}"] = "Enter the population as a whole number"
    if errors:
        raise ValidationFailed(errors)
    existing = {row.authority_id: row for row in db.session.scalars(
        select(PopulationFigure).where(PopulationFigure.financial_year == year))}
    for authority_id, population in figures.items():
        row = existing.get(authority_id)
        if population is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(PopulationFigure(financial_year=year, authority_id=authority_id,
                                            population=population))
        else:
            row.population = population
    db.session.flush()
    audit.record("cost_sharing.population_set", None, actor=actor,
                 after={"financial_year": year,
                        "figures": {str(k): v for k, v in sorted(figures.items())}})
    db.session.commit()
    return population_figures(actor, financial_year)


# ---------------------------------------------------------------- the snapshot and its result

def _members(year, include_off_framework):
    """Every authority with its membership dates and the year's usage figures (flows are 0
    where it had none; population only where entered)."""
    gathered = usage.gather(year, include_off_framework)
    members = []
    for authority in db.session.scalars(select(tenants.Authority).order_by(tenants.Authority.id)):
        figures = {tenants.PLACEMENT_DAYS: 0, tenants.PLACEMENT_SPEND: 0, tenants.CALLOFFS: 0,
                   **gathered.get(authority.id, {})}
        members.append({
            "authority_id": authority.id, "name": authority.name,
            "ons_code": authority.ons_code, "is_host": authority.is_host,
            "joined_on": authority.joined_on.isoformat(),
            "left_on": authority.left_on.isoformat() if authority.left_on else None,
            "usage": {m: str(v) for m, v in sorted(figures.items())}})
    return members


def _last_approved(year):
    """Each authority's contribution in its last approved year (for damping, issue 14 §1): the
    latest earlier year with an approved run, its outturn if approved, else its budget."""
    runs = db.session.scalars(select(CostSharingRun).where(
        CostSharingRun.status == RunStatus.APPROVED, CostSharingRun.financial_year < year)
        .order_by(CostSharingRun.financial_year.desc(), CostSharingRun.id.desc())).all()
    if not runs:
        return {}
    latest = runs[0].financial_year
    chosen = sorted((r for r in runs if r.financial_year == latest),
                    key=lambda r: (r.kind != RunKind.OUTTURN, -r.id))[0]
    return {result.authority_id: result.amount_pence for result in chosen.results}


def apportion_snapshot(snapshot):
    """``tenants.apportion`` of a frozen snapshot: the same inputs give the same result."""
    members = [tenants.Member(
        authority_id=m["authority_id"], joined_on=date.fromisoformat(m["joined_on"]),
        left_on=date.fromisoformat(m["left_on"]) if m["left_on"] else None,
        usage={k: Fraction(v) for k, v in m["usage"].items()},
        last_approved=m.get("last_approved"), is_host=m["is_host"])
        for m in snapshot["members"]]
    return tenants.apportion(snapshot["financial_year"], snapshot["net_cost_pence"], members,
                             pure_terms(snapshot["terms"]))


def _round(exact):
    return engine.round_half_up(Fraction(exact))


def _record(contribution, member, true_up=None):
    """A member's line of a run as stored (and as a preview shows it): the figures the API
    and statements give, and the workings line by line (issue 14 §3)."""
    lines = list(contribution.workings())
    # The member's own statement: the same, without naming who an excess came from or went to.
    member_lines = list(contribution.workings(name_others=False))
    record = {
        "authority_id": contribution.authority_id, "name": member["name"],
        "ons_code": member["ons_code"], "is_host": contribution.is_host,
        "membership_days": contribution.membership_days,
        "days_in_year": contribution.days_in_year,
        "fixed_pence": _round(contribution.fixed), "usage_pence": _round(contribution.usage),
        "adjustment_pence": _round(contribution.adjustment),
        "usage_figures": {line.measure: str(line.figure) for line in contribution.usage_lines},
        "usage_share": str(contribution.usage_share),
        "cap_pence": contribution.cap, "capped": contribution.capped,
        "damped": contribution.damped, "exact": str(contribution.exact),
        "amount_pence": contribution.amount, "true_up_pence": None, "lines": lines,
        "member_lines": member_lines}
    if true_up is not None:
        record.update({
            "true_up_pence": true_up.true_up, "budget_pence": true_up.budget,
            "final_pence": true_up.amount, "true_up_skipped": true_up.skipped,
            "moved_points": str(true_up.moved_points)})
        true_up_lines = [
            f"Budget: {_pounds(true_up.budget)}; outturn: {_pounds(true_up.outturn)}",
            f"Usage share moved {_points(true_up.moved_points)} percentage points" + (
                " — within the tolerance, so the true-up is skipped" if true_up.skipped
                else "")]
        if true_up.redistributed:
            true_up_lines.append(f"Took on {_pounds(_round(true_up.redistributed))} of the "
                                 f"skipped members' true-ups")
        true_up_lines.append(f"True-up: {_pounds(true_up.true_up)} (pays "
                             f"{_pounds(true_up.amount)} in all)")
        lines.extend(true_up_lines)
        member_lines.extend(true_up_lines)
    return record


def _pounds(pence):
    from ..money import display_pounds
    return display_pounds(pence)


def _points(value):
    value = Fraction(value)
    return f"{engine.round_half_up(value * 100) / 100:.2f}"


@dataclass
class ContributionView:
    """A member's line of a run (or preview), with the difference from the run it is compared
    with (the run it supersedes, or the current one for a preview)."""

    authority_id: int
    name: str
    ons_code: str
    is_host: bool
    membership_days: int
    fixed_pence: int
    usage_pence: int
    adjustment_pence: int
    usage_figures: dict
    usage_share: str
    amount_pence: int
    true_up_pence: int | None
    lines: list
    previous_pence: int | None = None

    @property
    def difference_pence(self):
        return None if self.previous_pence is None else self.amount_pence - self.previous_pence

    @property
    def usage_figure(self):
        """The usage figure: one measure's as text, a blend's as {measure: figure}."""
        if len(self.usage_figures) == 1:
            return next(iter(self.usage_figures.values()))
        return dict(self.usage_figures) or None

    @classmethod
    def of(cls, record):
        return cls(**{name: record.get(name) for name in (
            "authority_id", "name", "ons_code", "is_host", "membership_days", "fixed_pence",
            "usage_pence", "adjustment_pence", "usage_figures", "usage_share", "amount_pence",
            "true_up_pence", "lines")})


@dataclass
class RunView:
    """A run as its pages and the API show it; ``id`` None for a preview (not saved)."""

    id: int | None
    financial_year: int
    kind: RunKind
    status: str
    net_cost_pence: int
    host_net_cost_pence: int
    terms: dict
    costs: dict
    contributions: list
    supersedes_id: int | None = None
    compared_with_id: int | None = None
    budget_run_id: int | None = None
    created_at: object = None
    approved_at: object = None
    preview: bool = False
    invoices: list = field(default_factory=list)

    @property
    def label(self):
        return engine.year_label(self.financial_year)

    @property
    def contributions_pence(self):
        return sum(c.amount_pence for c in self.contributions if not c.is_host)


def _view_of(run, compared=None):
    contributions = [ContributionView.of(result.workings) for result in run.results]
    view = RunView(run.id, run.financial_year, run.kind, run.status.value, run.net_cost_pence,
                   run.host_net_cost_pence, run.inputs["terms"], run.inputs["costs"],
                   contributions, run.supersedes_id, None, run.budget_run_id, run.created_at,
                   run.approved_at)
    if compared is not None:
        _compare(view, compared)
    return view


def _compare(view, other):
    previous = {result.authority_id: result.amount_pence for result in other.results}
    view.compared_with_id = other.id
    for contribution in view.contributions:
        contribution.previous_pence = previous.get(contribution.authority_id, 0)


def _run(run_id):
    run = db.session.get(CostSharingRun, run_id)
    if run is None:
        raise NotFound("no such cost-sharing run")
    return run


def _approved(year, kind):
    return db.session.scalars(select(CostSharingRun).where(
        CostSharingRun.financial_year == year, CostSharingRun.kind == kind,
        CostSharingRun.status == RunStatus.APPROVED).order_by(CostSharingRun.id.desc())).first()


def _current(year, kind):
    """The run a preview is compared with: the approved one, else the latest draft."""
    return _approved(year, kind) or db.session.scalars(select(CostSharingRun).where(
        CostSharingRun.financial_year == year, CostSharingRun.kind == kind,
        CostSharingRun.status == RunStatus.DRAFT).order_by(CostSharingRun.id.desc())).first()


def _parse_kind(kind):
    try:
        return RunKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": "Choose budget or outturn"}) from None


_OVERRIDABLE = ("fixed_percent_bp", "usage_measure", "usage_weights_bp", "host_pays_share",
                "participants", "caps", "damping_percent_bp", "tolerance_bp",
                "include_off_framework")


def create_run(actor, financial_year, kind, *, preview=False, terms=None, supersedes_id=None):
    """Share the year's net cost under the MoU (issue 14 §3): a draft budget or outturn run
    with each member's contribution and workings, from a frozen snapshot of every input (the
    members with their membership days and usage from the cost engine, the costs and income,
    the terms in force). An outturn run shows each member's true-up against the year's
    approved budget run, skipped within the tolerance. ``supersedes_id`` names the approved
    run this one recalculates (it supersedes it when approved). With ``preview`` nothing is
    saved: the result is shown beside the current run, under ``terms`` (a dict of the terms'
    fields to change, e.g. ``{"fixed_percent_bp": 3000}``) for a what-if (issue 14 §4).
    The host's administrators only; bad terms, no costs, missing usage figures or caps that
    cannot cover the net cost are refused naming the field."""
    _host_side(actor)
    year = parse_financial_year(financial_year)
    kind = _parse_kind(kind)
    superseded = None
    if supersedes_id is not None:
        superseded = db.session.get(CostSharingRun, supersedes_id)
        if superseded is None or superseded.status != RunStatus.APPROVED or (
                superseded.financial_year, superseded.kind) != (year, kind):
            raise ValidationFailed({"supersedes_id": (
                "Name the approved run of the same year and kind that this one recalculates")})
    stored = terms_for_year(year)
    if stored is None:
        raise ValidationFailed({"terms": "Set the MoU terms before making a run"})
    snapshot_terms = terms_snapshot(stored)
    if terms:
        unknown = sorted(set(terms) - set(_OVERRIDABLE))
        if unknown:
            raise ValidationFailed({"terms": f"Unknown terms: {', '.join(unknown)}"})
        snapshot_terms.update(terms)
        # One usage measure or a blend: giving one replaces the other.
        if terms.get("usage_weights_bp") is not None and "usage_measure" not in terms:
            snapshot_terms["usage_measure"] = None
        if terms.get("usage_measure") is not None and "usage_weights_bp" not in terms:
            snapshot_terms["usage_weights_bp"] = None
        snapshot_terms["caps"] = {str(k): v for k, v in (snapshot_terms["caps"] or {}).items()}
        _check_terms(snapshot_terms)
    costs = _year_costs(year)
    if not costs.lines:
        raise ValidationFailed({"costs": f"Enter the costs for {costs.label} before making a "
                                         f"run"})
    if costs.net_cost_pence < 0:
        raise ValidationFailed({"income": "The income is more than the costs: there is no "
                                          "cost to share"})
    members = _members(year, snapshot_terms["include_off_framework"])
    last = _last_approved(year)
    for member in members:
        member["last_approved"] = last.get(member["authority_id"])
    snapshot = {
        "financial_year": year, "kind": kind.value, "net_cost_pence": costs.net_cost_pence,
        "costs": {"costs_pence": costs.costs_pence, "income_pence": costs.income_pence,
                  "lines": [{"category": line.category.value, "amount_pence": line.amount_pence,
                             "note": line.note, "evidence": line.evidence}
                            for line in costs.lines],
                  "income": [{"source": line.source, "amount_pence": line.amount_pence,
                              "note": line.note} for line in costs.income]},
        "terms": snapshot_terms, "members": members,
        "gathered_at": tenants.utcnow().isoformat()}
    try:
        result = apportion_snapshot(snapshot)
    except tenants.CostSharingError as error:
        raise ValidationFailed(error.errors) from None
    budget = _approved(year, RunKind.BUDGET) if kind == RunKind.OUTTURN else None
    statement = None
    if budget is not None:
        statement = tenants.true_ups(apportion_snapshot(budget.inputs), result)
        snapshot["budget_run_id"] = budget.id
    by_id = {m["authority_id"]: m for m in members}
    records = [_record(c, by_id[c.authority_id],
                       statement.line(c.authority_id) if statement else None)
               for c in result.contributions]
    host_net = statement.host_net_cost if statement else result.host_net_cost
    if preview:
        view = RunView(None, year, kind, "preview", result.net_cost, host_net, snapshot_terms,
                       snapshot["costs"], [ContributionView.of(r) for r in records],
                       supersedes_id, None, budget.id if budget else None, preview=True)
        current = superseded or _current(year, kind)
        if current is not None:
            _compare(view, current)
        return view

    run = CostSharingRun(
        financial_year=year, kind=kind, status=RunStatus.DRAFT, supersedes_id=supersedes_id,
        terms_id=stored.id, budget_run_id=budget.id if budget else None, inputs=snapshot,
        net_cost_pence=result.net_cost, host_net_cost_pence=host_net, created_by_id=actor.id,
        created_at=tenants.utcnow())
    db.session.add(run)
    db.session.flush()
    # One statement for every member's row (a run over every English authority): owned, as
    # the run is, by the host in scope.
    db.session.execute(insert(CostSharingResult), [{
        "organisation_id": run.organisation_id, "run_id": run.id,
        "authority_id": record["authority_id"], "membership_days": record["membership_days"],
        "amount_pence": record["amount_pence"], "true_up_pence": record["true_up_pence"],
        "workings": record, "released": False} for record in records])
    usage_totals = {}
    for line in (line for c in result.contributions for line in c.usage_lines):
        usage_totals[line.measure] = str(line.total)
    public_terms = {k: v for k, v in snapshot_terms.items() if k != "caps"}
    db.session.add(CostSharingTotals(
        run_id=run.id, financial_year=year, kind=kind, net_cost_pence=result.net_cost,
        contributions_pence=sum(r["amount_pence"] for r in records if not r["is_host"]),
        host_net_cost_pence=host_net, participants=len(records),
        summary={"terms": public_terms, "usage_totals": usage_totals,
                 "costs_pence": costs.costs_pence, "income_pence": costs.income_pence,
                 "days_in_year": result.days_in_year, "label": engine.year_label(year)},
        released=False))
    db.session.flush()
    audit.record("cost_sharing.run_created", run, actor=actor,
                 after={"financial_year": year, "kind": kind.value,
                        "net_cost_pence": result.net_cost, "supersedes_id": supersedes_id,
                        "amounts": {str(r["authority_id"]): r["amount_pence"]
                                    for r in records}})
    db.session.commit()
    db.session.refresh(run)
    return _view_of(run, superseded)


def recalculate_run(actor, run_id):
    """A new draft run of the same year and kind from today's figures, superseding the approved
    run ``run_id`` once approved, with the difference per member (issue 14 §3). The host's
    administrators only; a run not approved cannot be superseded (Conflict)."""
    _host_side(actor)
    run = _run(run_id)
    if run.status != RunStatus.APPROVED:
        raise Conflict("only an approved run is recalculated: change a draft's inputs and make a "
                       "new run instead")
    return create_run(actor, engine.year_label(run.financial_year), run.kind.value,
                      supersedes_id=run.id)


def approve_run(actor, run_id):
    """Approve a draft run (issue 14 §3): it is frozen from now on, its members' statements and
    the region totals become readable by them, and the run it supersedes (if any) becomes
    superseded. The host's administrators only; a run already approved or superseded is a
    Conflict, as is a second approved run of the same year and kind that does not supersede the
    first."""
    _host_side(actor)
    run = _run(run_id)
    if run.status != RunStatus.DRAFT:
        raise Conflict(f"this run is already {run.status.value}: an approved run is frozen; "
                       "recalculate it to make a new run that supersedes it")
    current = _approved(run.financial_year, run.kind)
    if current is not None and current.id != run.supersedes_id:
        raise Conflict(f"the {run.kind.value} run {current.id} for "
                       f"{engine.year_label(run.financial_year)} is approved: make a "
                       "recalculation that supersedes it instead")
    now = tenants.utcnow()
    run.status, run.approved_by_id, run.approved_at = RunStatus.APPROVED, actor.id, now
    db.session.execute(update(CostSharingResult).where(CostSharingResult.run_id == run.id)
                       .values(released=True))
    if run.totals is not None:
        run.totals.released, run.totals.approved_at = True, now
    superseded = None
    if run.supersedes_id is not None:
        superseded = _run(run.supersedes_id)
        superseded.status = RunStatus.SUPERSEDED
        audit.record("cost_sharing.run_superseded", superseded, actor=actor,
                     before={"status": "approved"},
                     after={"status": "superseded", "by_run_id": run.id})
    db.session.flush()
    audit.record("cost_sharing.run_approved", run, actor=actor, before={"status": "draft"},
                 after={"status": "approved", "supersedes_id": run.supersedes_id})
    _tell_members(actor, run)
    db.session.commit()
    return _view_of(run, superseded)


def _tell_members(actor, run):
    """Each member's managers are told the run is approved, with a link to their statement
    (issue 14 §6); the messages are the member's own (one read of its managers per member)."""
    from ..accounts.models import Role, User, UserStatus
    from ..notifications.services import external_url, notify

    db.session.flush()  # the host's own writes, in the host's scope, before the members'
    for result in run.results:
        if result.authority.is_host:
            continue
        workings = result.workings
        context = {
            "financial_year": engine.year_label(run.financial_year), "kind": run.kind.value,
            "host_name": actor.organisation.name, "authority_name": result.authority.name,
            "amount": _pounds(result.amount_pence),
            "true_up": (None if workings.get("true_up_pence") is None
                        else _pounds(workings["true_up_pence"])),
            "link": external_url("cost_sharing.statement", run_id=run.id,
                                 authority_id=result.authority_id)}
        with tenants.scoped_to(result.authority):
            managers = db.session.scalars(select(User).where(
                User.role == Role.AUTHORITY_MANAGER, User.status == UserStatus.ACTIVE)).all()
            for manager in managers:
                notify(manager.email, "cost_sharing_run_approved",
                       {**context, "full_name": manager.full_name})
            db.session.flush()


def get_run(actor, run_id):
    """A run with every member's workings, compared with the run it supersedes, and its
    invoices; the host's administrators only (for anyone else it does not exist or is
    refused)."""
    _host_side(actor)
    run = _run(run_id)
    compared = _run(run.supersedes_id) if run.supersedes_id else None
    view = _view_of(run, compared)
    view.invoices = _invoice_views(_invoices_of(run.id))
    return view


def list_runs(actor, financial_year):
    """The year's runs, newest first, for the host's administrators (a fixed number of
    statements however many runs: results and totals load in one statement each)."""
    _host_side(actor)
    year = parse_financial_year(financial_year)
    runs = db.session.scalars(select(CostSharingRun).where(
        CostSharingRun.financial_year == year).order_by(CostSharingRun.id.desc())).all()
    return [_view_of(run) for run in runs]


@dataclass
class Statement:
    """A member's statement of a run (issue 14 §5): its own line and the region totals, never
    another member's figures."""

    run_id: int
    financial_year: int
    kind: RunKind
    authority_id: int
    contribution: ContributionView
    totals: dict
    net_cost_pence: int
    contributions_pence: int
    host_net_cost_pence: int
    participants: int
    approved_at: object

    @property
    def label(self):
        return engine.year_label(self.financial_year)


def statement(actor, run_id, authority_id):
    """The member's statement of an approved run (issue 14 §5). A member authority's managers
    read their own; another member's, or a draft, does not exist for them (404); the host's
    administrators read any member's statement of any run. Others are refused."""
    result = db.session.scalars(select(CostSharingResult).where(
        CostSharingResult.run_id == run_id,
        CostSharingResult.authority_id == authority_id)).one_or_none()
    totals = db.session.scalars(select(CostSharingTotals).where(
        CostSharingTotals.run_id == run_id)).one_or_none()
    if result is None or totals is None:
        raise NotFound("no such statement")
    if not (is_host_admin(actor) or (is_manager(actor) and actor.organisation_id == authority_id)):
        raise PermissionDenied("only the authority's managers and the host's administrators "
                               "read its statement")
    record = result.workings
    if not is_host_admin(actor):  # the member's own: the others' transfers not named
        record = {**record, "lines": record.get("member_lines", [])}
    return Statement(run_id, totals.financial_year, totals.kind, authority_id,
                     ContributionView.of(record), totals.summary,
                     totals.net_cost_pence, totals.contributions_pence,
                     totals.host_net_cost_pence, totals.participants, totals.approved_at)


# ---------------------------------------------------------------- for the pages

def parse_percent_bp(text, name, *, optional=False):
    """A percentage as people type it ("30", "2.5", "3%") to basis points; ValidationFailed
    naming ``name`` if it is not a number with at most two decimal places (None for a blank
    ``optional`` one). Ranges are the terms' own checks."""
    from decimal import Decimal, InvalidOperation

    cleaned = (text or "").strip().rstrip("%").strip()
    if not cleaned and optional:
        return None
    try:
        hundredths = Decimal(cleaned) * 100
    except InvalidOperation:
        hundredths = None
    if hundredths is None or not hundredths.is_finite() or (
            hundredths != hundredths.to_integral_value()):
        raise ValidationFailed({name: "Enter a percentage with up to two decimal places, "
                                      "like 30 or 2.5"})
    return int(hundredths)


@dataclass(frozen=True)
class TermsPage:
    """The terms page: the version in force (None before any) and the authorities its caps and
    participants name."""

    terms: CostSharingTerms | None
    authorities: list


def terms_page(actor):
    """The MoU terms in force and the region's authorities, for the host's administrators."""
    _host_side(actor)
    authorities = db.session.scalars(select(tenants.Authority).order_by(
        tenants.Authority.name)).all()
    return TermsPage(_latest_terms(), list(authorities))


@dataclass(frozen=True)
class StatementLine:
    """One of a member's statements in the list of them."""

    run_id: int
    financial_year: int
    kind: RunKind
    amount_pence: int
    true_up_pence: int | None
    approved_at: object

    @property
    def label(self):
        return engine.year_label(self.financial_year)


def my_statements(actor):
    """A member authority's statements of approved runs, newest first, for its managers
    (scoping shows a member only its own lines)."""
    if not (is_manager(actor) and not actor.organisation.is_host):
        raise PermissionDenied("only a member authority's managers read its statements")
    rows = db.session.execute(
        select(CostSharingResult.run_id, CostSharingTotals.financial_year,
               CostSharingTotals.kind, CostSharingResult.amount_pence,
               CostSharingResult.true_up_pence, CostSharingTotals.approved_at)
        .join(CostSharingTotals, CostSharingTotals.run_id == CostSharingResult.run_id)
        .order_by(CostSharingTotals.financial_year.desc(), CostSharingResult.run_id.desc()))
    return [StatementLine(*row) for row in rows]


# ---------------------------------------------------------------- invoices

INVOICE_DAYS = 30  # payment terms unless the host says otherwise


def _today():
    from ..formatting import london_date
    return london_date(tenants.utcnow())


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with its status today (raised, overdue or paid)."""

    invoice: object
    status: str

    def __getattr__(self, name):
        return getattr(self.invoice, name)


def _invoice_views(invoices):
    today = _today()
    return [InvoiceView(invoice, invoice.status_on(today)) for invoice in invoices]


def _invoices_of(run_id):
    from .models import CostSharingInvoice

    return db.session.scalars(select(CostSharingInvoice).where(
        CostSharingInvoice.run_id == run_id).order_by(CostSharingInvoice.reference)).all()


def list_invoices(actor, run_id):
    """The run's invoices with their status today (overdue ones flagged), for the host's
    administrators."""
    _host_side(actor)
    _run(run_id)
    return _invoice_views(_invoices_of(run_id))


def raise_invoices(actor, run_id, raised_on=None, payment_days=INVOICE_DAYS):
    """Raise an invoice to each member of an approved run (issue 14 §5): its contribution for a
    budget run; for an outturn run its true-up on the budget (negative: a credit), or its
    contribution when there was no approved budget. Nothing for a member owing nothing. The
    host's administrators only; a run not approved, or already invoiced, is a Conflict."""
    from datetime import timedelta

    from .models import CostSharingInvoice

    _host_side(actor)
    run = _run(run_id)
    if run.status != RunStatus.APPROVED:
        raise Conflict("only an approved run is invoiced")
    if _invoices_of(run.id):
        raise Conflict("this run's invoices are already raised")
    raised_on = raised_on or _today()
    if not isinstance(payment_days, int) or not 0 <= payment_days <= 365:
        raise ValidationFailed({"payment_days": "Give the days allowed for payment, 0 to 365"})
    made = []
    for result in run.results:
        if result.authority.is_host:
            continue
        amount = (result.true_up_pence if run.kind == RunKind.OUTTURN
                  and result.true_up_pence is not None else result.amount_pence)
        if not amount:
            continue
        made.append(CostSharingInvoice(
            run_id=run.id, authority_id=result.authority_id, amount_pence=amount,
            reference=f"CS-{engine.year_label(run.financial_year)}-{run.kind.value[0].upper()}"
                      f"{run.id}-{result.authority.ons_code}",
            raised_on=raised_on, due_on=raised_on + timedelta(days=payment_days),
            raised_by_id=actor.id))
    db.session.add_all(made)
    db.session.flush()
    audit.record("cost_sharing.invoices_raised", run, actor=actor,
                 after={"invoices": {i.reference: i.amount_pence for i in made},
                        "raised_on": raised_on.isoformat()})
    db.session.commit()
    return _invoice_views(made)


def get_invoice(actor, invoice_id):
    """One invoice with its status today, for the host's administrators."""
    from .models import CostSharingInvoice

    _host_side(actor)
    invoice = db.session.get(CostSharingInvoice, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    return InvoiceView(invoice, invoice.status_on(_today()))


def record_payment(actor, invoice_id, paid_on, payment_reference=None):
    """Record that an invoice was paid on ``paid_on`` with the payment's reference (issue 14
    §5). The host's administrators only; paying twice is a Conflict; a date before the invoice
    was raised, or in the future, is refused naming paid_on."""
    from .models import CostSharingInvoice

    _host_side(actor)
    invoice = db.session.get(CostSharingInvoice, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    if invoice.paid_on is not None:
        raise Conflict(f"invoice {invoice.reference} is already recorded as paid")
    if paid_on is None:
        raise ValidationFailed({"paid_on": "Enter the date the invoice was paid"})
    if paid_on < invoice.raised_on or paid_on > _today():
        raise ValidationFailed({"paid_on": "The date paid must be between the date raised and "
                                           "today"})
    invoice.paid_on = paid_on
    invoice.payment_reference = _text(payment_reference)
    invoice.paid_recorded_by_id = actor.id
    db.session.flush()
    audit.record("cost_sharing.invoice_paid", invoice, actor=actor, before={"paid_on": None},
                 after={"paid_on": paid_on.isoformat(),
                        "payment_reference": invoice.payment_reference})
    db.session.commit()
    return InvoiceView(invoice, invoice.status_on(_today()))


def my_invoices(actor):
    """A member authority's invoices with their status today, for its managers (scoping shows
    a member only its own)."""
    from .models import CostSharingInvoice

    if not (is_manager(actor) and not actor.organisation.is_host):
        raise PermissionDenied("only a member authority's managers read its invoices")
    return _invoice_views(db.session.scalars(select(CostSharingInvoice).order_by(
        CostSharingInvoice.raised_on.desc(), CostSharingInvoice.id.desc())).all())
