"""The contract register's core (issue 13 §1, §2): recording a block contract, changing it,
activating and terminating it, deciding its extension options, and what its pages show. Every
rule, state change, audit event and commit is here; the pages and the API only carry input.

Who may do what (``access``): an authority's placement officers and managers record and change
their own authority's contracts; only its managers decide extension options; a supplier
registered here as a provider reads the contracts it is party to and changes nothing.

Errors name the field as the API spells it (``title``, ``annual_value``,
``initial_term_months``, ``extension_options.0.months``, ``uplift_rule.percent``...), and the
pages use the same names for their fields.

``end_date`` (the current end) and ``next_decision_due`` are kept on the row by every change
here (:func:`_keep_dates`), so the register, the pipeline and the warnings read one column."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

import tenants

from .. import audit
from ..accounts.permissions import (is_buyer, is_manager, is_provider, require_buyer,
                                    require_manager)
from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import govuk_date, london_date
from ..money import display_pounds
from ..paging import paginate
from ..placements import fees
from . import access, forecasting, terms
from .models import (Contract, ContractDocument, ContractDocumentFile, ContractExtension,
                     ContractKpi, ContractReview, ContractService, ContractStatus, KpiReturn,
                     ExtensionDecisionKind, UpliftConvention)

MAX_TERM_MONTHS = 240
MAX_OPTION_MONTHS = 120
MAX_OPTIONS = 10
MAX_NOTICE_MONTHS = 24
MAX_ANNUAL_VALUE_PENCE = 10_000_000_000  # £100,000,000 a year: more is a typing mistake
MAX_TEXT = 5000
DEFAULT_WARNING_DAYS = 30
# Fields whose change would move decision dates already relied on (issue 13 §2).
TERM_FIELDS = ("start_date", "initial_term_months", "extension_options",
               "decision_notice_months")
FIELDS = ("title", "service", "description", "supplier_provider_id", "supplier_name",
          "annual_value_pence", "start_date", "initial_term_months", "extension_options",
          "uplift_rule", "uplift_convention", "decision_notice_months", "decision_reference",
          "retrospective", "retrospective_note")


def today():
    """Today in London, by the clock (time-machine moves it in tests)."""
    return london_date(tenants.utcnow())


def warning_days():
    """How many days ahead of a decision date the managers are warned (issue 13 §2):
    ``CONTRACT_DECISION_WARNING_DAYS``, default 30."""
    return int(current_app.config.get("CONTRACT_DECISION_WARNING_DAYS", DEFAULT_WARNING_DAYS))


# ---------------------------------------------------------------- loading

def _to_change(actor, contract_id):
    """``access.contract_to_change``: the contract's row locked (PostgreSQL; SQLite serialises
    writers anyway), so two changes to one contract take turns."""
    return access.contract_to_change(actor, contract_id)


def _to_decide(actor, contract_id):
    """``access.contract_to_decide``: the authority's managers, the row locked."""
    return access.contract_to_decide(actor, contract_id)


# ---------------------------------------------------------------- dates (issue 13 §1-2)

def option_due(contract, extension):
    """The date option ``extension`` must be decided by (issue 13 §2): ``decision_notice_months``
    before the day after the end it would extend, i.e. the initial term plus the options before
    it (those were taken, or it could not be decided). None for an option that has lapsed (an
    earlier one was declined)."""
    before = []
    for other in contract.extensions:
        if other.number >= extension.number:
            break
        if other.decision == ExtensionDecisionKind.DECLINED:
            return None
        before.append(other.months)
    end = terms.end_after(contract.start_date, contract.initial_term_months, before)
    return terms.decision_due(end, contract.decision_notice_months or 6)


def _keep_dates(contract):
    """Set the current end (the initial term and the options taken, or the termination date)
    and the next decision's date (none once terminated or nothing is left to decide)."""
    if contract.state == ContractStatus.TERMINATED:
        contract.end_date = contract.terminated_on
        contract.next_decision_due = None
        return
    contract.end_date = contract.committed_end
    following = contract.next_extension
    contract.next_decision_due = (terms.decision_due(contract.end_date,
                                                     contract.decision_notice_months or 6)
                                  if following is not None else None)


