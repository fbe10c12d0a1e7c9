"""Cost sharing in the API (issue 14, API): the MoU terms, a year's costs and income, runs
(made, previewed, approved, recalculated) and members' statements. Shapes and types only; every
rule is in ``services``.

Money is a decimal string in pounds ("1250.00", "-3.50" for a refund); percentages are decimal
strings ("30", "2.5"); financial years are labels ("2026-27"); dates are ISO 8601."""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Response, request
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from ..api import api_blueprint, errors
from ..money import format_pounds
from . import downloads, services
from .models import CostCategory

blp = api_blueprint("api_cost_sharing", __name__, url_prefix="/cost-sharing",
                    description="Cost sharing under the MoU: the host's running costs shared "
                                "among the member authorities, to the penny.")

_PERCENT = r"^\d{1,3}(\.\d{1,2})?$"
_MONEY = r"^-?\d{1,12}(\.\d{1,2})?$"
MEASURES = list(services.MEASURES)


class Percent(fields.Field):
    """A percentage as a decimal string ("30", "2.5"), held as basis points inside (3000)."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "string", "pattern": _PERCENT, "example": "30",
                                   **kwargs.pop("metadata", {})}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        whole, part = divmod(value, 100)
        return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")

    def _deserialize(self, value, attr, data, **kwargs):
        message = 'Give a percentage as a string with up to two decimal places, like "30"'
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValidationError(message)
        try:
            hundredths = Decimal(str(value).strip().rstrip("%")) * 100
        except InvalidOperation:
            raise ValidationError(message) from None
        if not hundredths.is_finite() or hundredths != hundredths.to_integral_value():
            raise ValidationError(message)
        return int(hundredths)


def signed_pounds(pence):
    """Pence as the API's pounds, with a minus sign for a negative amount."""
    if pence is None:
        return None
    return ("-" if pence < 0 else "") + format_pounds(abs(pence))


class Money(fields.Field):
    """Money as a decimal string in pounds ("1250.00"), held as integer pence inside; negative
    amounts parse (so the service can say what is wrong with them)."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "string", "pattern": _MONEY, "example": "1250.00",
                                   **kwargs.pop("metadata", {})}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return signed_pounds(value)

    def _deserialize(self, value, attr, data, **kwargs):
        message = 'Give an amount in pounds as a string with up to two decimal places, like "1250.00"'
        if not isinstance(value, str):
            raise ValidationError(message)
        text = value.strip().replace(",", "").lstrip("£")
        try:
            pounds = Decimal(text)
        except InvalidOperation:
            raise ValidationError(message) from None
        if not pounds.is_finite() or pounds * 100 != (pounds * 100).to_integral_value() or (
                abs(pounds) >= 10 ** 12):
            raise ValidationError(message)
        return int(pounds * 100)


# ---------------------------------------------------------------- terms

class CostSharingTermsSchema(Schema):
    """The MoU terms (issue 14 §1): ``fixed_percent`` of the net cost shared equally (pro rata
    to membership days), the rest by ``usage_measure`` or a blend ``usage_weights`` (adding up to
    100); ``caps`` by authority id in pounds; ``damping_percent`` the most a member's
    contribution may rise over its last approved year (null: no damping); ``tolerance_points``
    the usage-share move below which a true-up is skipped; ``participants`` null for every
    member; ``include_off_framework`` whether off-framework placements count as usage."""

    id = fields.Integer(dump_only=True)
    effective_from = fields.Date(load_default=None)
    fixed_percent_bp = Percent(data_key="fixed_percent", load_default=None)
    usage_measure = fields.String(load_default=None, allow_none=True,
                                  metadata={"enum": [*MEASURES, None]})
    usage_weights_bp = fields.Dict(data_key="usage_weights", keys=fields.String(),
                                   values=Percent(), load_default=None, allow_none=True)
    host_pays_share = fields.Boolean(load_default=False)
    participants = fields.List(fields.Integer(), load_default=None, allow_none=True)
    caps = fields.Dict(keys=fields.String(), values=Money(), load_default=dict)
    damping_percent_bp = Percent(data_key="damping_percent", load_default=None, allow_none=True)
    tolerance_bp = Percent(data_key="tolerance_points", load_default=0)
    include_off_framework = fields.Boolean(load_default=True)
    recorded_at = fields.DateTime(dump_only=True)


def _caps(caps, errors_out):
    found = {}
    for key, pence in (caps or {}).items():
        try:
            found[int(key)] = pence
        except ValueError:
            errors_out["caps"] = f"{key!r} is not an authority id"
    return found


def _terms_input(data):
    from ..errors import ValidationFailed

    problems = {}
    caps = _caps(data.get("caps"), problems)
    if problems:
        raise ValidationFailed(problems)
    return services.TermsInput(
        effective_from=data.get("effective_from"), fixed_percent_bp=data.get("fixed_percent_bp"),
        usage_measure=data.get("usage_measure"), usage_weights_bp=data.get("usage_weights_bp"),
        host_pays_share=data.get("host_pays_share", False),
        participants=data.get("participants"), caps=caps,
        damping_percent_bp=data.get("damping_percent_bp"),
        tolerance_bp=data.get("tolerance_bp") or 0,
        include_off_framework=data.get("include_off_framework", True))


def _terms_out(row):
    if row is None:
        return {}
    return {"id": row.id, "effective_from": row.effective_from,
            "fixed_percent_bp": row.fixed_percent_bp, "usage_measure": row.usage_measure,
            "usage_weights_bp": row.usage_weights, "host_pays_share": row.host_pays_share,
            "participants": row.participants,
            "caps": dict(row.caps or {}), "damping_percent_bp": row.damping_percent_bp,
            "tolerance_bp": row.tolerance_bp, "include_off_framework": row.include_off_framework,
            "recorded_at": row.recorded_at}


@blp.get("/terms")
@blp.response(200, CostSharingTermsSchema)
@errors(403, 404)
def terms():
    """The MoU terms in force (the latest version; an empty object before any is set). The
    host's administrators."""
    return _terms_out(services.current_terms(current_user))


