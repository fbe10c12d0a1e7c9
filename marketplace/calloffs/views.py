"""Call-off pages: the officer's journey from draft to award, the provider's invitations and
offers, and both parties' placements.

The officer's pages are here; where the same address serves a provider (the list, the call-off,
its questions) the view hands over to ``provider_views``. Pages with several small forms (the
call-off, its questions, its evaluation) name each field's id after the form it belongs to, so
the error summary links to the right one; ``errors`` and ``values`` are keyed by those ids."""
from io import BytesIO

from flask import (Blueprint, Response, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required

import tenants

from ..accounts.models import Role
from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..money import decimal_pounds, display_pounds, format_pounds, parse_pounds
from ..providers import services as provider_services
from ..purchasing import services as purchasing
from ..specifications import services as specifications
from ..web.forms import show_errors
from . import models  # noqa: F401  (the tables exist for every app)
from . import services
from .forms import SERVICE_NAMES, CallOffForm, DelegationLimitForm, PublishForm
from .models import AwardStatus, CallOffStatus, Route

bp = Blueprint("calloffs", __name__)

PER_PAGE = 25


@bp.before_request
@login_required
def _require_sign_in():
    pass


def _score(value):
    return "" if value is None else f"{float(value):.2f}"


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds, "score": _score}


def _error_list(errors):
    return [{"text": message, "href": f"#{name}"} for name, message in errors.items()]


def _sentence(error):
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _is_manager():
    return current_user.role == Role.AUTHORITY_MANAGER


# ---------------------------------------------------------------- the list

@bp.get("/call-offs")
def call_offs():
    if services.is_provider(current_user):
        return provider_views.provider_call_offs()
    page_number = request.args.get("page", default=1, type=int)
    status = request.args.get("status") or None
    errors = {}
    try:
        found = services.call_off_list(current_user, page_number, PER_PAGE, status=status)
    except ValidationFailed as error:
        errors = {"status": error.errors["status"]}
        status = None
        found = services.call_off_list(current_user, page_number, PER_PAGE)
    return render_template("calloffs/officer_call_offs.html", page=found.page,
                           counts=found.responses, status=status, statuses=list(CallOffStatus),
                           errors=errors, error_list=_error_list(errors), now=tenants.utcnow())


# ---------------------------------------------------------------- the draft

def _call_off_form(**kwargs):
    return CallOffForm(
        lots=purchasing.list_lots(),
        schedules=specifications.list_local_schedules(current_user, include_archived=False),
        providers=provider_services.list_providers(current_user), **kwargs)


@bp.route("/call-offs/new", methods=["GET", "POST"])
def new_call_off():
    if not services.is_buyer(current_user):
        raise PermissionDenied("only an authority's placement officers and managers do this")
    form = _call_off_form(data={"route": Route.COMPETITION.value, "quality_weight": "60",
                                "price_weight": "40"})
    if form.validate_on_submit():
        try:
            call_off = services.create_call_off(current_user, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error, SERVICE_NAMES)
        else:
            flash(f"Draft {call_off.reference} saved. Check who will be invited, then publish.",
                  "success")
            return redirect(url_for("calloffs.call_off", call_off_id=call_off.id))
    return render_template("calloffs/officer_form.html", form=form,
                           call_off=None), (422 if form.errors else 200)


@bp.route("/call-offs/<id:call_off_id>/edit", methods=["GET", "POST"])
def edit_call_off(call_off_id):
    call_off = services.get_call_off(current_user, call_off_id)
    if services.is_provider(current_user) or call_off.status != CallOffStatus.DRAFT:
        return redirect(url_for("calloffs.call_off", call_off_id=call_off_id))
    form = _call_off_form(data=CallOffForm.data_for(services.editable_values(call_off)))
    if form.validate_on_submit():
        try:
            services.update_call_off(current_user, call_off_id, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error, SERVICE_NAMES)
        except Conflict as error:
            flash(_sentence(error), "error")
            return redirect(url_for("calloffs.call_off", call_off_id=call_off_id))
        else:
            flash("Draft saved.", "success")
            return redirect(url_for("calloffs.call_off", call_off_id=call_off_id))
    return render_template("calloffs/officer_form.html", form=form,
                           call_off=call_off), (422 if form.errors else 200)


