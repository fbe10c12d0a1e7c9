"""Monitoring a contract (issue 13 §1): its KPIs with periodic returns (the period, the figure
reported and a red, amber or green rating), its review meetings with their notes, and the
documents filed with it.

Who: the authority's placement officers and managers record all of it; they and the contract's
supplier (a provider registered here) read it (``access``). Every row made here carries the
contract's ``supplier_provider_id``, the one column the supplier's tenant scope reads by.
Another authority's contract, KPI or document does not exist (NotFound). Every change is audited
and committed here; bad input is ValidationFailed naming each field (the API's names)."""
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

import tenants

from .. import audit
from ..accounts.permissions import is_buyer
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..formatting import govuk_date, london_date
# The providers' document rules, reused so both uploads keep the same limits: at most 10MB,
# and a PDF, DOCX, JPG or PNG by its first bytes (never the browser's word).
from ..providers.services import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES  # noqa: F401 (API docs)
from ..providers.services import check_document_file
from . import access, terms
from .models import (ContractDocument, ContractDocumentFile, ContractKpi, ContractReview,
                     KpiFrequency, KpiReturn, Rag)

NAME_LENGTH = 200
FIGURE_LENGTH = 100
FILENAME_LENGTH = 255


def _today():
    return london_date(tenants.utcnow())


def _text(values, errors, name, *, required=None, max_length=None, label=None):
    """``values[name]`` stripped (None when blank); a message in ``errors`` when it is required
    (``required`` is the message) and blank, or longer than ``max_length``."""
    value = values.get(name)
    value = value.strip() if isinstance(value, str) else value
    if not value:
        if required:
            errors[name] = required
        return None
    if max_length and len(value) > max_length:
        errors[name] = f"{label} must be {max_length} characters or fewer"
    return value


def _choice(value, cls, errors, name, message):
    try:
        return cls(value)
    except ValueError:
        errors[name] = message
        return None


def _contract_to_change(actor, contract_id):
    """The contract for a change (``access.contract_to_change``), its row locked: the lock
    serialises changes to one contract's monitoring (two returns for the same period, say)."""
    return access.contract_to_change(actor, contract_id)


def may_change(actor):
    """Whether pages offer the actor the forms: the authority's officers and managers (the
    supplier reads only). The services check again."""
    return is_buyer(actor)


# --------------------------------------------------------------------------------------- KPIs

def quarter_of(day):
    """The calendar quarter holding ``day`` (first and last day). Financial-year quarters (April
    to June...) fall on the same boundaries."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, terms.add_months(first, 3) - timedelta(days=1)


def default_period(kpi, today):
    """A quarterly KPI's return defaults to the last quarter that has ended by ``today``
    (issue 13 §1: "quarterly"); other frequencies have no default. (None, None) then."""
    if kpi.frequency != KpiFrequency.QUARTERLY:
        return None, None
    this_quarter, _ = quarter_of(today)
    return quarter_of(this_quarter - timedelta(days=1))


def _clean_kpi(fields, errors):
    values = {}
    if "name" in fields:
        values["name"] = _text(fields, errors, "name", required="Enter the KPI's name",
                               max_length=NAME_LENGTH, label="Name")
    if "target" in fields:
        values["target"] = _text(fields, errors, "target", max_length=NAME_LENGTH,
                                 label="Target")
    if "frequency" in fields:
        values["frequency"] = _choice(
            fields["frequency"], KpiFrequency, errors, "frequency",
            "Select how often the KPI is reported: monthly, quarterly, termly or annually")
    return values


@dataclass
class KpiLine:
    kpi: ContractKpi
    latest: KpiReturn | None


@dataclass
class KpiBoard:
    """A contract's KPIs in the order added, each with its latest return (by period end)."""

    contract: object
    lines: list
    can_change: bool

    @property
    def summary(self):
        """How many KPIs' latest returns are red, amber and green, and how many have none."""
        counts = Counter(line.latest.rag if line.latest else None for line in self.lines)
        return {"red": counts[Rag.RED], "amber": counts[Rag.AMBER], "green": counts[Rag.GREEN],
                "not_reported": counts[None]}


