"""The provider's side of call-offs: invitations, questions, offers and awards. Routes are
registered on the call-offs blueprint (``views.bp``).

``provider_call_offs``, ``provider_call_off`` and ``provider_questions`` are not routes: the
call-off pages in ``views`` hand over to them when the signed-in user is a provider's."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import tenants

from ..accounts.forms import ConfirmForm
from ..errors import Conflict, ValidationFailed
from ..web.forms import show_errors
from . import services
from .models import AwardStatus
from .provider_forms import AwardDeclineForm, OfferForm, QuestionForm
from .views import bp

PER_PAGE = 25
# Templates use ``pounds`` from the blueprint's context processor in ``views``.


# ---------------------------------------------------------------- what the provider sees

def provider_call_offs():
    """The provider's invitations (for ``GET /call-offs``)."""
    page = request.args.get("page", default=1, type=int)
    return render_template("calloffs/provider_call_offs.html",
                           page=services.provider_invitations(current_user, page, PER_PAGE))


def provider_call_off(call_off_id):
    """One call-off as the invited provider sees it (for ``GET /call-offs/<id>``)."""
    found = services.provider_call_off(current_user, call_off_id)
    row = found.row
    return render_template(
        "calloffs/provider_call_off.html", call_off=row.call_off, view=found.questions,
        offer=row.offer, award=row.award, status=(row.status_label, row.status_colour),
        response=row.response, before_deadline=found.open_for_offers,
        questions_url=_questions_url(call_off_id), action_form=ConfirmForm())


def provider_questions(call_off_id, form=None, status=200):
    """The provider's own questions and every published answer (for
    ``GET /call-offs/<id>/questions``), with the form to ask while questions are open."""
    view = services.questions(current_user, call_off_id)
    return render_template("calloffs/provider_questions.html", view=view,
                           call_off=view.call_off, form=form or QuestionForm()), status


def _questions_url(call_off_id):
    return url_for("calloffs.questions", call_off_id=call_off_id)


# ---------------------------------------------------------------- questions

@bp.post("/call-offs/<id:call_off_id>/questions/ask")
def ask_question(call_off_id):
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.ask_question(current_user, call_off_id, form.question.data)
        except ValidationFailed as error:
            show_errors(form, error)
        except Conflict as error:
            flash(f"Your question was not sent: {error}.", "error")
            return redirect(_questions_url(call_off_id))
        else:
            flash("Your question has been sent to the authority. Its answer will be published "
                  "to every invited provider.", "success")
            return redirect(_questions_url(call_off_id))
    return provider_questions(call_off_id, form)


# ---------------------------------------------------------------- the offer

def _render_offer(page, form, refused=None, status=200):
    return render_template(
        "calloffs/provider_offer.html", call_off=page.call_off, offer=page.offer, form=form,
        open_for_offers=page.open_for_offers, refused=refused, weeks=page.chargeable_weeks,
        action_form=ConfirmForm()), status


@bp.route("/call-offs/<id:call_off_id>/offer", methods=["GET", "POST"])
def offer(call_off_id):
    """Make, revise or (after the deadline) read the provider's response."""
    page = services.offer_page(current_user, call_off_id)
    form = OfferForm(data=OfferForm.data_for(page.offer))
    if request.method != "POST":
        return _render_offer(page, form)
    # Past the deadline the service refuses whatever was typed, and says why; before it, the
    # form's own errors come first.
    if not form.validate_on_submit() and ("csrf_token" in form.errors or page.open_for_offers):
        return _render_offer(page, form)
    try:
        saved = services.submit_offer(current_user, call_off_id, **form.service_fields())
    except ValidationFailed as error:
        show_errors(form, error, OfferForm.service_names)
        return _render_offer(page, form)
    except Conflict as error:
        return _render_offer(page, OfferForm(formdata=None), refused=str(error), status=409)
    flash("Your offer has been saved. You can change or withdraw it until the deadline."
          if saved.can_meet_need else
          "Your response has been saved: you have told the authority you cannot offer a "
          "place.", "success")
    return redirect(url_for("calloffs.offer", call_off_id=call_off_id))


@bp.post("/offers/<id:offer_id>/withdraw")
def withdraw_offer(offer_id):
    """Withdraw the provider's response, once it has confirmed on the page this shows first."""
    offer = services.get_offer(current_user, offer_id)
    form = ConfirmForm()
    if request.form.get("confirm") != "yes" or not form.validate_on_submit():
        return render_template("calloffs/provider_withdraw.html", offer=offer,
                               call_off=offer.call_off, action_form=form)
    try:
        services.withdraw_offer(current_user, offer_id)
    except Conflict as error:
        flash(f"Your offer was not withdrawn: {error}.", "error")
    else:
        flash("Your offer has been withdrawn. You can make a new one until the deadline.",
              "success")
    return redirect(url_for("calloffs.offer", call_off_id=offer.call_off_id))


# ---------------------------------------------------------------- the award

@bp.get("/awards/<id:award_id>")
def award(award_id):
    record = services.get_award(current_user, award_id)
    if services.is_buyer(current_user):
        return redirect(url_for("calloffs.evaluation", call_off_id=record.call_off_id))
    return _render_award(record)


def _render_award(record, decline_form=None):
    offer = services.get_own_offer(current_user, record.call_off_id)
    return render_template("calloffs/award.html", award=record, call_off=record.call_off,
                           offer=offer, accept_form=ConfirmForm(),
                           form=decline_form or AwardDeclineForm(), now=tenants.utcnow(),
                           open_to_response=record.status == AwardStatus.AWARDED)


@bp.post("/awards/<id:award_id>/accept")
def accept_award(award_id):
    services.get_award(current_user, award_id)
    if ConfirmForm().validate_on_submit():
        try:
            placement = services.accept_award(current_user, award_id)
        except Conflict as error:
            flash(f"The award was not accepted: {error}.", "error")
        else:
            flash(f"You have accepted the award. Placement {placement.reference} is agreed: "
                  "the Individual Placement Agreement is ready.", "success")
            return redirect(url_for("placements.placement", placement_id=placement.id))
    return redirect(url_for("calloffs.award", award_id=award_id))


@bp.post("/awards/<id:award_id>/decline")
def decline_award(award_id):
    record = services.get_award(current_user, award_id)
    form = AwardDeclineForm()
    if form.validate_on_submit():
        try:
            services.decline_award(current_user, award_id, form.reason.data)
        except ValidationFailed as error:
            show_errors(form, error)
        except Conflict as error:
            flash(f"The award was not declined: {error}.", "error")
            return redirect(url_for("calloffs.award", award_id=award_id))
        else:
            flash("You have declined the award; the authority has been told.", "success")
            return redirect(url_for("calloffs.award", award_id=award_id))
    return _render_award(record, form)