@dataclass
class DecisionWarning:
    """A decision warning by the clock: ``kind`` "due" (within the warning days) or "overdue"
    (the decision date has passed undecided while the contract runs)."""

    contract: object
    extension: object
    due: date
    kind: str

    @property
    def text(self):
        option = f"extension option {self.extension.number} ({self.extension.months} months)"
        if self.kind == "overdue":
            return (f"{self.contract.reference}: the decision on {option} was due by "
                    f"{govuk_date(self.due)} and has not been made")
        return f"{self.contract.reference}: decide {option} by {govuk_date(self.due)}"


def warning_for(contract, day, days=None):
    """The contract's decision warning on ``day``, from the clock (not from the job): its next
    undecided option's date is within ``days`` (default :func:`warning_days`), or has passed
    while the contract has not ended. None for drafts and terminated contracts."""
    if contract.state != ContractStatus.ACTIVE or contract.next_decision_due is None:
        return None
    if day > contract.end_date:
        return None
    extension = contract.next_extension
    if extension is None:
        return None
    due = contract.next_decision_due
    if day > due:
        return DecisionWarning(contract, extension, due, "overdue")
    if day >= due - timedelta(days=warning_days() if days is None else days):
        return DecisionWarning(contract, extension, due, "due")
    return None


# ---------------------------------------------------------------- reading

def _reader(actor):
    if not (is_buyer(actor) or is_provider(actor)):
        raise PermissionDenied("only an authority's officers and managers, and suppliers, have "
                               "contracts")


def page_of_contracts(actor, page, per_page):
    """The register (issue 13 §1): the authority's contracts, or those a provider is the
    supplier of (the tenant scope decides which), by current end then reference."""
    _reader(actor)
    statement = select(Contract).order_by(Contract.end_date, Contract.id)
    return paginate(statement, page, per_page)


def decision_warnings(actor, day=None):
    """Every decision warning in the register on ``day`` (issue 13 §2), soonest first, in two
    statements whatever the number of contracts: the active contracts whose next decision date
    is within the warning days or past, and their options."""
    _reader(actor)
    if not is_buyer(actor):
        return []
    day = day or today()
    found = db.session.scalars(select(Contract).where(
        Contract.state == ContractStatus.ACTIVE, Contract.next_decision_due.is_not(None),
        Contract.next_decision_due <= day + timedelta(days=warning_days()),
        Contract.end_date >= day,
    ).order_by(Contract.next_decision_due, Contract.id)).all()
    return [w for c in found if (w := warning_for(c, day)) is not None]


@dataclass
class Register:
    page: object  # paging.Page of contracts
    warnings: list  # DecisionWarning, for the whole register
    today: date
    may_record: bool
    committed: dict  # {contract id: committed total in pence} for the page's contracts


def register(actor, page, per_page):
    """The register's page (issue 13 §1-2): one page of contracts, the decision warnings of the
    whole register by the clock, and whether the actor may record contracts."""
    day = today()
    contracts = page_of_contracts(actor, page, per_page)
    return Register(contracts, decision_warnings(actor, day), day, is_buyer(actor),
                    forecasting.committed_totals(contracts.items))


def get_contract(actor, contract_id):
    """A contract: its authority's officers and managers, and its supplier's users."""
    return access.get_contract(actor, contract_id)


def contract_to_change(actor, contract_id):
    """A contract for its change pages: its authority's officers and managers (403 for the
    supplier, 404 for everyone else)."""
    return access.contract_to_change(actor, contract_id, for_update=False)


@dataclass
class OptionRow:
    extension: object
    due: date | None  # None: lapsed
    is_next: bool
    lapsed: bool


@dataclass
class ContractPage:
    contract: object
    status: ContractStatus
    options: list  # OptionRow
    warning: DecisionWarning | None
    rule: str
    may_change: bool
    may_decide: bool
    today: date


def options_of(contract):
    """Each extension option with its decision date, whether it is the next to decide, and
    whether it has lapsed (an earlier option was declined)."""
    following = contract.next_extension
    rows, lapsed = [], False
    for extension in contract.extensions:
        due = None if lapsed else option_due(contract, extension)
        rows.append(OptionRow(extension, due,
                              following is not None and extension.id == following.id,
                              lapsed and extension.decision is None))
        if extension.decision == ExtensionDecisionKind.DECLINED:
            lapsed = True
    return rows