def list_kpis(actor, contract_id):
    """The contract's KPIs with each one's latest return and the RAG summary, in a fixed number
    of statements whatever the number of KPIs or returns (the contract's readers)."""
    contract = access.get_contract(actor, contract_id)
    kpis = db.session.scalars(select(ContractKpi).where(ContractKpi.contract_id == contract.id)
                              .order_by(ContractKpi.id)).all()
    other = aliased(KpiReturn)
    newest = (select(func.max(other.period_end)).where(other.kpi_id == KpiReturn.kpi_id)
              .scalar_subquery())
    latest = {r.kpi_id: r for r in db.session.scalars(select(KpiReturn).where(
        KpiReturn.contract_id == contract.id, KpiReturn.period_end == newest))}
    return KpiBoard(contract, [KpiLine(kpi, latest.get(kpi.id)) for kpi in kpis],
                    may_change(actor))


def _kpi_of(contract, kpi_id):
    kpi = db.session.scalars(select(ContractKpi).where(
        ContractKpi.id == kpi_id, ContractKpi.contract_id == contract.id)).one_or_none()
    if kpi is None:
        raise NotFound(f"KPI {kpi_id}")
    return kpi


@dataclass
class KpiHistory:
    """One KPI and its returns, newest period first."""

    contract: object
    kpi: ContractKpi
    returns: list
    can_change: bool


def kpi_history(actor, contract_id, kpi_id):
    """A KPI of the contract with every return, newest period first (the contract's
    readers)."""
    contract = access.get_contract(actor, contract_id)
    kpi = _kpi_of(contract, kpi_id)
    returns = db.session.scalars(select(KpiReturn).where(KpiReturn.kpi_id == kpi.id)
                                 .order_by(KpiReturn.period_end.desc(), KpiReturn.id.desc())
                                 ).all()
    return KpiHistory(contract, kpi, returns, may_change(actor))


def contract_for_change(actor, contract_id):
    """The contract, for a page with a form that changes its monitoring (its officers and
    managers; PermissionDenied for its supplier)."""
    return access.contract_to_change(actor, contract_id, for_update=False)


@dataclass
class KpiForm:
    contract: object
    kpi: ContractKpi
    default_start: date | None
    default_end: date | None


def kpi_for_change(actor, contract_id, kpi_id):
    """A KPI of the contract for a form that edits it or records a return (its officers and
    managers), with the period a return defaults to (see :func:`default_period`)."""
    contract = access.contract_to_change(actor, contract_id, for_update=False)
    kpi = _kpi_of(contract, kpi_id)
    return KpiForm(contract, kpi, *default_period(kpi, _today()))


def add_kpi(actor, contract_id, *, name=None, target=None, frequency=None):
    """Add a KPI the supplier reports on (issue 13 §1): its name, target (optional text) and
    frequency (monthly, quarterly, termly or annually). The authority's officers and managers;
    audited."""
    contract = _contract_to_change(actor, contract_id)
    errors = {}
    values = _clean_kpi({"name": name, "target": target, "frequency": frequency}, errors)
    if errors:
        raise ValidationFailed(errors)
    kpi = ContractKpi(contract_id=contract.id, supplier_provider_id=contract.supplier_provider_id,
                      **values)
    db.session.add(kpi)
    db.session.flush()
    audit.record("contract.kpi_added", kpi, actor=actor, after={
        "contract_id": contract.id, "name": kpi.name, "target": kpi.target,
        "frequency": kpi.frequency.value})
    db.session.commit()
    return kpi