@blp.put("/terms")
@blp.arguments(CostSharingTermsSchema)
@blp.response(200, CostSharingTermsSchema)
@errors(404, omit=(409,))
def set_terms(data):
    """Record a new version of the MoU terms from ``effective_from``. A fixed percentage outside
    0–100, weights not adding up to 100, a negative cap or an unknown measure is refused (422),
    naming the field; nothing is saved."""
    return _terms_out(services.set_terms(current_user, _terms_input(data)))


# ---------------------------------------------------------------- costs

class CostSharingLineSchema(Schema):
    category = fields.String(required=True, metadata={"enum": [c.value for c in CostCategory]})
    amount = Money(required=True)
    note = fields.String(load_default=None, allow_none=True)
    evidence = fields.String(load_default=None, allow_none=True)


class CostSharingIncomeSchema(Schema):
    source = fields.String(load_default=None, allow_none=True)
    amount = Money(required=True)
    note = fields.String(load_default=None, allow_none=True)


class CostSharingCostsSchema(Schema):
    """A year's costs by category and the income offsetting them; ``net_cost`` = costs −
    income, the amount a run shares."""

    financial_year = fields.String(dump_only=True)
    lines = fields.List(fields.Nested(CostSharingLineSchema), load_default=list)
    income = fields.List(fields.Nested(CostSharingIncomeSchema), load_default=list)
    costs = Money(dump_only=True)
    total_income = Money(dump_only=True)
    net_cost = Money(dump_only=True)


def _costs_out(year_costs):
    return {"financial_year": year_costs.label,
            "lines": [{"category": line.category.value, "amount": line.amount_pence,
                       "note": line.note, "evidence": line.evidence} for line in year_costs.lines],
            "income": [{"source": line.source, "amount": line.amount_pence, "note": line.note}
                       for line in year_costs.income],
            "costs": year_costs.costs_pence, "total_income": year_costs.income_pence,
            "net_cost": year_costs.net_cost_pence}


@blp.get("/<financial_year>/costs")
@blp.response(200, CostSharingCostsSchema)
@errors(403, 404, 422)
def costs(financial_year):
    """The year's cost lines and income (the host's administrators)."""
    return _costs_out(services.year_costs(current_user, financial_year))


@blp.put("/<financial_year>/costs")
@blp.arguments(CostSharingCostsSchema)
@blp.response(200, CostSharingCostsSchema)
@errors(404, omit=(409,))
def set_costs(data, financial_year):
    """Replace the year's cost lines and income. Income above the costs needs a note saying
    why; every bad line is named (``lines.0.category``); nothing is saved."""
    return _costs_out(services.set_costs(current_user, financial_year, data["lines"],
                                         data["income"]))