def contract_page(actor, contract_id):
    """What the contract's page shows (issue 13 §1-2): every field, its status by the clock, its
    options with their decisions and dates, the decision warning by the clock, and what the
    actor may do (the authority's buyers change it; its managers decide the next option)."""
    contract = get_contract(actor, contract_id)
    day = today()
    ongoing = contract.state != ContractStatus.TERMINATED
    return ContractPage(
        contract, contract.status_on(day), options_of(contract), warning_for(contract, day),
        fees.describe_rule(fees.rule_of(contract)), is_buyer(actor) and ongoing,
        is_manager(actor) and contract.state == ContractStatus.ACTIVE
        and contract.next_extension is not None and day <= contract.end_date, day)


@dataclass
class DecisionPage:
    contract: object
    extension: object
    due: date
    late: bool
    end_if_taken: date


def extension_to_decide(actor, contract_id, number):
    """The option a manager is about to decide, with its decision date and whether deciding
    now is late; Conflict, saying why, when it cannot be decided now (see
    :func:`decide_extension`)."""
    contract = access.get_contract(actor, contract_id)
    require_manager(actor)
    extension = _decidable(contract, number, today())
    due = option_due(contract, extension)
    taken = [e.months for e in contract.taken_extensions] + [extension.months]
    return DecisionPage(contract, extension, due, today() > due,
                        terms.end_after(contract.start_date, contract.initial_term_months, taken))


def providers(actor):
    """The providers registered here, for choosing a supplier (the authority's buyers)."""
    from ..providers.models import Provider

    require_buyer(actor)
    return db.session.scalars(select(Provider).order_by(Provider.name)).all()


# ---------------------------------------------------------------- checking input

