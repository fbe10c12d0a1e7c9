"""The MoU's apportionment arithmetic: the host's net running cost shared among the participating
authorities to the penny (issue 14 §1 and §3; DESIGN §3 "MoU cost sharing", §5).

Pure functions over memberships, the MoU terms and a usage figure per authority: no database, no
Flask, nothing from the domain. The domain's cost-sharing run gathers the figures, calls
:func:`apportion` (and :func:`true_ups` for an outturn), and stores what it returns.

Money is integer pence; every percentage and every intermediate figure is an exact ``Fraction``
(ints, Fractions and Decimals are accepted, floats never). The rules, in the order they apply:

1. **Membership days** (issue 14 §1). A financial year runs 1 April–31 March (365 or 366 days).
   ``left_on`` is the *last day* of membership, counted in, as the authorities page records it
   (a leaving date "on or after the date joined"): joined 1 Oct 2026, never left → 182 of the 365
   days of 2026-27; joined and left the same day → 1 day.
2. **Participants**: every member by default (or the terms' list); the host only and always when
   the host pays a share. A participant with no membership days in the year pays nothing and
   counts for nothing (its usage figures are ignored).
3. **Fixed part**: ``fixed pot = net cost × fixed % / 100``, split equally pro rata to membership
   days: ``fixed_i = fixed pot × days_i / Σ days``. A full-year member's part is ``pot × D / Σ``
   and one joining on 1 October ``pot × 182 / Σ``: 182/365 of it, and the pot is always shared out
   in full.
4. **Usage part**: ``usage pot = net cost − fixed pot``, one pot per measure by its weight (a single
   measure is a weight of 100). Each measure is shared by its own total over the participants:
   ``share_i = counted_i / Σ counted``. Flow measures (placement days, placement spend, call-offs
   published) already count only the member's own part of the year, so ``counted = figure``; a
   stock (population, a whole-year figure) is pro-rated: ``counted = figure × days_i / D``. When a
   measure's total is zero, its pot is split like the fixed part (by days); so an authority with no
   usage of a measure still pays its fixed part, and its part of that measure's pot only when
   nobody used it.
5. **Caps** (per member, pence): a contribution above its cap is cut to the cap and the excess
   shared among the members not cut (and with membership days) in proportion to their pre-cap
   contributions — by days if those are all zero — repeated until no one is above its cap. Caps
   that cannot cover the net cost refuse the run.
6. **Damping** (a percentage; members with a last approved contribution): a member may pay at most
   ``floor(last × (100 + damping %) / 100)`` pence (rounded down so that the penny rounding
   cannot lift it over), the difference shared among the others in proportion to their
   contributions after caps, never above anyone's cap, repeated until stable. Where caps and
   damping together cannot cover the net cost, damping gives way: what cannot be placed is shared
   among the damped members (in proportion to their contributions before damping, up to their
   caps) and the workings say so. A last approved contribution of zero holds a member at zero;
   pass ``None`` for a member with no approved year.
7. **Rounding**: each exact contribution is rounded down to the penny and the pennies left over
   go to the largest remainders (ties by authority id), so the contributions add up to the net
   cost exactly and none moves by a penny or more. A member at its cap or damping limit (a whole
   number of pence) is never rounded up past it.
8. **The host's own net cost** is the net cost less what the other participants pay: zero when the
   host does not pay a share (cost neutral), its own contribution when it does.

Every step is recorded in the result's workings (each member's lines from
:meth:`Contribution.workings`; each movement of an excess as a :class:`Transfer`, from whom to
whom and how much).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping

PLACEMENT_DAYS = "placement_days"
PLACEMENT_SPEND = "placement_spend"
CALLOFFS = "calloffs"
POPULATION = "population"
FLOW = "flow"
STOCK = "stock"
# How each measure is pro-rated to membership days (module docstring, rule 4).
MEASURES = MappingProxyType({
    PLACEMENT_DAYS: FLOW, PLACEMENT_SPEND: FLOW, CALLOFFS: FLOW, POPULATION: STOCK,
})
MEASURE_LABELS = MappingProxyType({
    PLACEMENT_DAYS: "placement days", PLACEMENT_SPEND: "placement spend (pence)",
    CALLOFFS: "call-offs published", POPULATION: "population",
})

CAP = "cap"
DAMPING = "damping"
DAMPING_RELAXED = "damping relaxed"

HUNDRED = Fraction(100)
_EMPTY = MappingProxyType({})


class CostSharingError(ValueError):
    """Input the MoU arithmetic refuses; ``errors`` maps each field name to its message (the
    domain passes them on as its own validation errors, so nothing is saved)."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def _exact(value, name, errors, *, low=None, high=None, integer=False, what="a number"):
    """``value`` as a Fraction, or None with a message in ``errors`` (floats are refused: a
    binary fraction is never the percentage or figure someone typed)."""
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, Decimal)):
        errors.setdefault(name, f"Enter {what} as an exact number (an integer, Fraction or "
                                f"Decimal), not {type(value).__name__}")
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        errors.setdefault(name, f"Enter {what} as a finite number")
        return None
    exact = Fraction(value)
    if integer and exact.denominator != 1:
        errors.setdefault(name, f"Enter {what} in whole pence")
    elif (low is not None and exact < low) or (high is not None and exact > high):
        errors.setdefault(name, f"{what[0].upper()}{what[1:]} must be " + (
            f"{low} or more" if high is None else f"between {low} and {high}"))
    return exact


