"""Template filters (times in UK time, GOV.UK date style) and the service navigation."""
from flask import request, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..formatting import govuk_date, govuk_datetime, govuk_from
from ..needs import need_label
from ..purchasing import standstill
from .forms import error_summary_params

_USERS_PAGES = {"accounts.users", "accounts.user", "accounts.invite_user",
                "accounts.reissue_invitation"}
_ACCOUNT_PAGES = {"accounts.account", "accounts.change_password"}
_EVALUATION_PAGES = {"evaluation.evaluations", "evaluation.window_evaluation",
                     "evaluation.assignments", "evaluation.conflict", "evaluation.scores",
                     "evaluation.moderation"}
_ADMISSION_PAGES = {"evaluation.admissions", "evaluation.admission",
                    "evaluation.suspend_admission", "evaluation.reinstate_admission",
                    "evaluation.remove_admission"}

_LOCAL_SCHEDULE_PAGES = {"specifications.local_schedules", "specifications.new_local_schedule",
                         "specifications.local_schedule", "specifications.edit_local_schedule"}
_SPECIFICATION_PAGES = {"specifications.specifications", "specifications.new_specification",
                        "specifications.specification", "specifications.new_version",
                        "specifications.compare", "specifications.version",
                        "specifications.edit_version", "specifications.publish_version",
                        "specifications.acceptances"}

_WINDOW_PAGES = {"windows.windows", "windows.new_window", "windows.window", "windows.edit_window",
                 "windows.application", "windows.application_lots",
                 "windows.application_answers", "windows.submit_application"}
_QUESTIONNAIRE_PAGES = {"windows.questionnaire", "windows.new_question", "windows.question",
                        "windows.set_pass_mark"}

_PROVIDER_PAGES = {"providers.directory", "providers.provider", "providers.documents",
                   "providers.rate_card", "providers.provider_vacancies", "providers.vacancy"}


def _placement_page(endpoint):
    return bool(endpoint) and endpoint.startswith("placements.")


def _call_off_page(endpoint):
    return (bool(endpoint) and endpoint.startswith("calloffs.")
            and endpoint != "calloffs.delegation_limit")


def _administration_page(endpoint):
    return endpoint in _USERS_PAGES or endpoint in {
        "web.administration", "calloffs.delegation_limit"} or bool(endpoint) and (
        endpoint.startswith("audit.") or endpoint.startswith("notifications."))


def navigation():
    """The service navigation for the signed-in user's role (pages: endpoints or a blueprint)."""
    if not current_user.is_authenticated:
        return {"navigation": [], "account_active": False}
    items = [("Home", "web.dashboard", {"web.dashboard"})]
    if current_user.role == Role.HOST_ADMIN:
        items.append(("Authorities", "authorities.authorities", "authorities"))
    items.append(("Purchasing system", "purchasing.system", "purchasing"))
    items.append(("Specifications", "specifications.specifications", _SPECIFICATION_PAGES))
    if current_user.role in (Role.HOST_ADMIN, Role.PROVIDER_USER):
        items.append(("Admission windows", "windows.windows", _WINDOW_PAGES))
    if current_user.role == Role.HOST_ADMIN:
        items.append(("Questionnaire", "windows.questionnaire", _QUESTIONNAIRE_PAGES))
    if current_user.role in (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER):
        items.append(("Local schedules", "specifications.local_schedules",
                      _LOCAL_SCHEDULE_PAGES))
    if current_user.role in (Role.EVALUATOR, Role.HOST_ADMIN):
        items.append(("Evaluations", "evaluation.evaluations", _EVALUATION_PAGES))
    if current_user.role in (Role.HOST_ADMIN, Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER):
        items.append(("Admissions", "evaluation.admissions", _ADMISSION_PAGES))
    if current_user.role in (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER,
                             Role.PROVIDER_USER):
        items.append(("Call-offs", "calloffs.call_offs", _call_off_page))
        items.append(("Placements", "placements.placements", _placement_page))
        if current_user.role != Role.PROVIDER_USER:
            items.append(("Forecasts", "forecasts.forecast", "forecasts"))
    if current_user.role in (Role.HOST_ADMIN, Role.PROVIDER_USER):
        items.append(("Term dates", "term_calendars.calendars_home", "term_calendars"))
    if current_user.role == Role.HOST_ADMIN:
        items.append(("Cost sharing", "cost_sharing.terms", "cost_sharing"))
    elif current_user.role == Role.AUTHORITY_MANAGER and not current_user.organisation.is_host:
        items.append(("Cost sharing", "cost_sharing.statements", "cost_sharing"))
    if current_user.role == Role.PROVIDER_USER:
        items.append(("Your organisation", "providers.own_profile", "providers"))
    else:
        items.append(("Providers", "providers.directory", _PROVIDER_PAGES))
        items.append(("Vacancies", "providers.vacancies", {"providers.vacancies"}))
    # People, the audit trail, failed emails and the delegation limit sit behind one page; the
    # signed-in person's own account is their name, at the end of the navigation.
    items.append(("Administration", "web.administration", _administration_page))
    return {"account_active": request.endpoint in _ACCOUNT_PAGES, "navigation": [
        {"href": url_for(endpoint), "text": text,
         "active": request.blueprint == pages if isinstance(pages, str)
         else pages(request.endpoint) if callable(pages) else request.endpoint in pages}
        for text, endpoint, pages in items
    ]}


def init_app(app):
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(govuk_from, "govuk_from")
    app.add_template_global(standstill.recorded, "standstill")
    app.add_template_filter(need_label, "need_label")
    app.context_processor(navigation)
    app.add_template_global(error_summary_params)
