"""A contract's monitoring in the API (issue 13 §1): KPIs with their periodic returns, reviews
and documents. Shapes and types only; every rule is in ``monitoring``, whose messages name the
fields below. The authority's officers and managers change; they and the contract's supplier
read (a change by the supplier is 403; another authority's contract, KPI or document is 404).

Dates are ISO 8601; ids are strings; ``rag`` is red, amber or green."""
from io import BytesIO

from flask import request, send_file
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from ..api import api_blueprint, errors
from . import monitoring

blp = api_blueprint("api_contract_monitoring", __name__,
                    description="Monitoring a contract: KPIs and their periodic returns (figure "
                                "and RAG rating), contract reviews and documents.")

FREQUENCIES = ["monthly", "quarterly", "termly", "annually"]
RAGS = ["red", "amber", "green"]


# ---------------------------------------------------------------- schemas

class KpiReturnSchema(Schema):
    id = fields.String(dump_only=True)
    kpi_id = fields.String(dump_only=True)
    period_start = fields.Date(dump_only=True)
    period_end = fields.Date(dump_only=True)
    figure = fields.String(dump_only=True)
    rag = fields.String(dump_only=True, metadata={"enum": RAGS})
    note = fields.String(dump_only=True, allow_none=True)
    recorded_by = fields.Function(
        lambda r: r.recorded_by.full_name if r.recorded_by else None, dump_only=True,
        allow_none=True, metadata={"type": "string"})
    recorded_at = fields.DateTime(dump_only=True)


class KpiSchema(Schema):
    id = fields.String(dump_only=True)
    contract_id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    target = fields.String(dump_only=True, allow_none=True)
    frequency = fields.String(dump_only=True, metadata={"enum": FREQUENCIES})
    created_at = fields.DateTime(dump_only=True)


class KpiLineSchema(KpiSchema):
    """A KPI with its latest return (by period end), or null before the first."""

    latest_return = fields.Nested(KpiReturnSchema, dump_only=True, allow_none=True)


class KpiInputSchema(Schema):
    """A new KPI: ``name`` and ``frequency`` are needed (the service names what is missing)."""

    name = fields.String(load_default=None)
    target = fields.String(load_default=None, allow_none=True)
    frequency = fields.String(load_default=None, metadata={
        "description": "monthly, quarterly, termly or annually"})


class KpiChangeSchema(Schema):
    """Only the fields given change."""

    name = fields.String()
    target = fields.String(allow_none=True)
    frequency = fields.String(metadata={"description": "monthly, quarterly, termly or annually"})


class KpiReturnInputSchema(Schema):
    """One period's return. ``figure`` and ``rag`` are needed; ``period_start`` and
    ``period_end`` too, except that a quarterly KPI's default to the last quarter ended (or to
    the quarter of the one date given)."""

    period_start = fields.Date(load_default=None, allow_none=True)
    period_end = fields.Date(load_default=None, allow_none=True)
    figure = fields.String(load_default=None, metadata={"example": "87%"})
    rag = fields.String(load_default=None, metadata={"description": "red, amber or green"})
    note = fields.String(load_default=None, allow_none=True)


class ContractReviewSchema(Schema):
    id = fields.String(dump_only=True)
    contract_id = fields.String(dump_only=True)
    held_on = fields.Date(dump_only=True)
    notes = fields.String(dump_only=True)
    recorded_by = fields.Function(
        lambda r: r.recorded_by.full_name if r.recorded_by else None, dump_only=True,
        allow_none=True, metadata={"type": "string"})
    recorded_at = fields.DateTime(dump_only=True)


class ContractReviewInputSchema(Schema):
    """A review held on a day (today or earlier) with its notes; both are needed."""

    held_on = fields.Date(load_default=None, allow_none=True)
    notes = fields.String(load_default=None)


class ContractDocumentSchema(Schema):
    id = fields.String(dump_only=True)
    contract_id = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    filename = fields.String(dump_only=True)
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    sha256 = fields.String(dump_only=True)
    uploaded_at = fields.DateTime(dump_only=True)


class ContractDocumentUploadSchema(Schema):
    """A multipart/form-data upload: a title and the file (the service names what is missing or
    wrong with the file, once it knows the contract is yours)."""

    title = fields.String(load_default=None)
    # Documented here; the view takes the file itself from the request's files.
    file = Upload(load_only=True,
                  metadata={"description": "PDF, DOCX, JPG or PNG, smaller than 10MB"})


# ---------------------------------------------------------------- KPIs

