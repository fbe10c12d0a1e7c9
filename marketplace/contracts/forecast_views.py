"""A block contract's value forecast page and its spreadsheet (issue 13 §3, §6), for whoever
reads the contract (its authority's buyers, its supplier's users; a 404 for everyone else)."""
import re

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from ..money import display_pounds
from ..placements.forecasts import percent_text
from . import forecasting

bp = Blueprint("contract_forecasts", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds, "percent": percent_text}


@bp.get("/contracts/<id:contract_id>/forecast")
def forecast(contract_id):
    result = forecasting.contract_forecast(current_user, contract_id)
    return render_template("contracts/forecast.html", forecast=result,
                           contract=result.contract)


@bp.get("/contracts/<id:contract_id>/forecast.xlsx")
def forecast_xlsx(contract_id):
    result = forecasting.contract_forecast(current_user, contract_id)
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", result.contract.reference)
    name = f"contract-forecast-{reference}.xlsx"
    return Response(forecasting.xlsx_bytes(result),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
