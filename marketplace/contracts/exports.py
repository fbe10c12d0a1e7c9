"""The contract register as CSV and XLSX (issue 13 §6), in the shape councils publish under the
Local Government Transparency Code 2015 (Part 2, "Contracts"): every contract with a value over
£5,000, with its reference, title, the department responsible (here the service the contract
buys), a description, the supplier's name and registered company (or charity) number where
known, the start, end and review dates, the extension options and which were taken, and the
value.

One row per contract the authority has let (drafts are not yet contracts and are left out);
its annual value, and its committed total value (the initial term and the extensions taken,
uplifts included: ``forecasting.committed_totals``, the value engine's figure), which is also
what the £5,000 test is applied to.

Who: the authority's officers and managers (PermissionDenied otherwise); scoping decides whose
contracts are counted. A fixed handful of statements however many contracts: the contracts
with their supplier, and their extension options (and the supplier's own lists, by its
mapping).
"""
import csv
import io
from decimal import Decimal

from sqlalchemy import select

import tenants

from ..accounts.permissions import require_buyer
from ..extensions import db
from ..formatting import london_date
from ..money import format_pounds
from . import forecasting
from .models import Contract, ContractStatus, ExtensionDecisionKind

THRESHOLD_PENCE = 500_000  # Transparency Code 2015: contracts with a value over £5,000
TOTAL_COMMITTED = "Total value (committed)"
COLUMNS = ("Reference", "Title", "Description", "Department", "Supplier name",
           "Supplier company number", "Supplier charity number", "Start date", "End date",
           "Review date (next extension decision)", "Extension options", "Extensions taken",
           "Annual value", TOTAL_COMMITTED, "Status", "Decision reference")
MONEY_COLUMNS = {"Annual value", TOTAL_COMMITTED}
DATE_COLUMNS = {"Start date", "End date", "Review date (next extension decision)"}


def _contracts():
    return db.session.execute(
        select(Contract)
        .where(Contract.state != ContractStatus.DRAFT)
        .order_by(Contract.start_date, Contract.reference)).unique().scalars().all()


def _months(months):
    return f"{months} month{'s' if months != 1 else ''}"


def extension_options_text(contract):
    """"3 options: 12, 12 and 12 months"; "None"."""
    options = [e.months for e in contract.extensions]
    if not options:
        return "None"
    if len(options) == 1:
        return f"1 option: {_months(options[0])}"
    listed = ", ".join(str(m) for m in options[:-1]) + f" and {options[-1]}"
    return f"{len(options)} options: {listed} months"


def extensions_taken_text(contract):
    """"Option 1 (12 months) taken; option 2 (12 months) declined"; "None decided"."""
    parts = [f"option {e.number} ({_months(e.months)}) "
             f"{'taken' if e.decision == ExtensionDecisionKind.TAKEN else 'declined'}"
             for e in contract.extensions if e.decision is not None]
    if not parts:
        return "None decided"
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def register_rows(actor):
    """The register's rows (each a dict by :data:`COLUMNS`; money in pence, dates as dates),
    contracts over the Transparency Code's £5,000 only, soonest start first."""
    require_buyer(actor)
    today = london_date(tenants.utcnow())
    contracts = _contracts()
    committed = forecasting.committed_totals(contracts)
    rows = []
    for contract in contracts:
        total = committed[contract.id]
        if total <= THRESHOLD_PENCE:
            continue
        supplier = contract.supplier_provider
        rows.append({
            "Reference": contract.reference,
            "Title": contract.title,
            "Description": contract.description or contract.title,
            "Department": contract.service.label,
            "Supplier name": contract.supplier_label,
            "Supplier company number": supplier.companies_house_number if supplier else None,
            "Supplier charity number": supplier.charity_number if supplier else None,
            "Start date": contract.start_date,
            "End date": contract.end_date,
            "Review date (next extension decision)": contract.next_decision_due,
            "Extension options": extension_options_text(contract),
            "Extensions taken": extensions_taken_text(contract),
            "Annual value": contract.annual_value_pence,
            TOTAL_COMMITTED: total,
            "Status": contract.status_on(today).label,
            "Decision reference": contract.decision_reference,
        })
    return rows


def _safe_text(value):
    """Text a person typed (a title, a supplier's name) that a spreadsheet must never take for
    a formula (as placements.forecasts)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(actor):
    """The register as CSV (UTF-8 with a byte-order mark, so spreadsheets read £ correctly):
    a header row, then a row per contract; money as pounds with two places, dates as
    YYYY-MM-DD, blanks empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in register_rows(actor):
        cells = []
        for column in COLUMNS:
            value = row[column]
            if value is None:
                cells.append("")
            elif column in MONEY_COLUMNS:
                cells.append(format_pounds(value))
            elif column in DATE_COLUMNS:
                cells.append(value.isoformat())
            else:
                cells.append(_safe_text(value))
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(actor):
    """The register as an XLSX workbook: a "Contracts" sheet with a header row and a row per
    contract; money as numbers of pounds (two places), dates as dates, text never a formula.
    Written in openpyxl's write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rows = register_rows(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contracts")
    sheet.append(list(COLUMNS))
    for row in rows:
        cells = []
        for column in COLUMNS:
            value = row[column]
            if value is not None and column in MONEY_COLUMNS:
                value = Decimal(value) / 100
            cell = WriteOnlyCell(sheet, value=value)
            if column in MONEY_COLUMNS:
                cell.number_format = "#,##0.00"
            elif column in DATE_COLUMNS:
                cell.number_format = "yyyy-mm-dd"
            elif cell.data_type == "f":  # text that others typed is never a formula
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
