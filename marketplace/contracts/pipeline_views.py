"""Pages for the expiry pipeline, a contract's re-procurement plan and the register's downloads
(issue 13 §5–6), for an authority's placement officers and managers. Every rule is in
``pipeline`` (and its pure ``planner``) and ``exports``; these parse, call one, render."""
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..errors import ValidationFailed
from ..formatting import govuk_long_date, london_date
from ..money import display_pounds
from . import exports, pipeline, planner

bp = Blueprint("contract_pipeline", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TAG_COLOURS = {pipeline.NOT_PLANNED: "grey", pipeline.ON_TRACK: "green", pipeline.GAP: "yellow",
               pipeline.CANNOT_FIT: "red", pipeline.START_PASSED: "red"}


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds, "long_date": govuk_long_date,
            "tag_colours": TAG_COLOURS, "regimes": planner.REGIMES,
            "condition_labels": planner.CONDITIONS, "unit_labels": planner.UNIT_LABELS}


@bp.get("/contracts/pipeline")
def pipeline_page():
    rows = pipeline.expiry_pipeline(current_user)
    return render_template("contracts/pipeline.html", rows=rows,
                           months=pipeline.PIPELINE_MONTHS, today=london_date())


# ---------------------------------------------------------------- the plan form

def _date_from(form, name):
    """A GOV.UK date input's day, month and year as a date; as the text typed when it is blank
    or not a real date (the planner then names the field)."""
    parts = [form.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return "-".join(parts)


def _number(text):
    """A whole number as typed, else the text itself (the planner says what is wrong)."""
    text = (text or "").strip()
    try:
        return int(text)
    except ValueError:
        return text


def _posted_choices(form):
    """The plan's choices from the form. Only the chosen regime's step lengths are taken: the
    page shows one regime's steps, and a switch of regime keeps the steps the two share."""
    regime = form.get("regime", "")
    known = {s.key for s in planner.REGIMES[regime].steps} if regime in planner.REGIMES else set()
    lengths = {key[len("step."):]: _number(value) for key, value in form.items()
               if key.startswith("step.") and key[len("step."):] in known}
    chosen = set(form.getlist("conditions"))
    return {"regime": regime, "start_by": _date_from(form, "start_by"),
            "tupe": form.get("tupe") == "yes", "lengths": lengths,
            "conditions": {name: name in chosen for name in planner.CONDITIONS}}


def _error_list(errors):
    """The error summary's items, each linked to its field."""
    items = []
    for field, message in errors.items():
        if field == "start_by":
            href = "#start_by-day"
        elif field.startswith("step."):
            href = "#step-" + field[len("step."):]
        elif field.startswith("conditions"):
            href = "#conditions"
        else:
            href = "#" + field
        items.append({"text": message, "href": href})
    return items


def _plan_page(page, status=200):
    regime = planner.REGIMES.get(page.choices["regime"]) or planner.REGIMES[
        planner.DEFAULT_REGIME]
    return render_template(
        "contracts/plan.html", page=page, contract=page.contract, plan=page.plan,
        choices=page.choices, regime=regime, errors=page.errors,
        error_list=_error_list(page.errors), today=london_date(),
        example_start=pipeline.default_start_by(page.contract)), status


@bp.route("/contracts/<id:contract_id>/procurement-plan", methods=["GET", "POST"])
def procurement_plan(contract_id):
    if request.method == "GET":
        page = pipeline.plan_for(current_user, contract_id, strict=False)
        return _plan_page(page, 422 if page.errors else 200)
    choices = _posted_choices(request.form)
    try:
        pipeline.save_plan(current_user, contract_id, **choices)
    except ValidationFailed:
        page = pipeline.plan_for(current_user, contract_id, strict=False, **choices)
        return _plan_page(page, 422)
    flash("Re-procurement plan saved.", "success")
    return redirect(url_for("contract_pipeline.procurement_plan", contract_id=contract_id))


# ---------------------------------------------------------------- the register's downloads

def _download(render, extension, mimetype):
    name = f"contract-register-{london_date().isoformat()}.{extension}"
    return Response(render(current_user), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/contracts/register.csv")
def register_csv():
    return _download(exports.csv_bytes, "csv", "text/csv")


@bp.get("/contracts/register.xlsx")
def register_xlsx():
    return _download(exports.xlsx_bytes, "xlsx", XLSX)