# ---------------------------------------------------------------- the call-off

def _render_call_off(call_off_id, errors=None, values=None, publish_form=None, status=200):
    overview = services.call_off_overview(current_user, call_off_id)
    call_off = overview.call_off
    errors = errors or {}
    if publish_form is not None:
        # A date's error links to its day box, the first of its inputs.
        errors.update({field.id + ("-day" if field.type == "GovDateField" else ""):
                       field.errors[0] for field in publish_form if field.errors})
    return render_template(
        "calloffs/officer_call_off.html", call_off=call_off, people=overview.invitees,
        responses=overview.responses, status_now=overview.status, sealed=overview.sealed,
        now=tenants.utcnow(), schedule=overview.schedule, errors=errors,
        error_list=_error_list(errors), values=values or {},
        publish_form=publish_form or PublishForm(prefix="publish",
                                                 data=PublishForm.data_for(call_off)),
        vacancies_url=url_for("providers.vacancies", need_code=call_off.primary_need,
                              placement_type=call_off.placement_type.value)), status


@bp.get("/call-offs/<id:call_off_id>")
def call_off(call_off_id):
    if services.is_provider(current_user):
        return provider_views.provider_call_off(call_off_id)
    return _render_call_off(call_off_id)


def _back_to(call_off_id, anchor=""):
    return redirect(url_for("calloffs.call_off", call_off_id=call_off_id) + anchor)


@bp.post("/call-offs/<id:call_off_id>/exclusions")
def exclude_provider(call_off_id):
    provider_id = request.form.get("provider_id", type=int)
    reason = request.form.get("reason", "")
    field = f"reason-{provider_id}"
    try:
        services.exclude_provider(current_user, call_off_id, provider_id, reason)
    except ValidationFailed as error:
        errors = {(field if name == "reason" else "invitees"): message
                  for name, message in error.errors.items()}
        return _render_call_off(call_off_id, errors, {field: reason}, status=422)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash("The provider has been removed from the invitation list.", "success")
    return _back_to(call_off_id, "#invitees")


@bp.post("/call-offs/<id:call_off_id>/exclusions/<id:provider_id>/restore")
def restore_provider(call_off_id, provider_id):
    try:
        services.restore_provider(current_user, call_off_id, provider_id)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash("The provider is back on the invitation list.", "success")
    return _back_to(call_off_id, "#invitees")


@bp.post("/call-offs/<id:call_off_id>/publish")
def publish_call_off(call_off_id):
    form = PublishForm(prefix="publish")
    if form.validate_on_submit():
        try:
            published = services.publish_call_off(current_user, call_off_id,
                                                   **form.service_fields())
        except ValidationFailed as error:
            known = {"response_deadline": "deadline_date", "urgent_reason": "urgent_reason"}
            show_errors(form, ValidationFailed(
                {k: v for k, v in error.errors.items() if k in known}), known)
            others = {"publish-problem-" + k: v for k, v in error.errors.items()
                      if k not in known}
            # A draft field the clock or the market has made wrong: fixed on the edit page.
            return _render_call_off(call_off_id, others, publish_form=form, status=422)
        except Conflict as error:
            flash(_sentence(error), "error")
            return _back_to(call_off_id)
        flash(f"{published.reference} is published; invited providers have been told.",
              "success")
        return _back_to(call_off_id)
    return _render_call_off(call_off_id, publish_form=form, status=422)


def _close(call_off_id, action, field):
    reason = request.form.get("reason", "")
    try:
        action(current_user, call_off_id, reason)
    except ValidationFailed as error:
        return _render_call_off(call_off_id, {field: error.errors.get("reason", str(error))},
                                {field: reason}, status=422)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash("The call-off is closed; invited providers have been told.", "success")
    return _back_to(call_off_id)


@bp.post("/call-offs/<id:call_off_id>/cancel")
def cancel_call_off(call_off_id):
    return _close(call_off_id, services.cancel_call_off, "cancel-reason")