@blp.get("/contracts/<id:contract_id>/kpis")
@blp.response(200, KpiLineSchema(many=True))
def kpis(contract_id):
    """The contract's KPIs in the order added, each with its latest return (its authority's
    officers and managers, and its supplier)."""
    board = monitoring.list_kpis(current_user, contract_id)
    return [{**_kpi_fields(line.kpi), "latest_return": line.latest} for line in board.lines]


def _kpi_fields(kpi):
    return {"id": kpi.id, "contract_id": kpi.contract_id, "name": kpi.name,
            "target": kpi.target, "frequency": kpi.frequency.value, "created_at": kpi.created_at}


@blp.post("/contracts/<id:contract_id>/kpis")
@blp.arguments(KpiInputSchema)
@blp.response(201, KpiSchema)
@errors(omit=(409,))
def add_kpi(data, contract_id):
    """Add a KPI: its name, target (optional) and frequency (the authority's officers and
    managers)."""
    return monitoring.add_kpi(current_user, contract_id, **data)


@blp.patch("/contracts/<id:contract_id>/kpis/<id:kpi_id>")
@blp.arguments(KpiChangeSchema)
@blp.response(200, KpiSchema)
@errors(omit=(409,))
def update_kpi(data, contract_id, kpi_id):
    """Change a KPI's name, target or frequency (the authority's officers and managers)."""
    return monitoring.update_kpi(current_user, contract_id, kpi_id, **data)


@blp.get("/contracts/<id:contract_id>/kpis/<id:kpi_id>/returns")
@blp.response(200, KpiReturnSchema(many=True))
def kpi_returns(contract_id, kpi_id):
    """A KPI's returns, latest period first (the contract's readers)."""
    return monitoring.kpi_history(current_user, contract_id, kpi_id).returns


@blp.post("/contracts/<id:contract_id>/kpis/<id:kpi_id>/returns")
@blp.arguments(KpiReturnInputSchema)
@blp.response(201, KpiReturnSchema)
@errors(omit=(409,))
def record_return(data, contract_id, kpi_id):
    """Record a period's return: the period, the figure and its RAG rating. The period ends on
    or after its start and not after today; one return per KPI and period end (a second is 422
    naming ``period_end``). The authority's officers and managers."""
    return monitoring.record_return(current_user, contract_id, kpi_id, **data)


# ---------------------------------------------------------------- reviews

@blp.get("/contracts/<id:contract_id>/reviews")
@blp.response(200, ContractReviewSchema(many=True))
def reviews(contract_id):
    """The contract's reviews, the latest meeting first (the contract's readers)."""
    return monitoring.list_reviews(current_user, contract_id).reviews


@blp.post("/contracts/<id:contract_id>/reviews")
@blp.arguments(ContractReviewInputSchema)
@blp.response(201, ContractReviewSchema)
@errors(omit=(409,))
def record_review(data, contract_id):
    """Record a review meeting: the day it was held (not in the future) and its notes (the
    authority's officers and managers)."""
    return monitoring.record_review(current_user, contract_id, **data)


# ---------------------------------------------------------------- documents

@blp.get("/contracts/<id:contract_id>/documents")
@blp.response(200, ContractDocumentSchema(many=True))
def documents(contract_id):
    """The contract's documents, newest first (the contract's readers)."""
    return monitoring.list_documents(current_user, contract_id).documents


@blp.post("/contracts/<id:contract_id>/documents")
@blp.arguments(ContractDocumentUploadSchema, location="form", content_type="multipart/form-data")
@blp.response(201, ContractDocumentSchema)
@errors(omit=(409,))
def upload_document(data, contract_id):
    """File a document with the contract, as multipart/form-data with its title (the authority's
    officers and managers)."""
    upload = request.files.get("file")
    return monitoring.upload_document(
        current_user, contract_id, title=data["title"],
        filename=upload.filename if upload else None,
        content=upload.stream.read(monitoring.MAX_DOCUMENT_BYTES + 1) if upload else None)


@blp.get("/contract-documents/<id:contract_document_id>")
@blp.doc(responses={"200": {"description": "The file itself, as uploaded.", "content": {
    content_type: {"schema": {"type": "string", "format": "binary"}}
    for content_type in monitoring.DOCUMENT_TYPES}}})
def document_file(contract_document_id):
    """Download a contract document (the contract's readers)."""
    document, content = monitoring.document_content(current_user, contract_document_id)
    response = send_file(BytesIO(content), mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