# ---------------------------------------------------------------- population

class CostSharingPopulationLineSchema(Schema):
    authority_id = fields.Integer(required=True)
    name = fields.String(dump_only=True)
    ons_code = fields.String(dump_only=True)
    population = fields.Integer(required=True, allow_none=True, metadata={
        "description": "e.g. the ONS 0–25 mid-year estimate; null removes the figure"})


class CostSharingPopulationSchema(Schema):
    """Each authority's population for the year: the population measure's figures."""

    figures = fields.List(fields.Nested(CostSharingPopulationLineSchema), load_default=list)


@blp.get("/<financial_year>/population")
@blp.response(200, CostSharingPopulationSchema)
@errors(403, 404, 422)
def population(financial_year):
    """Every authority's population for the year (null where not entered); the host's
    administrators."""
    return {"figures": services.population_figures(current_user, financial_year)}


@blp.put("/<financial_year>/population")
@blp.arguments(CostSharingPopulationSchema)
@blp.response(200, CostSharingPopulationSchema)
@errors(404, omit=(409,))
def set_population(data, financial_year):
    """Set authorities' populations for the year (those not listed are kept); an unknown
    authority or a negative figure is refused naming it."""
    figures = {line["authority_id"]: line["population"] for line in data["figures"]}
    return {"figures": services.set_population(current_user, financial_year, figures)}


# ---------------------------------------------------------------- runs

class CostSharingContributionSchema(Schema):
    """A member's line: ``fixed`` and ``usage`` parts and the ``adjustment`` caps and damping
    made (each to the nearest penny, for reading), ``amount`` its contribution (exact: the
    amounts add up to the net cost), ``true_up`` in an outturn run (outturn − budget; null
    without an approved budget run), ``usage_figure`` the measure's figure (an object by measure
    for a blend), ``difference`` from the run compared with, and the workings line by line."""

    authority_id = fields.Integer()
    name = fields.String()
    ons_code = fields.String()
    is_host = fields.Boolean()
    membership_days = fields.Integer()
    fixed_pence = Money(data_key="fixed")
    usage_figure = fields.Raw(metadata={"description": "text, or an object by measure"})
    usage_share = fields.String(metadata={"description": "exact fraction, e.g. 3/8"})
    usage_pence = Money(data_key="usage")
    adjustment_pence = Money(data_key="adjustment")
    amount_pence = Money(data_key="amount")
    true_up_pence = Money(data_key="true_up", allow_none=True)
    previous_pence = Money(data_key="previous_amount", allow_none=True)
    difference_pence = Money(data_key="difference", allow_none=True)
    lines = fields.List(fields.String(), data_key="workings")


def _run_terms(snapshot):
    """The terms a run used, in the terms' own shape."""
    effective = snapshot.get("effective_from")
    return CostSharingTermsSchema(exclude=("id", "recorded_at")).dump(
        {**snapshot, "effective_from": date.fromisoformat(effective) if effective else None})


class CostSharingRunSchema(Schema):
    """A run (``status`` draft, approved, superseded; ``preview`` when not saved) with its net
    cost, the host's net cost (zero when cost neutral), the terms it used and each member's
    contribution; ``compared_with_id`` names the run the differences are from (the one it
    supersedes, or the current one for a preview)."""

    id = fields.Integer(allow_none=True)
    financial_year = fields.String(attribute="label")
    kind = fields.String()
    status = fields.String()
    preview = fields.Boolean()
    net_cost_pence = Money(data_key="net_cost")
    host_net_cost_pence = Money(data_key="host_net_cost")
    contributions_pence = Money(data_key="contributions_total")
    supersedes_id = fields.Integer(allow_none=True)
    compared_with_id = fields.Integer(allow_none=True)
    budget_run_id = fields.Integer(allow_none=True)
    terms = fields.Function(lambda run: _run_terms(run.terms), metadata={"type": "object"})
    created_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    contributions = fields.List(fields.Nested(CostSharingContributionSchema))