@bp.post("/call-offs/<id:call_off_id>/no-suitable-offer")
def no_suitable_offer(call_off_id):
    return _close(call_off_id, services.record_no_suitable_offer, "no-suitable-reason")


# ---------------------------------------------------------------- questions

def _render_questions(call_off_id, errors=None, values=None, status=200):
    view = services.questions(current_user, call_off_id)
    errors = errors or {}
    return render_template("calloffs/officer_questions.html", view=view, call_off=view.call_off,
                           status_now=view.call_off.status_at(tenants.utcnow()),
                           errors=errors, error_list=_error_list(errors),
                           values=values or {}), status


@bp.get("/call-offs/<id:call_off_id>/questions")
def questions(call_off_id):
    if services.is_provider(current_user):
        return provider_views.provider_questions(call_off_id)
    return _render_questions(call_off_id)


@bp.post("/call-offs/<id:call_off_id>/questions/<id:clarification_id>/answer")
def answer_question(call_off_id, clarification_id):
    answer = request.form.get("answer", "")
    field = f"answer-{clarification_id}"
    try:
        services.answer_question(current_user, call_off_id, clarification_id, answer)
    except ValidationFailed as error:
        return _render_questions(call_off_id, {field: error.errors.get("answer", str(error))},
                                 {field: answer}, status=422)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash("Your answer is published to every invited provider, without the asker's name.",
              "success")
    return redirect(url_for("calloffs.questions", call_off_id=call_off_id))


# ---------------------------------------------------------------- evaluation and award

def _render_sealed(call_off_id, error):
    overview = services.call_off_overview(current_user, call_off_id)
    return render_template("calloffs/officer_sealed.html", call_off=overview.call_off,
                           opens_at=error.opens_at, responses=overview.responses), 409


def _render_evaluation(call_off_id, errors=None, values=None, status=200):
    try:
        table = services.evaluation(current_user, call_off_id)
    except services.Sealed as error:
        return _render_sealed(call_off_id, error)
    errors = errors or {}
    return render_template("calloffs/officer_evaluation.html", table=table,
                           call_off=table.call_off, errors=errors,
                           error_list=_error_list(errors), values=values or {},
                           is_manager=_is_manager(), AwardStatus=AwardStatus,
                           CallOffStatus=CallOffStatus), status


@bp.get("/call-offs/<id:call_off_id>/evaluation")
def evaluation(call_off_id):
    return _render_evaluation(call_off_id)


def _to_evaluation(call_off_id, anchor=""):
    return redirect(url_for("calloffs.evaluation", call_off_id=call_off_id) + anchor)


@bp.post("/call-offs/<id:call_off_id>/evaluation/<id:offer_id>")
def mark_offer(call_off_id, offer_id):
    mark, notes = request.form.get("mark", ""), request.form.get("notes", "")
    try:
        services.record_quality_mark(current_user, call_off_id, offer_id, mark=mark,
                                     notes=notes)
    except services.Sealed:
        return _render_evaluation(call_off_id)
    except ValidationFailed as error:
        return _render_evaluation(
            call_off_id, {f"{name}-{offer_id}": message
                          for name, message in error.errors.items()},
            {f"mark-{offer_id}": mark, f"notes-{offer_id}": notes}, status=422)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash("Quality mark saved.", "success")
    return _to_evaluation(call_off_id, f"#offer-{offer_id}")


@bp.post("/call-offs/<id:call_off_id>/award")
def award_call_off(call_off_id):
    offer_id = request.form.get("offer_id", type=int)
    justification = request.form.get("justification", "")
    try:
        record = services.award(current_user, call_off_id, offer_id,
                                justification=justification)
    except services.Sealed:
        return _render_evaluation(call_off_id)
    except ValidationFailed as error:
        return _render_evaluation(call_off_id, dict(error.errors),
                                  {"offer_id": offer_id, "justification": justification},
                                  status=422)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash(f"Awarded to {record.provider.name}; the provider has been told."
              if record.status == AwardStatus.AWARDED else
              "The award's whole-life value is above your authority's delegation limit: it now "
              "waits for a manager's approval.", "success")
    return _to_evaluation(call_off_id, "#award")