# --- membership days ---------------------------------------------------------------------------

def financial_year_dates(year):
    """The first and last day of financial year ``year``: (1 April year, 31 March year+1)."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def days_in_financial_year(year):
    """365, or 366 when the year holds a 29 February (2027-28 holds 29 Feb 2028)."""
    first, last = financial_year_dates(year)
    return (last - first).days + 1


def membership_days(year, joined_on, left_on=None):
    """Days of membership in financial year ``year`` (issue 14 §1): from ``joined_on`` to
    ``left_on`` inclusive (``left_on`` is the last day of membership; None: still a member),
    clipped to the year. Joined 1 Oct 2026 → 182 of 365 in 2026-27."""
    first, last = financial_year_dates(year)
    start = max(first, joined_on)
    end = last if left_on is None else min(last, left_on)
    return max(0, (end - start).days + 1)


# --- inputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Terms:
    """The MoU terms a run applies (issue 14 §1). Percentages are exact (0–100); ``usage_measure``
    is shorthand for ``usage_weights={usage_measure: 100}``; ``participants`` None means every
    member; ``caps`` maps authority id → pence; ``damping_percent`` None means no damping;
    ``tolerance_points`` is used by :func:`true_ups`. Validated on construction: a
    :class:`CostSharingError` names every bad field at once. Caps of authorities that do not
    participate have no effect. The mappings are stored read-only (so a Terms is not hashable)."""

    fixed_percent: object = 0
    usage_measure: str | None = None
    usage_weights: Mapping[str, object] | None = None
    host_pays_share: bool = False
    participants: frozenset | None = None
    caps: Mapping[int, int] = field(default_factory=lambda: _EMPTY)
    damping_percent: object = None
    tolerance_points: object = 0

    def __post_init__(self):
        errors = {}
        fixed = _exact(self.fixed_percent, "fixed_percent", errors, low=0, high=100,
                       what="the fixed percentage")
        weights = {}
        if self.usage_measure is not None and self.usage_weights is not None:
            errors["usage_measure"] = "Choose one usage measure or a blend of measures, not both"
        elif self.usage_measure is not None:
            if self.usage_measure not in MEASURES:
                errors["usage_measure"] = _unknown_measure(self.usage_measure)
            else:
                weights = {self.usage_measure: HUNDRED}
        elif self.usage_weights is not None:
            weights = self._blend(errors)
        if fixed is not None and fixed < 100 and not weights and not (
                {"usage_measure", "usage_weights"} & errors.keys()):
            errors["usage_measure"] = "Choose a usage measure for the part that is not fixed"
        damping = None
        if self.damping_percent is not None:
            damping = _exact(self.damping_percent, "damping_percent", errors, low=0,
                             what="the damping percentage")
        tolerance = _exact(self.tolerance_points, "tolerance_points", errors, low=0, high=100,
                           what="the tolerance in percentage points")
        caps = {}
        for authority_id, cap in sorted(dict(self.caps).items()):
            if isinstance(cap, bool) or not isinstance(cap, int):
                errors["caps"] = f"Enter authority {authority_id}'s cap in whole pence"
            elif cap < 0:
                errors["caps"] = f"Authority {authority_id}'s cap must be £0.00 or more"
            else:
                caps[authority_id] = cap
        participants = None
        if self.participants is not None:
            participants = frozenset(self.participants)
        if errors:
            raise CostSharingError(errors)
        object.__setattr__(self, "fixed_percent", fixed)
        object.__setattr__(self, "usage_weights", MappingProxyType(weights))
        object.__setattr__(self, "damping_percent", damping)
        object.__setattr__(self, "tolerance_points", tolerance)
        object.__setattr__(self, "caps", MappingProxyType(caps))
        object.__setattr__(self, "participants", participants)

    def _blend(self, errors):
        weights = {}
        for measure, weight in dict(self.usage_weights).items():
            if measure not in MEASURES:
                errors["usage_weights"] = _unknown_measure(measure)
                continue
            exact = _exact(weight, "usage_weights", errors, low=0, high=100,
                           what=f"the weight of {MEASURE_LABELS[measure]}")
            if exact:
                weights[measure] = exact
        if "usage_weights" not in errors and sum(weights.values()) != 100:
            errors["usage_weights"] = (f"The blend's weights must add up to 100 "
                                       f"(they add up to {_number(sum(weights.values()))})")
        return weights


def _unknown_measure(measure):
    return f"{measure!r} is not a usage measure: choose one of {', '.join(MEASURES)}"


@dataclass(frozen=True)
class Member:
    """A member authority in the year: its membership dates, its usage figure per measure for the
    year (non-negative; placement spend in pence), and its last approved year's contribution in
    pence (for damping; None when it has none). ``is_host`` marks the host authority."""

    authority_id: int
    joined_on: date
    left_on: date | None = None
    usage: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    last_approved: int | None = None
    is_host: bool = False

    def __post_init__(self):
        errors = {}
        if self.left_on is not None and self.left_on < self.joined_on:
            errors["left_on"] = (f"Authority {self.authority_id} left before it joined: the date "
                                 f"left must be on or after the date joined")
        usage = {}
        for measure, figure in sorted(dict(self.usage).items()):
            if measure not in MEASURES:
                errors["usage"] = _unknown_measure(measure)
                continue
            exact = _exact(figure, "usage", errors, low=0,
                           what=f"authority {self.authority_id}'s {MEASURE_LABELS[measure]}")
            if exact is not None:
                usage[measure] = exact
        if self.last_approved is not None:
            _exact(self.last_approved, "last_approved", errors, low=0, integer=True,
                   what=f"authority {self.authority_id}'s last approved contribution")
        if errors:
            raise CostSharingError(errors)
        object.__setattr__(self, "usage", MappingProxyType(usage))


# --- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transfer:
    """One movement of an excess: ``amount`` pence (exact) from ``from_id`` (None: what damping
    could not hold back, shared out again) to ``to_id``, in round ``round`` of ``stage``."""

    stage: str
    round: int
    from_id: int | None
    to_id: int
    amount: Fraction


@dataclass(frozen=True)
class UsageLine:
    """One measure's part of a member's contribution: the figure given, the figure counted (a
    stock pro-rated to membership days), the participants' total, the share and the pence."""

    measure: str
    weight: Fraction
    figure: Fraction
    counted: Fraction
    total: Fraction
    share: Fraction
    by_days: bool
    amount: Fraction