class CostSharingWhatIfSchema(Schema):
    """Terms to change for a preview; those left out stay as in force."""

    fixed_percent_bp = Percent(data_key="fixed_percent")
    usage_measure = fields.String(allow_none=True, metadata={"enum": [*MEASURES, None]})
    usage_weights_bp = fields.Dict(data_key="usage_weights", keys=fields.String(),
                                   values=Percent(), allow_none=True)
    host_pays_share = fields.Boolean()
    participants = fields.List(fields.Integer(), allow_none=True)
    caps = fields.Dict(keys=fields.String(), values=Money())
    damping_percent_bp = Percent(data_key="damping_percent", allow_none=True)
    tolerance_bp = Percent(data_key="tolerance_points")
    include_off_framework = fields.Boolean()


class CostSharingRunInputSchema(Schema):
    kind = fields.String(load_default=None, metadata={"enum": ["budget", "outturn", None]})
    preview = fields.Boolean(load_default=False)
    terms = fields.Nested(CostSharingWhatIfSchema, load_default=None, allow_none=True)
    supersedes_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1))


@blp.get("/<financial_year>/runs")
@blp.response(200, CostSharingRunSchema(many=True))
@errors(403, 404, 422)
def runs(financial_year):
    """The year's runs, newest first (the host's administrators)."""
    return services.list_runs(current_user, financial_year)


@blp.post("/<financial_year>/runs")
@blp.arguments(CostSharingRunInputSchema)
@blp.response(201, CostSharingRunSchema)
@errors(404)
def create_run(data, financial_year):
    """Make a draft ``budget`` or ``outturn`` run from today's figures, or with ``preview`` see
    one without saving it (under other ``terms`` for a what-if), compared with the current run.
    ``supersedes_id`` names the approved run this recalculates. Refused (422) naming the field:
    bad terms, no costs entered, missing usage figures, caps that cannot cover the net cost."""
    terms = data.get("terms")
    if terms and "caps" in terms:
        from ..errors import ValidationFailed
        problems = {}
        terms = {**terms, "caps": _caps(terms["caps"], problems)}
        if problems:
            raise ValidationFailed(problems)
    return services.create_run(current_user, financial_year, data["kind"],
                               preview=data["preview"], terms=terms,
                               supersedes_id=data["supersedes_id"])


@blp.get("/runs/<id:run_id>")
@blp.response(200, CostSharingRunSchema)
@errors(403)
def run(run_id):
    """A run with each member's workings (the host's administrators)."""
    return services.get_run(current_user, run_id)


@blp.post("/runs/<id:run_id>/approve")
@blp.response(200, CostSharingRunSchema)
@errors(omit=(422,))
def approve_run(run_id):
    """Approve a draft run: it is frozen, and members can read their statements. Approving it
    again is a conflict (409)."""
    return services.approve_run(current_user, run_id)


@blp.post("/runs/<id:run_id>/recalculate")
@blp.response(201, CostSharingRunSchema)
@errors(422)
def recalculate_run(run_id):
    """A new draft run from today's figures that supersedes this approved run once approved,
    with the difference per member."""
    return services.recalculate_run(current_user, run_id)


def _region(summary):
    return {"costs": signed_pounds(summary["costs_pence"]),
            "income": signed_pounds(summary["income_pence"]),
            "days_in_year": summary["days_in_year"], "usage_totals": summary["usage_totals"],
            "terms": {k: v for k, v in _run_terms(summary["terms"]).items() if k != "caps"}}


class CostSharingStatementSchema(Schema):
    """A member's statement: its own contribution with workings, and the region totals (never
    another member's figures)."""

    run_id = fields.Integer()
    financial_year = fields.String(attribute="label")
    kind = fields.String()
    authority_id = fields.Integer()
    contribution = fields.Nested(CostSharingContributionSchema)
    net_cost_pence = Money(data_key="net_cost")
    contributions_pence = Money(data_key="contributions_total")
    host_net_cost_pence = Money(data_key="host_net_cost")
    participants = fields.Integer()
    totals = fields.Function(lambda s: _region(s.totals), data_key="region", metadata={
        "type": "object", "description": "The region's costs and income, each measure's total "
                                         "and the terms in force (no member's cap)."})
    approved_at = fields.DateTime(allow_none=True)


_BINARY = {"type": "string", "format": "binary"}
_DOWNLOADS = {"pdf": (downloads.PDF, downloads.statement_pdf),
              "xlsx": (downloads.XLSX, downloads.statement_xlsx)}