def _text(value, limit=MAX_TEXT):
    """Text as typed, trimmed (None when blank or not text)."""
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check(values, errors, *, contract=None, day):
    """Check the given fields (any subset of :data:`FIELDS`), writing each bad one's message
    into ``errors`` by its API name, and return them cleaned (the uplift rule as its columns).
    ``contract`` is the contract being changed (None when recording)."""
    from ..providers.models import Provider

    clean = {}
    if "title" in values:
        title = (values["title"] or "").strip() if isinstance(values["title"], str) else ""
        if not title:
            errors["title"] = "Enter the contract's title"
        elif len(title) > 200:
            errors["title"] = "The title must be 200 characters or fewer"
        clean["title"] = title
    if "service" in values:
        try:
            clean["service"] = ContractService(values["service"])
        except ValueError:
            errors["service"] = ("Choose the service the contract buys: " + ", ".join(
                s.value for s in ContractService))
    if "description" in values:
        clean["description"] = _text(values["description"])
    if "supplier_provider_id" in values or "supplier_name" in values:
        provider_id = values.get("supplier_provider_id")
        name = values.get("supplier_name")
        name = name.strip() if isinstance(name, str) else None
        if provider_id is not None and name:
            errors["supplier_name"] = ("Choose a provider registered here or name the supplier, "
                                       "not both")
        elif provider_id is not None:
            provider = (db.session.get(Provider, provider_id) if _whole(provider_id)
                        else None)
            if provider is None:
                errors["supplier_provider_id"] = ("There is no provider registered here with "
                                                  "that id: choose one, or name the supplier")
            clean.update(supplier_provider_id=provider_id, supplier_name=None)
        elif name:
            if len(name) > 200:
                errors["supplier_name"] = "The supplier's name must be 200 characters or fewer"
            clean.update(supplier_provider_id=None, supplier_name=name)
        elif contract is None or (
                ("supplier_provider_id" in values and contract.supplier_provider_id is not None)
                or ("supplier_name" in values and contract.supplier_name is not None)):
            # Recording without a supplier, or clearing the one the contract has.
            errors["supplier_name"] = ("Name the supplier (for example an NHS trust), or choose "
                                       "a provider registered here")
    if "annual_value_pence" in values:
        value = values["annual_value_pence"]
        if value is None:
            errors["annual_value"] = "Enter the annual value in pounds, for example 916502.00"
        elif not _whole(value):
            errors["annual_value"] = "Enter the annual value in pounds, for example 916502.00"
        elif value < 0:
            errors["annual_value"] = "The annual value cannot be negative"
        elif value > MAX_ANNUAL_VALUE_PENCE:
            errors["annual_value"] = (f"The annual value can be at most "
                                      f"{display_pounds(MAX_ANNUAL_VALUE_PENCE)}")
        clean["annual_value_pence"] = value
    if "start_date" in values:
        start = values["start_date"]
        if not isinstance(start, date):
            errors["start_date"] = "Enter the date the contract starts"
        elif not 2000 <= start.year <= 2100:
            errors["start_date"] = "Enter a start date between the years 2000 and 2100"
        clean["start_date"] = start
    if "initial_term_months" in values:
        months = values["initial_term_months"]
        if not _whole(months):
            errors["initial_term_months"] = ("Enter the initial term as a whole number of months, "
                                             "for example 48")
        elif months <= 0:
            errors["initial_term_months"] = "The initial term must be at least 1 month"
        elif months > MAX_TERM_MONTHS:
            errors["initial_term_months"] = (f"The initial term can be at most "
                                             f"{MAX_TERM_MONTHS} months")
        clean["initial_term_months"] = months
    if "extension_options" in values:
        options = values["extension_options"] or []
        if not isinstance(options, (list, tuple)):
            errors["extension_options"] = "Give the extension options as a list of months"
            options = []
        elif len(options) > MAX_OPTIONS:
            errors["extension_options"] = f"A contract can have at most {MAX_OPTIONS} options"
        months_list = []
        for i, option in enumerate(options):
            months = option.get("months") if isinstance(option, dict) else option
            if not _whole(months):
                errors[f"extension_options.{i}.months"] = (
                    f"Enter option {i + 1}'s length as a whole number of months, for example 12")
            elif months <= 0:
                errors[f"extension_options.{i}.months"] = (
                    f"Option {i + 1} must be at least 1 month")
            elif months > MAX_OPTION_MONTHS:
                errors[f"extension_options.{i}.months"] = (
                    f"Option {i + 1} can be at most {MAX_OPTION_MONTHS} months")
            months_list.append(months)
        clean["extension_options"] = months_list
    if "uplift_rule" in values:
        rule = dict(values["uplift_rule"] or {})
        if rule.get("kind") is None:
            rule["kind"] = "none"
        try:
            clean.update(fees.clean_rule(**rule))
        except ValidationFailed as error:
            errors.update({f"uplift_rule.{k}": v for k, v in error.errors.items()})
        except TypeError:
            errors["uplift_rule"] = "Give the uplift rule as kind, percent, index..."
    if "uplift_convention" in values:
        try:
            clean["uplift_convention"] = UpliftConvention(
                values["uplift_convention"] or UpliftConvention.FROM_FIRST_ANNIVERSARY)
        except ValueError:
            errors["uplift_convention"] = ("Choose from_first_anniversary (year one at the annual "
                                           "value) or from_year_one")
    if "decision_notice_months" in values:
        notice = values["decision_notice_months"]
        if notice is None:
            notice = 6
        if not _whole(notice) or not 1 <= notice <= MAX_NOTICE_MONTHS:
            errors["decision_notice_months"] = (f"Options are decided 1 to {MAX_NOTICE_MONTHS} "
                                                f"months before the current end")
        clean["decision_notice_months"] = notice
    if "decision_reference" in values:
        reference = _text(values["decision_reference"], 1000)
        if reference and len(reference) > 100:
            errors["decision_reference"] = "The decision reference must be 100 characters or fewer"
        clean["decision_reference"] = reference
    if "retrospective" in values:
        clean["retrospective"] = bool(values["retrospective"])
    if "retrospective_note" in values:
        clean["retrospective_note"] = _text(values["retrospective_note"])
    _check_retrospective(clean, errors, contract, day)
    return clean


def _check_retrospective(clean, errors, contract, day):
    """A contract recorded after its start is retrospective, with a note saying why (issue 13
    §1): one starting before the day it is recorded (today, or the day it was first recorded,
    for a change) must be marked so; a retrospective one needs its note. A contract recorded
    ahead of its start stays as it was once the start has passed."""
    def current(name):
        return clean[name] if name in clean else getattr(contract, name, None)

    start = current("start_date")
    retrospective = bool(current("retrospective"))
    note = current("retrospective_note")
    recorded_on = day if contract is None else london_date(contract.created_at)
    if (isinstance(start, date) and "start_date" not in errors and start < recorded_on
            and not retrospective):
        errors["retrospective"] = (f"The contract started on {govuk_date(start)}, before it "
                                   f"was recorded: mark it retrospective and say why in the "
                                   f"note")
    if retrospective and not note:
        errors["retrospective_note"] = ("Say why the contract is recorded after its start (for "
                                        "example, the previous contract ran out before this one "
                                        "was let)")