@dataclass(frozen=True)
class Contribution:
    """A participant's contribution and its workings (issue 14 §3)."""

    authority_id: int
    is_host: bool
    membership_days: int
    days_in_year: int
    total_days: int
    fixed_pot: Fraction
    fixed: Fraction
    usage_lines: tuple
    usage: Fraction
    usage_share: Fraction
    before_adjustments: Fraction
    cap: int | None
    capped: bool
    last_approved: int | None
    damping_limit: int | None
    damped: bool
    transfers: tuple
    exact: Fraction
    amount: int

    @property
    def adjustment(self):
        """What caps and damping moved onto (+) or off (−) this member, exact pence."""
        return self.exact - self.before_adjustments

    @property
    def rounding(self):
        """The penny rounding's move, exact pence (always more than −1 and less than 1)."""
        return self.amount - self.exact

    def workings(self, name_others=True):
        """The member's workings, line by line, as a person checks them. ``name_others`` False
        gives the member's own statement: each stage and round's transfers added up, without
        naming the other members they came from or went to (their figures are theirs)."""
        lines = [f"Membership days: {self.membership_days} of {self.days_in_year}"]
        lines.append(f"Fixed part: {_money(self.fixed_pot)} fixed pot × {self.membership_days} / "
                     f"{self.total_days} participants' membership days = {_money(self.fixed)}")
        for line in self.usage_lines:
            label = MEASURE_LABELS[line.measure]
            counted = "" if line.counted == line.figure else (
                f", counted {_number(line.counted)} for {self.membership_days} of "
                f"{self.days_in_year} days")
            if line.by_days:
                basis = (f"nobody's {label} counted, so shared by membership days: "
                         f"{self.membership_days} / {self.total_days}")
            else:
                basis = f"share {_number(line.counted)} / {_number(line.total)}"
            lines.append(f"Usage, {label} (weight {_number(line.weight)}%): figure "
                         f"{_number(line.figure)}{counted}; {basis} = {_percent(line.share)}; "
                         f"{_money(line.amount)}")
        lines.append(f"Before caps and damping: {_money(self.before_adjustments)}")
        if self.cap is not None:
            lines.append(f"Cap: {_money(self.cap)}" + (" — applied" if self.capped else
                                                      " — not reached"))
        if self.damping_limit is not None:
            lines.append(f"Damping: at most {_money(self.damping_limit)} (last approved "
                         f"{_money(self.last_approved)})"
                         + (" — applied" if self.damped else " — not reached"))
        if name_others:
            for t in self.transfers:
                source = ("what caps and damping together could not hold back"
                          if t.from_id is None else f"authority {t.from_id}")
                if t.to_id == self.authority_id:
                    lines.append(f"{t.stage.capitalize()} round {t.round}: received "
                                 f"{_money(t.amount)} from {source}")
                else:
                    lines.append(f"{t.stage.capitalize()} round {t.round}: passed "
                                 f"{_money(t.amount)} to authority {t.to_id}")
        else:
            moved = {}
            for t in self.transfers:
                key = (t.stage, t.round, t.to_id == self.authority_id)
                moved[key] = moved.get(key, 0) + t.amount
            for (stage, round_, received), amount in moved.items():
                lines.append(f"{stage.capitalize()} round {round_}: "
                             + (f"received {_money(amount)} from other members' excess"
                                if received else f"passed {_money(amount)} on to other members"))
        lines.append(f"Before rounding: {_money(self.exact)}")
        lines.append(f"After rounding: {_money(self.amount)} ({self.amount}p)")
        return tuple(lines)