def _file(found, extension):
    mimetype, render = _DOWNLOADS[extension]
    return Response(render(found), mimetype=mimetype, headers={
        "Content-Disposition":
            f'attachment; filename="{downloads.filename(found, extension)}"'})


@blp.get("/runs/<id:run_id>/statements/<id:authority_id>")
@blp.response(200, CostSharingStatementSchema)
@errors(403)
def statement(run_id, authority_id):
    """The member's statement of an approved run: its managers read their own (another
    member's is 404); the host's administrators read any. JSON, or a PDF or XLSX workbook by
    the Accept header (or the ``.pdf`` / ``.xlsx`` suffix)."""
    found = services.statement(current_user, run_id, authority_id)
    wanted = request.accept_mimetypes.best_match(
        ["application/json", downloads.PDF, downloads.XLSX], default="application/json")
    for extension, (mimetype, _) in _DOWNLOADS.items():
        if wanted == mimetype and request.accept_mimetypes[mimetype] > (
                request.accept_mimetypes["application/json"]):
            return _file(found, extension)
    return found


@blp.get("/runs/<id:run_id>/statements/<id:authority_id>.pdf")
@blp.response(200, _BINARY, description="The statement as a PDF.", content_type=downloads.PDF)
@errors(403)
def statement_pdf(run_id, authority_id):
    """The member's statement as a PDF (as ``statement``)."""
    return _file(services.statement(current_user, run_id, authority_id), "pdf")


@blp.get("/runs/<id:run_id>/statements/<id:authority_id>.xlsx")
@blp.response(200, _BINARY, description="The statement as an XLSX workbook.",
              content_type=downloads.XLSX)
@errors(403)
def statement_xlsx(run_id, authority_id):
    """The member's statement as an XLSX workbook (as ``statement``)."""
    return _file(services.statement(current_user, run_id, authority_id), "xlsx")


# ---------------------------------------------------------------- invoices

class CostSharingInvoiceSchema(Schema):
    """An invoice: ``amount`` is the member's contribution (budget) or true-up (outturn; a
    negative amount is a credit); ``status`` raised, overdue (unpaid after ``due_on``) or
    paid."""

    id = fields.Integer()
    run_id = fields.Integer()
    authority_id = fields.Integer()
    reference = fields.String()
    amount_pence = Money(data_key="amount")
    raised_on = fields.Date()
    due_on = fields.Date()
    paid_on = fields.Date(allow_none=True)
    payment_reference = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["raised", "overdue", "paid"]})


class CostSharingRaiseSchema(Schema):
    raised_on = fields.Date(load_default=None)
    payment_days = fields.Integer(load_default=services.INVOICE_DAYS)


class CostSharingPaymentSchema(Schema):
    paid_on = fields.Date(load_default=None)
    payment_reference = fields.String(load_default=None, allow_none=True)


@blp.get("/runs/<id:run_id>/invoices")
@blp.response(200, CostSharingInvoiceSchema(many=True))
@errors(403)
def invoices(run_id):
    """The run's invoices with their status today (the host's administrators)."""
    return services.list_invoices(current_user, run_id)


@blp.post("/runs/<id:run_id>/invoices")
@blp.arguments(CostSharingRaiseSchema)
@blp.response(201, CostSharingInvoiceSchema(many=True))
def raise_invoices(data, run_id):
    """Raise each member's invoice for an approved run (once: again is 409), due
    ``payment_days`` after ``raised_on`` (today by default)."""
    return services.raise_invoices(current_user, run_id, data["raised_on"],
                                   data["payment_days"])


@blp.post("/invoices/<id:invoice_id>/payment")
@blp.arguments(CostSharingPaymentSchema)
@blp.response(200, CostSharingInvoiceSchema)
def record_payment(data, invoice_id):
    """Record an invoice as paid on ``paid_on`` with the payment's reference (once: again is
    409)."""
    return services.record_payment(current_user, invoice_id, data["paid_on"],
                                   data["payment_reference"])


@blp.get("/invoices")
@blp.response(200, CostSharingInvoiceSchema(many=True))
@errors(403)
def my_invoices():
    """Your authority's invoices with their status today (a member authority's managers)."""
    return services.my_invoices(current_user)
