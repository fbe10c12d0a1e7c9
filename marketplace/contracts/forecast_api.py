"""A block contract's value forecast in the API (issue 13 §3, API): the totals, the contract
years over the maximum term and the financial years, for whoever reads the contract (its
authority's buyers and its supplier's users; 404 for everyone else). Shapes only: every figure
is ``contracts.forecasting``'s. Money is a decimal string in pounds ("6917234.82")."""
from flask_login import current_user
from marshmallow import Schema, fields

from ..api import api_blueprint
from ..api.fields import Pounds
from ..placements.schemas import uplift_rule_json
from . import forecasting

blp = api_blueprint("api_contract_forecasts", __name__,
                    description="Block contracts' value forecasts: by contract year and by "
                                "financial year (1 April to 31 March), committed, initial term "
                                "and with all extensions.")

_MAXIMUM = 10 ** 15  # serialising only: any total a contract can reach
_ESTIMATED = ("True when it includes an index-linked uplift projected at the assumed rate "
              "because the index value is not yet published.")


class YearSchema(Schema):
    first = fields.Date(data_key="from", dump_only=True)
    last = fields.Date(data_key="to", dump_only=True)
    value_pence = Pounds(data_key="value", dump_only=True, maximum=_MAXIMUM)
    term = fields.Function(lambda row: row.period.term.replace(" ", "_"), dump_only=True,
                           metadata={"type": "string", "example": "extension_1",
                                     "description": '"initial", or "extension_n" for the nth '
                                                    "extension option."})
    committed = fields.Boolean(dump_only=True, metadata={
        "description": "The initial term, or an extension taken."})
    contract_year = fields.Integer(dump_only=True, metadata={
        "description": "The contract year, from 1 (a year an extension begins inside is split "
                       "there)."})
    full_year = fields.Boolean(dump_only=True, metadata={
        "description": "False for a part year (e.g. a 17-month term's second year)."})
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})


class FinancialYearSchema(Schema):
    label = fields.String(data_key="financial_year", dump_only=True,
                          metadata={"example": "2026-27"})
    first = fields.Date(data_key="from", dump_only=True)
    last = fields.Date(data_key="to", dump_only=True)
    value_pence = Pounds(data_key="value", dump_only=True, maximum=_MAXIMUM, metadata={
        "description": "With every extension option taken."})
    initial_term_pence = Pounds(data_key="initial_term_value", dump_only=True,
                                maximum=_MAXIMUM)
    committed_pence = Pounds(data_key="committed_value", dump_only=True, maximum=_MAXIMUM,
                             metadata={"description": "The initial term and the extensions "
                                                      "taken (to its termination, if any)."})
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})


class ContractForecastSchema(Schema):
    """A contract's value forecast (issue 13 §3). The years and the financial years each add up
    to the totals exactly: the value accrues by day and is rounded only as running totals."""
    contract_id = fields.Function(lambda f: str(f.contract.id), dump_only=True,
                                  metadata={"type": "string"})
    committed_pence = Pounds(data_key="committed_total", dump_only=True, maximum=_MAXIMUM,
                             metadata={"description": "The initial term and the extensions "
                                                      "taken so far; a terminated contract's "
                                                      "to its termination."})
    initial_term_pence = Pounds(data_key="initial_term_total", dump_only=True,
                                maximum=_MAXIMUM)
    with_all_extensions_pence = Pounds(data_key="with_all_extensions_total", dump_only=True,
                                       maximum=_MAXIMUM, metadata={
                                           "description": "Every extension option taken."})
    years = fields.List(fields.Nested(YearSchema), dump_only=True)
    financial_years = fields.List(fields.Nested(FinancialYearSchema),
                                  data_key="by_financial_year", dump_only=True)
    uplift_rule = fields.Function(lambda f: uplift_rule_json(f.contract), dump_only=True,
                                  metadata={"type": "object",
                                            "description": "As the placements' uplift rule."})
    uplift_rule_text = fields.String(attribute="uplift_rule", dump_only=True)
    uplift_convention = fields.String(dump_only=True, metadata={
        "enum": ["from_first_anniversary", "from_year_one"]})
    convention_text = fields.String(data_key="convention", dump_only=True)
    estimated = fields.Boolean(dump_only=True, metadata={"description": _ESTIMATED})
    assumed_index_rate = fields.Function(
        lambda f: forecasting.percent_text(f.assumed_index_bp), dump_only=True,
        metadata={"type": "string", "example": "2.00"})


@blp.get("/contracts/<id:contract_id>/forecast")
@blp.response(200, ContractForecastSchema)
def forecast(contract_id):
    """The contract's value forecast: its contract years over the maximum term (each with its
    term and whether committed), by financial year, and the committed, initial-term and
    all-extensions totals."""
    return forecasting.contract_forecast(current_user, contract_id)
