from io import BytesIO

from flask import (Blueprint, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user, login_required

from ..accounts.forms import ConfirmForm
from ..errors import Conflict, ValidationFailed
from ..extensions import limiter, sign_in_limit
from ..web.forms import show_errors
from . import services
from .forms import (DocumentForm, FilterForm, ProfileForm, RegistrationForm, VacancyForm,
                    VacancyFilterForm, rate_card_form)

VACANCIES_PER_PAGE = 25

bp = Blueprint("providers", __name__, url_prefix="/providers")
# Public: a provider organisation registers itself and its first user.
registration = Blueprint("provider_registration", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass



_REGISTRATION_FIELDS = ("name", "companies_house_number", "charity_number", "dfe_urn",
                        "ofsted_urn", "address_line_1", "address_line_2", "town", "postcode",
                        "full_name", "email")


@registration.route("/register", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            provider, _token = services.register_provider(
                **{name: form[name].data for name in _REGISTRATION_FIELDS},
                remote_addr=request.remote_addr)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            return render_template("providers/registered.html", provider=provider,
                                   email=form.email.data)
    return render_template("providers/register.html", form=form)


def _filters():
    form = FilterForm(request.args)
    return form, {"need_code": request.args.get("need_code") or None,
                  "placement_type": request.args.get("placement_type") or None}


@bp.get("")
def directory():
    form, filters = _filters()
    try:
        providers = services.list_providers(current_user, **filters)
    except ValidationFailed as error:
        show_errors(form, error)
        providers = []
    return render_template("providers/directory.html", providers=providers, filter_form=form,
                           today=services.london_date())


@bp.get("/vacancies")
def vacancies():
    form = VacancyFilterForm(request.args)
    filters = {name: request.args.get(name) or None
               for name in ("need_code", "placement_type", "age")}
    page_number = request.args.get("page", default=1, type=int)
    try:
        found = services.page_of_vacancies(current_user, page_number, VACANCIES_PER_PAGE,
                                           **filters)
    except ValidationFailed as error:
        show_errors(form, error)
        found = None
    return render_template("providers/vacancies.html", page=found, filter_form=form,
                           filters={k: v for k, v in filters.items() if v},
                           today=services.london_date())


@bp.get("/yours")
def own_profile():
    return redirect(url_for("providers.provider", provider_id=current_user.organisation_id))


@bp.get("/<id:provider_id>")
def provider(provider_id):
    provider = services.get_provider(current_user, provider_id)
    return render_template("providers/profile.html", provider=provider,
                           today=services.london_date(),
                           can_change=services.can_change(current_user, provider),
                           can_read_documents=services.can_read_documents(current_user, provider))


_PROFILE_FIELDS = services.PROFILE_FIELDS


@bp.route("/<id:provider_id>/edit", methods=["GET", "POST"])
def edit_profile(provider_id):
    provider = services.get_own_provider(current_user, provider_id)
    form = ProfileForm(obj=provider)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, provider_id,
                                    **{name: form[name].data for name in _PROFILE_FIELDS})
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Your organisation's profile has been saved.", "success")
            return redirect(url_for("providers.provider", provider_id=provider_id))
    return render_template("providers/edit_profile.html", provider=provider, form=form)


@bp.get("/<id:provider_id>/documents")
def documents(provider_id):
    found = services.list_documents(current_user, provider_id)
    return render_template("providers/documents.html", found=found, provider=found.provider,
                           can_change=services.can_change(current_user, found.provider),
                           today=services.london_date())


@bp.route("/<id:provider_id>/documents/new", methods=["GET", "POST"])
def new_document(provider_id):
    provider = services.get_own_provider(current_user, provider_id)
    form = DocumentForm(data={"kind": request.args.get("kind")})
    if form.validate_on_submit():
        upload = form.file.data
        try:
            services.upload_document(
                current_user, provider_id, kind=form.kind.data, title=form.title.data,
                expires_on=form.expires_on.data,
                filename=upload.filename if upload else None,
                content=upload.stream.read(services.MAX_DOCUMENT_BYTES + 1) if upload else None)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("The document has been uploaded.", "success")
            return redirect(url_for("providers.documents", provider_id=provider_id))
    return render_template("providers/new_document.html", provider=provider, form=form)


@bp.get("/<id:provider_id>/documents/<id:document_id>")
def download_document(provider_id, document_id):
    document, content = services.document_content(current_user, provider_id, document_id)
    return send_file(BytesIO(content), mimetype=document.content_type, as_attachment=True,
                     download_name=document.filename)


@bp.get("/<id:provider_id>/rate-card")
def rate_card(provider_id):
    card = services.get_rate_card(current_user, provider_id)
    return render_template("providers/rate_card.html", card=card, provider=card.provider,
                           can_change=services.can_change(current_user, card.provider))


@bp.route("/<id:provider_id>/rate-card/edit", methods=["GET", "POST"])
def edit_rate_card(provider_id):
    provider = services.get_own_provider(current_user, provider_id)
    card = services.get_rate_card(current_user, provider_id)
    types = provider.placement_types
    form = rate_card_form(types, {t: services.format_pounds(e.weekly_fee_pence)
                                  for t, e in card.current.items()})
    if types and form.validate_on_submit():
        try:
            services.set_rates(current_user, provider_id,
                               {t.value: form[f"fee_{t.value}"].data for t in types})
        except ValidationFailed as error:
            show_errors(form, error, {f"fees.{t.value}": f"fee_{t.value}" for t in types})
        else:
            flash("Your fees have been saved.", "success")
            return redirect(url_for("providers.rate_card", provider_id=provider_id))
    return render_template("providers/edit_rate_card.html", provider=provider, form=form,
                           types=types)


@bp.get("/<id:provider_id>/vacancies")
def provider_vacancies(provider_id):
    provider = services.get_provider(current_user, provider_id)
    return render_template("providers/provider_vacancies.html", provider=provider,
                           vacancies=services.list_provider_vacancies(current_user, provider_id),
                           can_change=services.can_change(current_user, provider))


_VACANCY_FIELDS = services.VACANCY_FIELDS


@bp.route("/<id:provider_id>/vacancies/new", methods=["GET", "POST"])
def new_vacancy(provider_id):
    provider = services.get_own_provider(current_user, provider_id)
    form = VacancyForm()
    if form.validate_on_submit():
        try:
            services.declare_vacancy(current_user, provider_id,
                                     **{name: form[name].data for name in _VACANCY_FIELDS})
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("The vacancy has been added.", "success")
            return redirect(url_for("providers.provider_vacancies", provider_id=provider_id))
    return render_template("providers/vacancy_form.html", provider=provider, form=form,
                           vacancy=None)


@bp.route("/<id:provider_id>/vacancies/<id:vacancy_id>", methods=["GET", "POST"])
def vacancy(provider_id, vacancy_id):
    vacancy = services.get_vacancy(current_user, provider_id, vacancy_id)
    can_change = services.can_change(current_user, vacancy.provider) and not vacancy.is_withdrawn
    form = VacancyForm(obj=vacancy)
    if form.validate_on_submit():
        try:
            services.update_vacancy(current_user, provider_id, vacancy_id,
                                    **{name: form[name].data for name in _VACANCY_FIELDS})
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("The vacancy has been saved.", "success")
            return redirect(url_for("providers.provider_vacancies", provider_id=provider_id))
    return render_template("providers/vacancy.html", provider=vacancy.provider, vacancy=vacancy,
                           form=form, can_change=can_change, confirm=ConfirmForm())


@bp.post("/<id:provider_id>/vacancies/<id:vacancy_id>/withdraw")
def withdraw_vacancy(provider_id, vacancy_id):
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw_vacancy(current_user, provider_id, vacancy_id)
        except Conflict as error:
            flash(str(error), "error")
        else:
            flash("The vacancy has been withdrawn.", "success")
    else:
        services.get_vacancy(current_user, provider_id, vacancy_id)
    return redirect(url_for("providers.provider_vacancies", provider_id=provider_id))