def update_kpi(actor, contract_id, kpi_id, **changes):
    """Change a KPI's name, target or frequency (only those given); its returns stay. The
    authority's officers and managers; audited with the values before and after (nothing
    changed: nothing recorded)."""
    contract = _contract_to_change(actor, contract_id)
    kpi = _kpi_of(contract, kpi_id)
    unknown = set(changes) - {"name", "target", "frequency"}
    errors = {name: "Not a field of a KPI" for name in unknown}
    values = _clean_kpi(changes, errors)
    if errors:
        raise ValidationFailed(errors)
    changed = {name: value for name, value in values.items() if getattr(kpi, name) != value}
    if not changed:
        return kpi
    before = {name: _plain(getattr(kpi, name)) for name in changed}
    for name, value in changed.items():
        setattr(kpi, name, value)
    audit.record("contract.kpi_changed", kpi, actor=actor, before=before,
                 after={name: _plain(value) for name, value in changed.items()})
    db.session.commit()
    return kpi


def _plain(value):
    return value.value if isinstance(value, KpiFrequency) else value


def record_return(actor, contract_id, kpi_id, *, period_start=None, period_end=None,
                  figure=None, rag=None, note=None):
    """Record one period's return on a KPI (issue 13 §1): the period (a quarterly KPI's
    defaults to the last quarter ended, or to the quarter of the one date given), the figure
    reported (text, e.g. "87%") and its RAG rating. The period ends on or after its start and
    not after today; one return per KPI and period end. The authority's officers and managers;
    audited."""
    contract = _contract_to_change(actor, contract_id)
    kpi = _kpi_of(contract, kpi_id)
    today = _today()
    errors = {}
    if kpi.frequency == KpiFrequency.QUARTERLY:
        if period_start is None and period_end is None:
            period_start, period_end = default_period(kpi, today)
        elif period_start is None and isinstance(period_end, date):
            period_start = quarter_of(period_end)[0]
        elif period_end is None and isinstance(period_start, date):
            period_end = quarter_of(period_start)[1]
    if not isinstance(period_start, date):
        errors["period_start"] = "Enter the date the period starts"
    if not isinstance(period_end, date):
        errors["period_end"] = "Enter the date the period ends"
    elif period_end > today:
        errors["period_end"] = "The period must have ended: its end must be today or earlier"
    elif isinstance(period_start, date) and period_end < period_start:
        errors["period_end"] = "The period must end on or after the day it starts"
    values = {"figure": figure, "note": note}
    figure = _text(values, errors, "figure", required="Enter the figure reported",
                   max_length=FIGURE_LENGTH, label="Figure")
    note = _text(values, errors, "note")
    rag = _choice(rag, Rag, errors, "rag", "Select a RAG rating: red, amber or green")
    duplicate = ("period_end" not in errors and db.session.scalar(
        select(KpiReturn.id).where(KpiReturn.kpi_id == kpi.id,
                                   KpiReturn.period_end == period_end)) is not None)
    if duplicate:
        errors["period_end"] = _duplicate_message(period_end)
    if errors:
        raise ValidationFailed(errors)
    made = KpiReturn(kpi_id=kpi.id, contract_id=contract.id,
                     supplier_provider_id=contract.supplier_provider_id,
                     period_start=period_start, period_end=period_end, figure=figure, rag=rag,
                     note=note, recorded_by_id=actor.id, recorded_at=tenants.utcnow())
    db.session.add(made)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request recorded the same period in between (the contract's row lock makes
        # this rare on PostgreSQL).
        db.session.rollback()
        raise ValidationFailed({"period_end": _duplicate_message(period_end)}) from None
    audit.record("contract.kpi_return_recorded", made, actor=actor, after={
        "contract_id": contract.id, "kpi_id": kpi.id, "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(), "figure": figure, "rag": rag.value})
    db.session.commit()
    return made


def _duplicate_message(period_end):
    return (f"A return for the period ending {govuk_date(period_end)} has already been recorded "
            "for this KPI")


# ------------------------------------------------------------------------------------ reviews

@dataclass
class Reviews:
    contract: object
    reviews: list
    can_change: bool


def list_reviews(actor, contract_id):
    """The contract's reviews, the latest meeting first (the contract's readers)."""
    contract = access.get_contract(actor, contract_id)
    reviews = db.session.scalars(select(ContractReview).where(
        ContractReview.contract_id == contract.id).order_by(
        ContractReview.held_on.desc(), ContractReview.id.desc())).all()
    return Reviews(contract, reviews, may_change(actor))


def record_review(actor, contract_id, *, held_on=None, notes=None):
    """Record a contract review meeting (issue 13 §1): the day it was held (today or earlier)
    and its notes. The authority's officers and managers; audited."""
    contract = _contract_to_change(actor, contract_id)
    errors = {}
    if not isinstance(held_on, date):
        errors["held_on"] = "Enter the date the review was held"
    elif held_on > _today():
        errors["held_on"] = "The date the review was held must be today or in the past"
    notes = _text({"notes": notes}, errors, "notes", required="Enter the notes of the review")
    if errors:
        raise ValidationFailed(errors)
    review = ContractReview(contract_id=contract.id,
                            supplier_provider_id=contract.supplier_provider_id, held_on=held_on,
                            notes=notes, recorded_by_id=actor.id, recorded_at=tenants.utcnow())
    db.session.add(review)
    db.session.flush()
    audit.record("contract.review_recorded", review, actor=actor, after={
        "contract_id": contract.id, "held_on": held_on.isoformat()})
    db.session.commit()
    return review


# ---------------------------------------------------------------------------------- documents

@dataclass
class Documents:
    contract: object
    documents: list
    can_change: bool


def list_documents(actor, contract_id):
    """The contract's documents, newest first, without their bytes (the contract's
    readers)."""
    contract = access.get_contract(actor, contract_id)
    documents = db.session.scalars(select(ContractDocument).where(
        ContractDocument.contract_id == contract.id).order_by(
        ContractDocument.uploaded_at.desc(), ContractDocument.id.desc())).all()
    return Documents(contract, documents, may_change(actor))


def _clean_upload(title, filename, content):
    """The providers' upload rules (``providers.services``): a file that is not empty, at most
    10MB, a PDF, DOCX, JPG or PNG by its first bytes; plus the title a contract document needs."""
    errors = {}
    title = _text({"title": title}, errors, "title", required="Enter a title for the document",
                  max_length=NAME_LENGTH, label="Title")
    filename, content_type = check_document_file(filename, content, errors,
                                                 filename_length=FILENAME_LENGTH)
    if errors:
        raise ValidationFailed(errors)
    return title, filename, content_type


def upload_document(actor, contract_id, *, title=None, filename=None, content=None):
    """File a document with the contract (issue 13 §1: the signed contract, a variation, the key
    decision report): its title and the file, kept with its size and SHA-256. The authority's
    officers and managers; audited. ``content`` is the bytes read (read at most
    MAX_DOCUMENT_BYTES + 1 so an oversized file is told so)."""
    contract = _contract_to_change(actor, contract_id)
    title, filename, content_type = _clean_upload(title, filename, content)
    stored = ContractDocumentFile(supplier_provider_id=contract.supplier_provider_id,
                                  content=content)
    document = ContractDocument(
        contract_id=contract.id, supplier_provider_id=contract.supplier_provider_id, title=title,
        filename=filename, content_type=content_type, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=actor.id,
        uploaded_at=tenants.utcnow(), file=stored)
    db.session.add_all([stored, document])
    db.session.flush()
    audit.record("contract.document_uploaded", document, actor=actor, after={
        "contract_id": contract.id, "title": title, "filename": filename,
        "size": len(content), "sha256": document.sha256})
    db.session.commit()
    return document


def get_document(actor, document_id):
    """A contract document's description, for its contract's readers (NotFound otherwise)."""
    document = db.session.scalars(select(ContractDocument).where(
        ContractDocument.id == document_id)).one_or_none()
    if document is None:
        raise NotFound(f"contract document {document_id}")
    access.get_contract(actor, document.contract_id)
    return document


def document_content(actor, document_id):
    """A contract document and its bytes, to download (its contract's readers)."""
    document = get_document(actor, document_id)
    content = db.session.scalars(select(ContractDocumentFile.content).where(
        ContractDocumentFile.id == document.file_id)).one()
    return document, content