@dataclass(frozen=True)
class Apportionment:
    """A run's result: the contributions (by authority id) adding up to ``net_cost`` exactly, the
    host's own net cost, and every transfer caps and damping made."""

    financial_year: int
    days_in_year: int
    net_cost: int
    terms: Terms
    fixed_pot: Fraction
    usage_pot: Fraction
    contributions: tuple
    transfers: tuple
    host_id: int | None
    host_net_cost: int
    damping_relaxed: Fraction

    def contribution(self, authority_id):
        """The participant's :class:`Contribution`; KeyError if it is not one."""
        for contribution in self.contributions:
            if contribution.authority_id == authority_id:
                return contribution
        raise KeyError(authority_id)

    @property
    def amounts(self):
        """Authority id → pence."""
        return {c.authority_id: c.amount for c in self.contributions}


# --- the arithmetic ----------------------------------------------------------------------------

def net_cost(costs, income=()):
    """Net cost = Σ costs − Σ income, in pence (issue 14 §2); every line must be whole pence and
    not negative. The result may be negative (income above costs): :func:`apportion` refuses to
    share a surplus."""
    errors = {}
    total = 0
    for name, lines, sign in (("costs", costs, 1), ("income", income, -1)):
        for amount in lines:
            exact = _exact(amount, name, errors, low=0, integer=True, what=f"each {name} line")
            if exact is not None and name not in errors:
                total += sign * int(exact)
    if errors:
        raise CostSharingError(errors)
    return total


