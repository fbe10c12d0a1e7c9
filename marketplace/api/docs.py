"""A readable, GOV.UK-styled page of the API, generated from the OpenAPI document."""
from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def docs():
    spec = current_app.extensions["api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec)