def _audit_values(contract):
    return {
        "reference": contract.reference, "title": contract.title,
        "service": contract.service.value, "supplier_provider_id": contract.supplier_provider_id,
        "supplier_name": contract.supplier_name,
        "annual_value_pence": contract.annual_value_pence,
        "start_date": contract.start_date.isoformat(),
        "initial_term_months": contract.initial_term_months,
        "extension_options": [e.months for e in contract.extensions],
        "uplift": {k: v for k, v in contract.uplift_values().items() if v is not None},
        "uplift_convention": contract.uplift_convention.value,
        "decision_notice_months": contract.decision_notice_months,
        "decision_reference": contract.decision_reference,
        "retrospective": contract.retrospective, "state": contract.state.value,
        "end_date": contract.end_date.isoformat() if contract.end_date else None,
        "next_decision_due": (contract.next_decision_due.isoformat()
                              if contract.next_decision_due else None)}


def _apply(contract, clean):
    options = clean.pop("extension_options", None)
    for name, value in clean.items():
        setattr(contract, name, value)
    if options is not None:
        existing = list(contract.extensions)
        for number, months in enumerate(options, start=1):
            if number <= len(existing):
                existing[number - 1].months = months
            else:
                contract.extensions.append(ContractExtension(
                    organisation_id=contract.organisation_id, number=number, months=months,
                    supplier_provider_id=contract.supplier_provider_id))
        surplus = existing[len(options):]
        for extension in surplus:
            db.session.delete(extension)
        if surplus:
            db.session.flush()
            db.session.expire(contract, ["extensions"])
    for extension in contract.extensions:
        extension.supplier_provider_id = contract.supplier_provider_id


# ---------------------------------------------------------------- recording (issue 13 §1)

def _next_reference(authority):
    """The authority's next contract reference, "CT-<ONS code>-0001" onwards (its own
    sequence: the count of its contracts, which the scope limits to its own)."""
    made = db.session.scalar(select(func.count(Contract.id)))
    return f"CT-{authority.ons_code}-{made + 1:04d}"


def record_contract(actor, status="draft", **values):
    """Record a block contract (issue 13 §1), by the authority's officers or managers: title,
    service, supplier (``supplier_provider_id`` of a provider registered here, or
    ``supplier_name``), annual value (pence, not negative), start date, initial term (1 to 240
    months), extension options (months each), the uplift rule (placements' rules,
    ``fees.clean_rule``) and its convention, the decision's notice (default 6 months), the
    decision reference, and the retrospective flag and note. ``status`` draft (the default) or
    active. ValidationFailed naming each bad field; nothing is saved. The reference is generated
    ("CT-E08000003-0001")."""
    require_buyer(actor)
    status = status or ContractStatus.DRAFT.value
    day = today()
    errors = {}
    given = {name: values.get(name) for name in FIELDS}
    clean = _check(given, errors, day=day)
    if status not in (ContractStatus.DRAFT.value, ContractStatus.ACTIVE.value):
        errors["status"] = "A new contract is draft or active"
    if errors:
        raise ValidationFailed(errors)
    authority = actor.organisation
    for attempt in range(5):
        contract = Contract(
            organisation_id=authority.id, reference=_next_reference(authority),
            state=ContractStatus(status), created_by_id=actor.id, end_date=clean["start_date"],
            **{k: v for k, v in clean.items() if k != "extension_options"})
        if contract.decision_notice_months is None:
            contract.decision_notice_months = 6
        if contract.uplift_convention is None:
            contract.uplift_convention = UpliftConvention.FROM_FIRST_ANNIVERSARY
        _apply(contract, {"extension_options": clean["extension_options"]})
        _keep_dates(contract)
        try:
            with db.session.begin_nested():
                db.session.add(contract)
                db.session.flush()
        except IntegrityError:  # another officer took the reference just now
            if attempt == 4:
                raise
            continue
        break
    audit.record("contract.recorded", contract, actor=actor, after=_audit_values(contract))
    db.session.commit()
    return contract