def apportion(financial_year, net_cost, members, terms):
    """Share ``net_cost`` pence for ``financial_year`` among the participating ``members`` under
    ``terms`` (issue 14 §1, §3; the rules in this module's docstring, in order). Returns an
    :class:`Apportionment`; raises :class:`CostSharingError` naming the field when the input
    cannot be shared (no participants, missing usage figures, caps that cannot cover the cost, a
    negative net cost). The result does not depend on the order of ``members``."""
    errors = {}
    total = _exact(net_cost, "net_cost", errors, low=0, integer=True, what="the net cost")
    members = sorted(members, key=lambda m: m.authority_id)
    by_id = {m.authority_id: m for m in members}
    if len(by_id) != len(members):
        errors["members"] = "Each authority may appear only once"
    hosts = [m.authority_id for m in members if m.is_host]
    if len(hosts) > 1:
        errors["members"] = "Only one authority can be the host"
    if errors:
        raise CostSharingError(errors)
    total = int(total)
    host_id = hosts[0] if hosts else None
    chosen = terms.participants
    if chosen is None:
        chosen = frozenset(by_id)
    unknown = sorted(chosen - by_id.keys())
    if unknown:
        raise CostSharingError({"participants": "Not a member: authority " + ", ".join(
            map(str, unknown))})
    ids = [i for i in by_id if (by_id[i].is_host and terms.host_pays_share)
           or (i in chosen and not by_id[i].is_host)]
    year_days = days_in_financial_year(financial_year)
    days = {i: membership_days(financial_year, by_id[i].joined_on, by_id[i].left_on)
            for i in ids}
    total_days = sum(days.values())
    if total_days == 0:
        raise CostSharingError({"participants": (
            "No participating authority is a member during the year: there is no one to share "
            "the cost with")})
    active = [i for i in ids if days[i]]
    weights = terms.usage_weights
    for measure in weights:
        missing = [i for i in active if measure not in by_id[i].usage]
        if missing:
            errors[f"usage.{measure}"] = (f"Enter the {MEASURE_LABELS[measure]} of authority "
                                          + ", ".join(map(str, missing)))
    caps = {i: terms.caps[i] for i in ids if i in terms.caps}
    if all(i in caps for i in active) and sum(caps[i] for i in active) < total:
        errors["caps"] = (f"The caps add up to {_money(sum(caps[i] for i in active))}, less than "
                          f"the net cost of {_money(total)}: they cannot cover it, so the run is "
                          f"refused")
    if errors:
        raise CostSharingError(errors)

    fixed_pot = total * terms.fixed_percent / HUNDRED
    usage_pot = total - fixed_pot
    fixed = {i: fixed_pot * days[i] / total_days for i in ids}
    lines = {i: [] for i in ids}
    for measure, weight in weights.items():
        pot = usage_pot * weight / HUNDRED
        counted = {i: _counted(measure, by_id[i].usage.get(measure, Fraction(0)), days[i],
                               year_days) for i in ids}
        measure_total = sum(counted.values())
        for i in ids:
            share = (counted[i] / measure_total if measure_total
                     else Fraction(days[i], total_days))
            lines[i].append(UsageLine(measure, weight, by_id[i].usage.get(measure, Fraction(0)),
                                      counted[i], measure_total, share, not measure_total,
                                      pot * share))
    before = {i: fixed[i] + sum(line.amount for line in lines[i]) for i in ids}
    day_weights = {i: Fraction(days[i]) for i in ids}

    after_caps, cap_transfers, capped, left = _hold_back(
        before, caps, before, day_weights, CAP)
    assert not left, "caps checked above cover the net cost"
    limits = {}
    if terms.damping_percent is not None:
        limits = {i: int(by_id[i].last_approved * (HUNDRED + terms.damping_percent) / HUNDRED)
                  for i in ids if by_id[i].last_approved is not None}
    ceilings = {i: min(c for c in (caps.get(i), limits.get(i)) if c is not None)
                for i in caps.keys() | limits.keys()}
    # A member cut in the damping stage is held by its damping limit, or by its cap when what
    # it was given there took it over the cap.
    held_by = {i: DAMPING if i in limits and (i not in caps or limits[i] < caps[i]) else CAP
               for i in ceilings}
    exact, damp_transfers, held, left = _hold_back(
        after_caps, ceilings, after_caps, day_weights, DAMPING, labels=held_by)
    relaxed = left
    relax_transfers = ()
    if left:
        # Caps and damping together cannot cover the net cost: damping gives way (rule 6).
        exact, relax_transfers, _, left = _hold_back(
            exact, caps, after_caps, day_weights, DAMPING_RELAXED, pool=left)
        assert not left, "caps cover the net cost"
    damped = {i for i in held if held_by[i] == DAMPING}
    capped |= held - damped
    amounts = largest_remainder(exact, total)
    transfers = tuple(cap_transfers) + tuple(damp_transfers) + tuple(relax_transfers)
    contributions = tuple(Contribution(
        authority_id=i, is_host=by_id[i].is_host, membership_days=days[i],
        days_in_year=year_days, total_days=total_days, fixed_pot=fixed_pot, fixed=fixed[i],
        usage_lines=tuple(lines[i]), usage=sum((line.amount for line in lines[i]), Fraction(0)),
        usage_share=sum((line.weight * line.share for line in lines[i]), Fraction(0)) / HUNDRED,
        before_adjustments=before[i], cap=caps.get(i), capped=i in capped,
        last_approved=by_id[i].last_approved, damping_limit=limits.get(i),
        damped=i in damped,
        transfers=tuple(t for t in transfers if i in (t.from_id, t.to_id)),
        exact=exact[i], amount=amounts[i],
    ) for i in ids)
    paid_by_others = sum(c.amount for c in contributions if not c.is_host)
    return Apportionment(
        financial_year=financial_year, days_in_year=year_days, net_cost=total, terms=terms,
        fixed_pot=fixed_pot, usage_pot=usage_pot, contributions=contributions,
        transfers=transfers, host_id=host_id, host_net_cost=total - paid_by_others,
        damping_relaxed=relaxed)


