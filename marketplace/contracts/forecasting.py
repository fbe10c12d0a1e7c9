"""A block contract's value forecast (issue 13 §3), its spreadsheet (§6), the register's
committed totals, and the block contracts' line in the authority's forecast (§4).

Who may do what: a contract's forecast is read by whoever reads the contract
(``access.get_contract``: its authority's placement officers and managers, and its supplier's
users when the supplier is a provider registered here); anyone else is told it does not exist.

Every figure is ``contracts.value``'s (the convention is in that module's docstring): the
annual value as a rate stepping on each uplift of the contract's rule (``placements.fees``'
``rule_of``, the placements' rules), accrued by day within each contract year and rounded only
as running totals, so the contract years and the financial years each add up to the totals.
Index values are the host's series (``fees.index_values``); where an index value is not yet
published the rate is the authority's assumed one (its forecast setting, as the placements'
forecast uses; 2.00% unless its managers set another) and the figures from then on are marked
estimated. The setting is the authority's own: its supplier, which may not read it, sees such
figures at the default rate, marked estimated likewise.
"""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..placements import engine, fees
from ..placements.forecasts import (BLOCK_CONTRACTS, DEFAULT_ASSUMED_INDEX_BP, OtherSpend,
                                    SpendLine, percent_text)
from ..placements.models import ForecastSetting
from . import access, value
from .models import (Contract, ContractExtension, ContractStatus, ExtensionDecisionKind,
                     UpliftConvention)


# ---------------------------------------------------------------- inputs

def rule_of(holder):
    """The contract's uplift rule for the engine (``fees.rule_of``); a stored rule the engine
    finds wrong projects nothing rather than failing the forecast (as the placements' forecast
    does)."""
    rule = fees.rule_of(holder)
    return rule if not engine.validate_rule(rule) else engine.UpliftRule(engine.NONE)


def assumed_rate_bp():
    """The reader's authority's assumed index rate (its forecast setting; one statement,
    scoped), the default where none is set or the reader is a supplier."""
    found = db.session.scalar(select(ForecastSetting.assumed_index_bp))
    return DEFAULT_ASSUMED_INDEX_BP if found is None else found


def _convention(holder):
    return getattr(holder.uplift_convention, "value", holder.uplift_convention) or (
        value.FROM_FIRST_ANNIVERSARY)


def _terminated_on(holder):
    state = getattr(holder.state, "value", holder.state)
    return holder.terminated_on if state == ContractStatus.TERMINATED.value else None


def _options(extensions):
    """(months, taken) for each option in order."""
    return [(e.months, getattr(e.decision, "value", e.decision) == ExtensionDecisionKind.TAKEN)
            for e in sorted(extensions, key=lambda e: e.number)]


def _inputs(holder, extensions, index_by_code, assumed_bp):
    rule = rule_of(holder)
    return dict(start=holder.start_date, annual_value_pence=holder.annual_value_pence,
                rule=rule, convention=_convention(holder),
                initial_months=holder.initial_term_months, extensions=_options(extensions),
                terminated_on=_terminated_on(holder),
                index_values=index_by_code.get(rule.index_code, {}), assumed_bp=assumed_bp)


# ---------------------------------------------------------------- one contract's forecast

@dataclass(frozen=True)
class ContractForecast:
    """What the forecast page, its spreadsheet and the API show (issue 13 §3)."""
    contract: Contract
    result: value.ValueForecast
    uplift_rule: str
    uplift_convention: str
    convention_text: str
    assumed_index_bp: int

    @property
    def years(self):
        return self.result.years

    @property
    def financial_years(self):
        return self.result.financial_years

    @property
    def committed_pence(self):
        return self.result.committed_pence

    @property
    def initial_term_pence(self):
        return self.result.initial_term_pence

    @property
    def with_all_extensions_pence(self):
        return self.result.with_all_extensions_pence

    @property
    def estimated(self):
        return self.result.estimated

    @property
    def terminated(self):
        return _terminated_on(self.contract) is not None

    @property
    def convention_label(self):
        return UpliftConvention(self.uplift_convention).label


def contract_forecast(actor, contract_id):
    """The contract's forecast for its readers (issue 13 §3): contract years over the maximum
    term (each with its term, initial or extension n, and whether committed: the initial term
    or an extension taken), by financial year (the value with all extensions, the initial
    term's and the committed value), the three totals, the uplift rule and the convention in
    words. A terminated contract stops at its termination. NotFound for anyone who may not read
    the contract."""
    contract = access.get_contract(actor, contract_id)
    assumed_bp = assumed_rate_bp()
    inputs = _inputs(contract, contract.extensions, fees.index_values(), assumed_bp)
    result = value.forecast(**inputs)
    convention = inputs["convention"]
    return ContractForecast(contract, result, fees.describe_rule(inputs["rule"]), convention,
                            value.describe_convention(convention), assumed_bp)


# ---------------------------------------------------------------- many contracts at once

def committed_totals(contracts):
    """{contract id: committed total in pence} for contracts already loaded with their
    extensions (the register's "total value" column, issue 13 §3): two statements however many
    (the index values and the reader's assumed rate), none when the list is empty."""
    contracts = list(contracts)
    if not contracts:
        return {}
    index_by_code = fees.index_values()
    assumed_bp = assumed_rate_bp()
    return {contract.id: value.committed_value(
        **_inputs(contract, contract.extensions, index_by_code, assumed_bp))[0]
        for contract in contracts}


# ---------------------------------------------------------------- the authority's forecast