def update_contract(actor, contract_id, **values):
    """Change a contract (issue 13 §1), by its authority's officers or managers, with PATCH
    semantics: only the fields given change (any of :data:`FIELDS`). ``status`` "active"
    activates a draft (:func:`activate_contract`); "terminated", with ``terminated_on`` and
    ``termination_reason``, terminates it early (:func:`terminate_contract`). Refused with
    Conflict: any change to a terminated contract; the start, term, options or decision notice
    once an option has been decided (the decisions rest on them). ValidationFailed naming each
    bad field; nothing is saved. The current end and next decision date follow."""
    contract = _to_change(actor, contract_id)
    status = values.pop("status", None)
    terminated_on = values.pop("terminated_on", None)
    termination_reason = values.pop("termination_reason", None)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationFailed({name: "This field cannot be changed" for name in unknown})
    if contract.state == ContractStatus.TERMINATED:
        raise Conflict(f"contract {contract.reference} was terminated on "
                       f"{govuk_date(contract.terminated_on)}: it can no longer be changed")
    day = today()
    errors = {}
    clean = _check(values, errors, contract=contract, day=day)
    decided = [e for e in contract.extensions if e.decision is not None]
    current = {"start_date": contract.start_date,
               "initial_term_months": contract.initial_term_months,
               "extension_options": [e.months for e in contract.extensions],
               "decision_notice_months": contract.decision_notice_months}
    moving = [name for name in TERM_FIELDS if name in clean and clean[name] != current[name]]
    if decided and moving:
        raise Conflict(f"option {decided[0].number} has been decided, so the start date, term, "
                       f"extension options and decision notice can no longer change "
                       f"({', '.join(moving)})")
    if status is not None and status not in (ContractStatus.ACTIVE.value,
                                             ContractStatus.TERMINATED.value):
        errors["status"] = ("Set status to active to activate a draft, or to terminated (with "
                            "terminated_on and termination_reason) to terminate the contract")
    if status == ContractStatus.ACTIVE.value and contract.state == ContractStatus.ACTIVE:
        status = None  # already active: nothing to do
    if errors:
        raise ValidationFailed(errors)
    before = _audit_values(contract)
    old_supplier = contract.supplier_provider_id
    changed = bool(clean)
    _apply(contract, dict(clean))
    if contract.supplier_provider_id != old_supplier:
        _copy_supplier(contract)
    _keep_dates(contract)
    if changed:
        audit.record("contract.updated", contract, actor=actor, before=before,
                     after=_audit_values(contract))
    if status == ContractStatus.ACTIVE.value:
        _activate(actor, contract)
    elif status == ContractStatus.TERMINATED.value:
        _terminate(actor, contract, terminated_on, termination_reason)
    db.session.commit()
    if contract.supplier_provider_id != old_supplier:
        db.session.refresh(contract, ["supplier_provider"])
    return contract


def _copy_supplier(contract):
    """A new supplier reads everything recorded about the contract, the old one nothing: the
    contract's ``supplier_provider_id`` copied onto each dependent row (models.py)."""
    supplier = contract.supplier_provider_id
    for model in (ContractKpi, KpiReturn, ContractReview, ContractDocument):
        db.session.execute(update(model).where(model.contract_id == contract.id)
                           .values(supplier_provider_id=supplier)
                           .execution_options(synchronize_session=False))
    db.session.execute(update(ContractDocumentFile).where(ContractDocumentFile.id.in_(
        select(ContractDocument.file_id).where(ContractDocument.contract_id == contract.id)))
        .values(supplier_provider_id=supplier).execution_options(synchronize_session=False))


def activate_contract(actor, contract_id):
    """A draft contract becomes active (issue 13 §1: draft → active), by the authority's
    officers or managers; from then on its status follows the clock (active, in extension,
    expired). Conflict for a contract that is not a draft."""
    contract = _to_change(actor, contract_id)
    _activate(actor, contract)
    db.session.commit()
    return contract


def _activate(actor, contract):
    if contract.state != ContractStatus.DRAFT:
        raise Conflict(f"contract {contract.reference} is {contract.state.value}, not a draft: "
                       f"only a draft is activated")
    contract.state = ContractStatus.ACTIVE
    _keep_dates(contract)
    audit.record("contract.activated", contract, actor=actor,
                 before={"state": "draft"}, after={"state": "active"})


def terminate_contract(actor, contract_id, terminated_on=None, reason=None):
    """Terminate an active contract early (issue 13 §1), by the authority's officers or
    managers: the date (not before the start, not after the current end) and the reason are
    needed. Its state becomes terminated and its end the termination date; no option is left
    to decide. Conflict for a draft or a contract already terminated."""
    contract = _to_change(actor, contract_id)
    _terminate(actor, contract, terminated_on, reason)
    db.session.commit()
    return contract