def _counted(measure, figure, days, year_days):
    """The figure a measure counts for a member (rule 4): none without membership days, a flow
    as given, a stock pro rata to days."""
    if not days:
        return Fraction(0)
    if MEASURES[measure] == STOCK:
        return figure * days / year_days
    return figure


def _hold_back(amounts, ceilings, weights, fallback, stage, pool=Fraction(0), labels=None):
    """Cut every amount above its ceiling to the ceiling and share the excess (and ``pool``) among
    the members not cut, below their ceilings and with a positive ``fallback`` weight (membership
    days), in proportion to ``weights`` — to ``fallback`` when those are all zero — repeating
    until no one is above its ceiling (issue 14 §1, caps and damping). Each member is cut at most
    once, so this stops within one round per member. Returns the new amounts, the transfers, the
    members cut and what could not be placed (no one left to take it). A transfer is labelled
    ``stage``, or by ``labels`` for the member it comes from."""
    labels = labels or {}
    amounts = dict(amounts)
    order = sorted(amounts)
    cut, transfers = set(), []
    pending = [(None, pool)] if pool else []
    round_no = 0
    while True:
        for i in order:
            ceiling = ceilings.get(i)
            if ceiling is not None and amounts[i] > ceiling:
                pending.append((i, amounts[i] - ceiling))
                amounts[i] = Fraction(ceiling)
                cut.add(i)
        if not pending:
            return amounts, transfers, cut, Fraction(0)
        round_no += 1
        takers = [i for i in order if i not in cut and fallback[i] > 0
                  and (ceilings.get(i) is None or amounts[i] < ceilings[i])]
        if not takers:
            return amounts, transfers, cut, sum(excess for _, excess in pending)
        basis = weights if sum(weights[i] for i in takers) else fallback
        whole = sum(basis[i] for i in takers)
        for source, excess in pending:
            for i in takers:
                if basis[i]:
                    moved = excess * basis[i] / whole
                    amounts[i] += moved
                    transfers.append(Transfer(labels.get(source, stage), round_no, source, i,
                                              moved))
        pending = []