_COLUMNS = ("id", "reference", "title", "supplier_name", "annual_value_pence", "start_date",
            "initial_term_months", "uplift_convention", "state", "terminated_on",
            *Contract.UPLIFT_COLUMNS)


def block_contract_spend(first_day, last_day, actual_to, assumed_bp, index_values):
    """The block contracts' line in the authority's forecast for [first_day, last_day] (issue
    13 §4; registered with ``placements.forecasts.register_spend_source`` by the app factory):
    each contract recorded (not a draft) whose committed term meets the year, with its committed
    value in the year and to ``actual_to`` (None: nothing yet), at the forecast's assumed rate
    and with the index values it loaded. Scoping decides whose contracts are counted. One
    statement however many contracts: the contracts with the supplier's registered name and
    their extension options (a row per option)."""
    from ..providers import Provider

    rows = db.session.execute(
        select(*(getattr(Contract, name) for name in _COLUMNS),
               Provider.name.label("registered_name"),
               ContractExtension.number, ContractExtension.months, ContractExtension.decision)
        .outerjoin(Provider, Provider.id == Contract.supplier_provider_id)
        .outerjoin(ContractExtension, ContractExtension.contract_id == Contract.id)
        .where(Contract.state != ContractStatus.DRAFT, Contract.start_date <= last_day,
               Contract.end_date >= first_day)).all()
    contracts, options = {}, {}
    for row in rows:
        contracts.setdefault(row.id, row)
        if row.number is not None:
            options.setdefault(row.id, []).append(row)
    lines = []
    for row in sorted(contracts.values(), key=lambda row: (row.reference, row.id)):
        inputs = _inputs(row, options.get(row.id, ()), index_values, assumed_bp)
        terms = value.committed_terms(inputs["start"], inputs["initial_months"],
                                      inputs["extensions"], inputs["terminated_on"])
        if not terms:
            continue
        contract_value = value.ContractValue(
            inputs["start"], inputs["annual_value_pence"], inputs["rule"],
            inputs["convention"], last_day=terms[-1].last,
            index_values=inputs["index_values"], assumed_bp=assumed_bp)
        pence, estimated = value.value_within(contract_value, terms, first_day, last_day)
        to_date = (value.value_within(contract_value, terms, first_day, actual_to)[0]
                   if actual_to is not None else 0)
        lines.append(SpendLine(row.id, row.reference, row.title,
                               row.registered_name or row.supplier_name or "Unnamed supplier",
                               pence, to_date, estimated))
    return OtherSpend(BLOCK_CONTRACTS, "Block contracts", tuple(lines))


# ---------------------------------------------------------------- the spreadsheet (§6)

def _safe(value_):
    """Text a person typed (a title, a supplier's name) that a spreadsheet must never take for
    a formula (as the placements' forecast downloads)."""
    if isinstance(value_, str) and value_[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value_
    return value_


def table_rows(forecast):
    """The spreadsheet's rows: (cells, money column indexes). Money is pence here."""
    contract = forecast.contract
    yield [f"Value forecast: {contract.reference} {contract.title}"], ()
    yield ["Supplier", contract.supplier_label], ()
    yield ["Uplift rule", forecast.uplift_rule], ()
    yield ["Convention", forecast.convention_label], ()
    yield ["How it is worked out", forecast.convention_text], ()
    yield ["Committed value", forecast.committed_pence], (1,)
    yield ["Initial term value", forecast.initial_term_pence], (1,)
    yield ["Value with all extensions", forecast.with_all_extensions_pence], (1,)
    yield ["Estimated", "yes" if forecast.estimated else "no"], ()
    yield ["Assumed index rate (%)", percent_text(forecast.assumed_index_bp)], ()
    yield [], ()
    yield ["By contract year"], ()
    yield list(YEAR_COLUMNS), ()
    for row in forecast.years:
        yield [row.contract_year, row.first, row.last, row.period.label,
               "yes" if row.committed else "no", row.value_pence,
               "yes" if row.estimated else "no"], (5,)
    yield ["Total", "", "", "", "", forecast.with_all_extensions_pence, ""], (5,)
    yield [], ()
    yield ["By financial year"], ()
    yield list(FINANCIAL_YEAR_COLUMNS), ()
    for row in forecast.financial_years:
        yield [row.label, row.first, row.last, row.value_pence, row.initial_term_pence,
               row.committed_pence, "yes" if row.estimated else "no"], (3, 4, 5)
    yield ["Total", "", "", forecast.with_all_extensions_pence, forecast.initial_term_pence,
           forecast.committed_pence, ""], (3, 4, 5)


YEAR_COLUMNS = ("Contract year", "From", "To", "Term", "Committed", "Value (£)", "Estimated")
FINANCIAL_YEAR_COLUMNS = ("Financial year", "From", "To", "Value with all extensions (£)",
                          "Initial term (£)", "Committed (£)", "Estimated")


def xlsx_bytes(forecast):
    """The forecast as an XLSX workbook (issue 13 §6): money as numbers of pounds with two
    places, dates as dates, and text others typed never a formula (as
    ``placements.forecasts.xlsx_bytes``)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Forecast")
    for cells, money in table_rows(forecast):
        row = []
        for i, item in enumerate(cells):
            is_money = i in money and isinstance(item, int)
            cell = WriteOnlyCell(sheet, value=Decimal(item) / 100 if is_money else _safe(item))
            if is_money:
                cell.number_format = "#,##0.00"
            elif hasattr(item, "isoformat"):
                cell.number_format = "d mmmm yyyy"
            elif cell.data_type == "f":  # text that others typed is never a formula
                cell.data_type = "s"
            row.append(cell)
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()

