"""Forecasts in the API (issue 12 §10): an authority's committed placement spend by financial or
academic year, for its placement officers and managers; providers and the host's other roles
get 403."""
from flask_login import current_user
from marshmallow import Schema, fields

from ..api import api_blueprint, errors
from ..api.fields import Pounds
from . import forecasts

blp = api_blueprint("api_forecasts", __name__,
                    description="Forecasts: your authority's committed placement spend by "
                                "financial year (1 April to 31 March) or academic year "
                                "(1 September to 31 August).")

_ESTIMATED = ("True when any of it is estimated: a term-time year costed from the chargeable "
              "school days for want of a term calendar, or an index-linked uplift projected at "
              "the assumed rate.")


class ForecastQuerySchema(Schema):
    financial_year = fields.String(load_default=None, metadata={
        "description": 'A financial year, e.g. "2026-27" (1 April 2026 to 31 March 2027). '
                       "Give this or academic_year.", "example": "2026-27"})
    academic_year = fields.String(load_default=None, metadata={
        "description": 'An academic year, e.g. "2026-27" (1 September 2026 to 31 August '
                       "2027). Give this or financial_year.", "example": "2026-27"})


class TypeShareSchema(Schema):
    key = fields.String(data_key="type", dump_only=True, metadata={
        "enum": ["day", "residential_38", "residential_52"]})
    name = fields.String(dump_only=True)
    total_pence = Pounds(data_key="total", dump_only=True)
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})


class ProviderShareSchema(Schema):
    name = fields.String(dump_only=True, metadata={
        "description": "The registered provider's name, or the provider named on an "
                       "off-framework placement."})
    provider_id = fields.Function(
        lambda share: share.key.split(":", 1)[1] if share.key.startswith("provider:") else None,
        dump_only=True, metadata={"type": "string", "nullable": True,
                                  "description": "null for a provider not registered here."})
    total_pence = Pounds(data_key="total", dump_only=True)
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})


class FunderShareSchema(Schema):
    key = fields.String(data_key="funder", dump_only=True, metadata={
        "enum": ["education", "social_care", "health"]})
    name = fields.String(dump_only=True)
    total_pence = Pounds(data_key="total", dump_only=True)
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})


_LARGE = 10 ** 15  # serialising only: any year's total


class SpendLineSchema(Schema):
    id = fields.Function(lambda line: str(line.id), dump_only=True, metadata={"type": "string"})
    reference = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    supplier = fields.String(dump_only=True)
    total_pence = Pounds(data_key="total", dump_only=True, maximum=_LARGE, metadata={
        "description": "Its committed value in the year."})
    actual_pence = Pounds(data_key="actual_to_date", dump_only=True, maximum=_LARGE)
    estimated = fields.Boolean(dump_only=True)


class OtherSpendSchema(Schema):
    total_pence = Pounds(data_key="total", dump_only=True, maximum=_LARGE)
    actual_pence = Pounds(data_key="actual_to_date", dump_only=True, maximum=_LARGE)
    estimated = fields.Boolean(dump_only=True)
    lines = fields.List(fields.Nested(SpendLineSchema), data_key="contracts", dump_only=True)


class ForecastSchema(Schema):
    """The forecast. Money is pounds with two places. ``by_type`` and ``by_provider`` are lists
    sorted by total, largest first (then by name); ``by_funder`` always lists education,
    social_care and health in that order, and its totals add up to ``total`` exactly (each
    placement's cost is shared by its funding percentages to the penny, largest remainder
    first). ``on_framework`` + ``off_framework`` = ``total``."""

    financial_year = fields.Function(
        lambda f: f.label if f.kind == forecasts.FINANCIAL else None, dump_only=True,
        metadata={"type": "string", "nullable": True,
                  "description": "The financial year asked for (null for an academic year)."})
    academic_year = fields.Function(
        lambda f: f.label if f.kind == forecasts.ACADEMIC else None, dump_only=True,
        metadata={"type": "string", "nullable": True,
                  "description": "The academic year asked for (null for a financial year)."})
    first_day = fields.Date(data_key="from", dump_only=True)
    last_day = fields.Date(data_key="to", dump_only=True)
    total_pence = Pounds(data_key="total", dump_only=True, metadata={
        "description": "Committed spend over the year: placements planned, active or ended "
                       "charged in it, with known fee changes and projected uplifts."})
    actual_to_date_pence = Pounds(data_key="actual_to_date", dump_only=True, metadata={
        "description": "The cost from the year's first day to yesterday (UK time); the whole "
                       "year once it is past; 0 before it starts."})
    actual_to = fields.Date(dump_only=True, allow_none=True, metadata={
        "description": "The last day the actual to date counts (null before the year "
                       "starts)."})
    by_type = fields.List(fields.Nested(TypeShareSchema), dump_only=True)
    by_provider = fields.List(fields.Nested(ProviderShareSchema), dump_only=True)
    by_funder = fields.List(fields.Nested(FunderShareSchema), dump_only=True)
    on_framework_pence = Pounds(data_key="on_framework", dump_only=True)
    off_framework_pence = Pounds(data_key="off_framework", dump_only=True)
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})
    assumed_index_rate = fields.Function(
        lambda f: forecasts.percent_text(f.assumed_index_bp), dump_only=True, metadata={
            "type": "string", "example": "2.00",
            "description": "The yearly rate (percent) index-linked uplifts are projected at "
                           "where the index is not yet known: the authority's managers set "
                           "it; 2.00 unless they have."})
    placements = fields.Function(lambda f: len(f.placements), dump_only=True, metadata={
        "type": "integer", "description": "How many placements are counted."})
    hourly_excluded = fields.Integer(dump_only=True, metadata={
        "description": "Hourly placements in the year, charged as invoiced and not forecast."})
    block_contracts = fields.Nested(OtherSpendSchema, dump_only=True, metadata={
        "description": "The authority's block contracts in the year (issue 13 §4), their own "
                       "line beside the placements: each contract's committed value in the "
                       "year (its initial term and the extensions taken) and to date. Not in "
                       "total, by_type, by_provider, by_funder or the framework split, which "
                       "are the placements'."})
    all_committed_pence = Pounds(data_key="all_committed_total", dump_only=True,
                                 maximum=_LARGE, metadata={
                                     "description": "All committed spend in the year: total "
                                                    "(placements) plus the block contracts."})


class AssumedRateSchema(Schema):
    assumed_index_rate = fields.String(required=True, metadata={
        "description": "A percentage with up to two decimal places, -20 to 50.",
        "example": "2.50"})


@blp.get("/forecasts")
@blp.arguments(ForecastQuerySchema, location="query")
@blp.response(200, ForecastSchema)
@errors(403)
def forecast(query):
    """Your authority's committed spend over one financial or academic year (give exactly one
    of ``financial_year`` and ``academic_year``), from the one cost engine, with its splits and
    the actual to date."""
    return forecasts.forecast(current_user, financial_year=query.get("financial_year"),
                              academic_year=query.get("academic_year"))


@blp.put("/forecasts/assumed-index-rate")
@blp.arguments(AssumedRateSchema)
@blp.response(200, AssumedRateSchema)
def set_assumed_rate(data):
    """Set the rate your authority's forecasts project index-linked uplifts at where the index
    is not yet known: the authority's managers."""
    setting = forecasts.set_assumed_rate(current_user, data["assumed_index_rate"])
    return {"assumed_index_rate": forecasts.percent_text(setting.assumed_index_bp)}