def largest_remainder(exact, total):
    """Exact amounts (Fractions adding up to the whole number ``total``) to whole pence adding up
    to ``total`` (issue 14 §3): each rounded down, the pennies left over to the largest
    remainders, ties to the lower authority id. No amount moves by a penny or more."""
    floors = {i: value.numerator // value.denominator for i, value in exact.items()}
    left = total - sum(floors.values())
    if sum(exact.values()) != total or not 0 <= left <= len(exact):
        raise ValueError("the exact amounts must add up to the total")
    for i in sorted(exact, key=lambda i: (-(exact[i] - floors[i]), i))[:left]:
        floors[i] += 1
    return floors


# --- outturn true-ups --------------------------------------------------------------------------

@dataclass(frozen=True)
class TrueUp:
    """A member's true-up from a budget run to an outturn run (issue 14 §3): its usage share in
    each (as fractions), how far it moved in percentage points, whether the true-up was skipped,
    what it took on of the skipped members' true-ups (exact pence), and what it pays in the end
    (``amount``; ``true_up`` = ``amount`` − ``budget``)."""

    authority_id: int
    budget: int
    outturn: int
    budget_share: Fraction
    outturn_share: Fraction
    moved_points: Fraction
    skipped: bool
    redistributed: Fraction
    exact: Fraction
    amount: int

    @property
    def true_up(self):
        return self.amount - self.budget


@dataclass(frozen=True)
class TrueUpStatement:
    """The outturn statement's true-ups: one :class:`TrueUp` per authority in either run, the
    skipped members' true-ups in total, what fell to the host, and the host's net cost."""

    tolerance_points: Fraction
    budget_net_cost: int
    outturn_net_cost: int
    lines: tuple
    skipped_total: int
    host_carries: int
    host_net_cost: int

    def line(self, authority_id):
        for line in self.lines:
            if line.authority_id == authority_id:
                return line
        raise KeyError(authority_id)


def true_ups(budget, outturn, tolerance_points=None):
    """Each member's true-up = outturn − budget (issue 14 §3), with the tolerance rule.

    A member in both runs whose usage share moved by *less than* ``tolerance_points`` percentage
    points (default: the outturn terms' tolerance; a tolerance of 0 skips nothing) has its true-up
    skipped: it keeps its budget figure. So that the totals still reconcile, the skipped members'
    true-ups (Σ outturn − budget over them) are re-apportioned among the members not skipped in
    proportion to their outturn contributions (by membership days if those are all zero), never
    above an outturn cap, never below zero, rounded by the largest remainder. Whatever cannot be
    placed that way (everyone skipped, or caps full, or a refund larger than the others pay) falls
    to the host, whose net cost shows it. A member's usage share is its weighted share of the
    usage pots (zero in a run with no usage part, so there a positive tolerance skips everyone
    in both runs and the host carries any change in the net cost)."""
    errors = {}
    if budget.financial_year != outturn.financial_year:
        errors["financial_year"] = (f"The budget run is for {budget.financial_year} and the "
                                    f"outturn run for {outturn.financial_year}")
    if tolerance_points is None:
        tolerance = outturn.terms.tolerance_points
    else:
        tolerance = _exact(tolerance_points, "tolerance_points", errors, low=0, high=100,
                           what="the tolerance in percentage points")
    if errors:
        raise CostSharingError(errors)
    before = {c.authority_id: c for c in budget.contributions}
    after = {c.authority_id: c for c in outturn.contributions}
    ids = sorted(before.keys() | after.keys())
    zero = Fraction(0)
    b = {i: before[i].amount if i in before else 0 for i in ids}
    o = {i: after[i].amount if i in after else 0 for i in ids}
    sb = {i: before[i].usage_share if i in before else zero for i in ids}
    so = {i: after[i].usage_share if i in after else zero for i in ids}
    moved = {i: abs(so[i] - sb[i]) * HUNDRED for i in ids}
    skipped = {i for i in ids if i in before and i in after and moved[i] < tolerance}
    others = [i for i in ids if i not in skipped]
    skipped_total = sum(o[i] - b[i] for i in skipped)

    exact = {i: Fraction(o[i]) for i in others}
    carried = Fraction(0)
    if skipped_total > 0:
        caps = {i: after[i].cap for i in others if i in after and after[i].cap is not None}
        days = {i: Fraction(after[i].membership_days if i in after else 0) for i in others}
        exact, _, _, carried = _hold_back(exact, caps, exact, days, "true-up",
                                          pool=Fraction(skipped_total))
        assert carried.denominator == 1, "what cannot be placed is whole pence"

    elif skipped_total < 0:
        paid = sum(exact.values())
        if paid + skipped_total >= 0 and paid:
            exact = {i: v * (paid + skipped_total) / paid for i, v in exact.items()}
        else:
            exact = {i: zero for i in others}
            carried = paid + skipped_total
    placed = largest_remainder(exact, sum(o[i] for i in others) + skipped_total - int(carried))
    amounts = {i: b[i] for i in skipped} | placed
    lines = tuple(TrueUp(
        authority_id=i, budget=b[i], outturn=o[i], budget_share=sb[i], outturn_share=so[i],
        moved_points=moved[i], skipped=i in skipped,
        redistributed=zero if i in skipped else exact[i] - o[i],
        exact=Fraction(b[i]) if i in skipped else exact[i], amount=amounts[i]) for i in ids)
    host = outturn.host_id if outturn.host_id is not None else budget.host_id
    return TrueUpStatement(
        tolerance_points=tolerance, budget_net_cost=budget.net_cost,
        outturn_net_cost=outturn.net_cost, lines=lines, skipped_total=skipped_total,
        host_carries=int(carried),
        host_net_cost=outturn.net_cost - sum(amounts[i] for i in ids if i != host))


# --- how the workings print --------------------------------------------------------------------

def _number(value):
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"{value.numerator}/{value.denominator}"


def _percent(share):
    """A share as a percentage: exact when it is a whole number, else to 4 places and exactly."""
    percent = Fraction(share) * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{_decimal(percent, 4)}% (exactly {_number(percent)}%)"


def _money(pence):
    """Exact pence as pounds: "£1,234.56", or to the nearest penny with the exact figure beside it
    when it is not whole pence."""
    pence = Fraction(pence)
    if pence.denominator == 1:
        pence = int(pence)
        sign = "-" if pence < 0 else ""
        pounds, pennies = divmod(abs(pence), 100)
        return f"{sign}£{pounds:,}.{pennies:02d}"
    return f"£{_decimal(pence / 100, 2)}… (exactly {_number(pence)}p)"


def _decimal(value, places):
    scaled = abs(value) * 10 ** places
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    units, fraction = divmod(whole, 10 ** places)
    return f"{'-' if value < 0 else ''}{units:,}.{fraction:0{places}d}"