def _terminate(actor, contract, terminated_on, reason):
    if contract.state == ContractStatus.TERMINATED:
        raise Conflict(f"contract {contract.reference} was already terminated on "
                       f"{govuk_date(contract.terminated_on)}")
    if contract.state == ContractStatus.DRAFT:
        raise Conflict(f"contract {contract.reference} is a draft: activate it before "
                       f"terminating it")
    errors = {}
    end = contract.committed_end
    if not isinstance(terminated_on, date):
        errors["terminated_on"] = "Enter the date the contract ends early"
    elif terminated_on < contract.start_date:
        errors["terminated_on"] = (f"The termination date cannot be before the start, "
                                   f"{govuk_date(contract.start_date)}")
    elif terminated_on > end:
        errors["terminated_on"] = (f"The termination date cannot be after the current end, "
                                   f"{govuk_date(end)}")
    reason = _text(reason) if isinstance(reason, str) else None
    if not reason:
        errors["termination_reason"] = "Enter why the contract is terminated early"
    if errors:
        raise ValidationFailed(errors)
    contract.state = ContractStatus.TERMINATED
    contract.terminated_on, contract.termination_reason = terminated_on, reason
    _keep_dates(contract)
    audit.record("contract.terminated", contract, actor=actor, before={"end_date": end.isoformat()},
                 after={"state": "terminated", "terminated_on": terminated_on.isoformat(),
                        "reason": reason})


# ---------------------------------------------------------------- extension decisions (§2)

def _decidable(contract, number, day):
    """Option ``number`` if it can be decided on ``day``, else Conflict saying why: the contract
    is a draft or terminated, or has ended; the option was decided already, has lapsed, or is
    not the next one. NotFound for an option the contract does not have."""
    from ..errors import NotFound

    extension = next((e for e in contract.extensions if e.number == number), None)
    if extension is None:
        raise NotFound(f"extension option {number}")
    if contract.state == ContractStatus.DRAFT:
        raise Conflict(f"contract {contract.reference} is a draft: its options are decided once "
                       f"it is active")
    if contract.state == ContractStatus.TERMINATED:
        raise Conflict(f"contract {contract.reference} was terminated on "
                       f"{govuk_date(contract.terminated_on)}: its options can no longer be "
                       f"decided")
    if extension.decision is not None:
        raise Conflict(f"option {number} was already {extension.decision.value} on "
                       f"{govuk_date(london_date(extension.decided_at))}")
    following = contract.next_extension
    if following is None:
        raise Conflict(f"an earlier option was declined, so option {number} has lapsed")
    if following.number != number:
        raise Conflict(f"option {following.number} is the next to decide: options are decided "
                       f"in order")
    if day > contract.end_date:
        raise Conflict(f"contract {contract.reference} ended on {govuk_date(contract.end_date)}: "
                       f"its options can no longer be taken")
    return extension


def decide_extension(actor, contract_id, number, decision=None, reason=None):
    """A manager takes or declines extension option ``number`` (issue 13 §2), with the reason:
    who, when and why are recorded. Refused with Conflict, saying why: out of order (not the next
    undecided option), after the contract has ended, for a draft or terminated contract, or a
    second time. Taken, the current end moves out by the option's months; declined, the later
    options lapse. Deciding after the decision date is allowed but recorded ``decided_late``.
    ValidationFailed naming ``decision`` or ``reason``; nothing is saved."""
    contract = _to_decide(actor, contract_id)
    day = today()
    extension = _decidable(contract, number, day)
    errors = {}
    try:
        kind = ExtensionDecisionKind(decision)
    except ValueError:
        errors["decision"] = "Choose taken or declined"
    reason = _text(reason) if isinstance(reason, str) else None
    if not reason:
        errors["reason"] = "Enter why the option is taken or declined"
    if errors:
        raise ValidationFailed(errors)
    due = option_due(contract, extension)
    before = {"end_date": contract.end_date.isoformat()}
    extension.decision, extension.reason = kind, reason
    extension.decided_by_id, extension.decided_at = actor.id, tenants.utcnow()
    extension.decided_late = day > due
    _keep_dates(contract)
    audit.record("contract.extension_decided", contract, actor=actor, before=before, after={
        "number": number, "months": extension.months, "decision": kind.value,
        "reason": reason, "decision_due": due.isoformat(), "late": extension.decided_late,
        "end_date": contract.end_date.isoformat()})
    db.session.commit()
    db.session.refresh(extension, ["decided_by"])  # the session keeps objects past a commit
    return contract