def _award_action(award_id, action, field, done):
    record = services.get_award(current_user, award_id)
    text = request.form.get("reason", "")
    try:
        action(current_user, award_id, text)
    except ValidationFailed as error:
        return _render_evaluation(record.call_off_id,
                                  {field: next(iter(error.errors.values()))}, {field: text},
                                  status=422)
    except Conflict as error:
        flash(_sentence(error), "error")
    else:
        flash(done, "success")
    return _to_evaluation(record.call_off_id, "#award")


@bp.post("/awards/<id:award_id>/approve")
def approve_award(award_id):
    return _award_action(award_id, services.approve_award, "approve-note",
                         "Award approved and made; the provider has been told.")


@bp.post("/awards/<id:award_id>/refuse")
def refuse_award(award_id):
    return _award_action(award_id, services.refuse_award, "refuse-note",
                         "Award not approved; the officer has been told.")


@bp.post("/awards/<id:award_id>/revoke")
def revoke_award(award_id):
    return _award_action(award_id, services.revoke_award, "revoke-reason",
                         "Award revoked. You can award the call-off again.")


_COLUMNS = ("Rank", "Provider", "Weekly total (£)", "Annual cost (£)", "Quality mark",
            "Quality notes", "Quality score", "Price score", "Total score", "Award")


def _workbook(table):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Evaluation"
    call_off = table.call_off
    sheet.append([f"{call_off.reference}: {call_off.placement_type.label}, case "
                  f"{call_off.case_reference}"])
    sheet.append([f"Quality weight {call_off.quality_weight}, price weight "
                  f"{call_off.price_weight}"])
    sheet.append([])
    sheet.append(list(_COLUMNS))
    for row in table.rows:
        offer = row.offer
        sheet.append([row.rank, offer.provider.name, decimal_pounds(offer.weekly_total_pence),
                      decimal_pounds(offer.annual_cost_pence), row.mark.mark if row.mark else None,
                      row.mark.notes if row.mark else "",
                      round(float(row.quality_score), 2) if row.quality_score is not None
                      else None,
                      round(float(row.price_score), 2) if row.price_score is not None else None,
                      round(float(row.total), 2) if row.total is not None else None,
                      row.award.status.label if row.award else ""])
    if table.not_offered:
        sheet.append([])
        sheet.append(["Not offering", "Provider", "Reason"])
        for offer in table.not_offered:
            sheet.append(["Withdrawn" if offer.withdrawn else "Declined", offer.provider.name,
                          "" if offer.withdrawn else offer.decline_reason])
    # Text that others typed (a decline reason, notes) must never become a formula.
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@bp.get("/call-offs/<id:call_off_id>/evaluation.xlsx")
def evaluation_xlsx(call_off_id):
    try:
        table = services.evaluation(current_user, call_off_id)
    except services.Sealed as error:
        return _render_sealed(call_off_id, error)
    return Response(_workbook(table), mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="evaluation-'
                                               f'{table.call_off.reference}.xlsx"'})


# ---------------------------------------------------------------- delegation limit

@bp.route("/delegation-limit", methods=["GET", "POST"])
def delegation_limit():
    limit = services.get_delegation_limit(current_user)
    form = DelegationLimitForm(data={"whole_life_limit": format_pounds(limit.annual_limit_pence)}
                               if limit else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            pence = parse_pounds(form.whole_life_limit.data)
        except ValueError:
            form.whole_life_limit.errors = ["Enter the whole-life limit in pounds, for example 120000"]
        else:
            try:
                services.set_delegation_limit(current_user, pence)
            except ValidationFailed as error:
                show_errors(form, error, {"annual_limit_pence": "whole_life_limit"})
            else:
                flash("Delegation limit saved.", "success")
                return redirect(url_for("calloffs.delegation_limit"))
    return render_template("calloffs/officer_delegation_limit.html", limit=limit, form=form,
                           is_manager=_is_manager()), (422 if form.errors else 200)


from . import provider_views  # noqa: E402,F401  (registers the provider's routes)
