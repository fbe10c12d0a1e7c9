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


_DECISION_PAGES = {"evaluation.decision", "evaluation.letter"}


def _placement_page(endpoint):
    """A placement's pages, its fees and uplift proposals included."""
    return bool(endpoint) and endpoint.split(".")[0] in ("placements", "placement_fees")


def _call_off_page(endpoint):
    return (bool(endpoint) and endpoint.startswith("calloffs.")
            and endpoint != "calloffs.delegation_limit")


def _contract_page(endpoint):
    """The contract register's pages: its own, each contract's sections, the pipeline."""
    return bool(endpoint) and endpoint.split(".")[0] in (
        "contracts", "contract_forecasts", "contract_monitoring", "contract_pipeline")


def _administration_and_statements(endpoint):
    """A member's manager's Administration: its pages and the cost-sharing statements."""
    return _administration_page(endpoint) or (
        bool(endpoint) and endpoint.startswith("cost_sharing."))


def _administration_page(endpoint):
    return endpoint in _USERS_PAGES or endpoint in {
        "web.administration", "calloffs.delegation_limit"} or bool(endpoint) and (
        endpoint.startswith("audit.") or endpoint.startswith("notifications."))


def _is_on(pages, endpoint):
    """Whether ``endpoint`` is one of ``pages``: a blueprint's name, a set of endpoints or a
    function of the endpoint."""
    if isinstance(pages, str):
        return bool(endpoint) and endpoint.split(".")[0] == pages
    if callable(pages):
        return pages(endpoint)
    return endpoint in pages


def _own_organisation(provider_id):
    """A provider's own pages, as the pages of its "Your organisation" (the links the provider
    pages show everyone else, templates/providers/_provider_nav.html)."""
    own = {"provider_id": provider_id}
    return [("Profile", ("providers.provider", own),
             {"providers.own_profile", "providers.provider", "providers.edit_profile"}),
            ("Documents", ("providers.documents", own),
             {"providers.documents", "providers.new_document"}),
            ("Rate card", ("providers.rate_card", own),
             {"providers.rate_card", "providers.edit_rate_card"}),
            ("Vacancies", ("providers.provider_vacancies", own),
             {"providers.provider_vacancies", "providers.new_vacancy", "providers.vacancy"}),
            ("Term dates", ("term_calendars.provider_calendars", own), "term_calendars")]


def sections(role, organisation_id=None, is_host=False):
    """The service navigation's items for ``role``, each ``(text, pages)`` where ``pages`` lists
    the item's ``(text, endpoint, pages)``: an item of several pages links to its first and gives
    them a sub-navigation on each of them (issue 15 §7: one row at 1280 pixels, sections grouped
    as a council officer thinks of them: the purchasing system, placements, contracts,
    providers). A page's endpoint is a name or ``(name, arguments)``; its ``pages`` says which
    endpoints mark it, and its item, current. ``organisation_id``: a provider's own, for its
    pages; ``is_host``: the person's organisation hosts the system (its managers have no
    cost-sharing statement of their own)."""
    authority = role in (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER)
    host = role == Role.HOST_ADMIN
    provider = role == Role.PROVIDER_USER
    # An application's decision and feedback letter sit with the pages that lead to them: the
    # evaluations (host, evaluator), the provider's own applications, the authority's admissions.
    decision_with = ("Evaluations" if role in (Role.HOST_ADMIN, Role.EVALUATOR)
                     else "Admission windows" if provider else "Admissions")
    purchasing = [("System and lots", "purchasing.system", "purchasing"),
                  ("Specifications", "specifications.specifications", _SPECIFICATION_PAGES)]
    if authority:
        purchasing.append(("Local schedules", "specifications.local_schedules",
                           _LOCAL_SCHEDULE_PAGES))
    if host or provider:
        purchasing.append(("Admission windows", "windows.windows", _WINDOW_PAGES))
    if host:
        purchasing.append(("Questionnaire", "windows.questionnaire", _QUESTIONNAIRE_PAGES))
    if role in (Role.EVALUATOR, Role.HOST_ADMIN):
        purchasing.append(("Evaluations", "evaluation.evaluations", _EVALUATION_PAGES))
    if host or authority:
        purchasing.append(("Admissions", "evaluation.admissions", _ADMISSION_PAGES))
    purchasing = [(text, endpoint, pages | _DECISION_PAGES if text == decision_with else pages)
                  for text, endpoint, pages in purchasing]

    items = [("Home", [("Home", "web.dashboard", {"web.dashboard"})])]
    if host:
        items.append(("Authorities", [("Authorities", "authorities.authorities", "authorities")]))
    items.append(("Purchasing system", purchasing))
    if authority or provider:
        items.append(("Placements", [("Call-offs", "calloffs.call_offs", _call_off_page),
                                     ("Placements", "placements.placements", _placement_page)]
                      + ([("Forecasts", "forecasts.forecast", "forecasts")] if authority else [])))
        items.append(("Contracts", [("Contracts", "contracts.register", _contract_page)]))
    if provider:
        items.append(("Your organisation", _own_organisation(organisation_id)))
    else:
        items.append(("Providers", [("Directory", "providers.directory", _PROVIDER_PAGES),
                                    ("Vacancies", "providers.vacancies", {"providers.vacancies"})]
                      + ([("Term dates", "term_calendars.default_calendars", "term_calendars")]
                         if host else [])))
    # The MoU's cost sharing (issue 14): the host's administrators run it, a section of its own;
    # each member's managers read their statements and invoices from Administration (a seventh
    # section would not fit the row at 1280 pixels).
    if host:
        items.append(("Cost sharing", [("Cost sharing", "cost_sharing.terms", "cost_sharing")]))
    statements = role == Role.AUTHORITY_MANAGER and not is_host
    # People, the audit trail, failed emails and the delegation limit sit behind one page; the
    # signed-in person's name and Sign out are in the header, apart from the sections.
    items.append(("Administration", [("Administration", "web.administration",
                                      _administration_and_statements if statements
                                      else _administration_page)]))
    return items


def _link(text, endpoint, active):
    endpoint, arguments = endpoint if isinstance(endpoint, tuple) else (endpoint, {})
    return {"href": url_for(endpoint, **arguments), "text": text, "active": active,
            "current": request.endpoint == endpoint and all(
                (request.view_args or {}).get(name) == value
                for name, value in arguments.items())}


def navigation():
    """The service navigation for the signed-in user's role (``navigation``: its items, each
    marked ``active`` on its pages and ``current`` on the page it links to) and the current
    item's ``sub_navigation`` (its ``label`` and ``links``) when it groups several pages."""
    if not current_user.is_authenticated:
        return {"navigation": [], "sub_navigation": None, "account_active": False}
    endpoint = request.endpoint
    items, sub_navigation = [], None
    for text, pages in sections(current_user.role, current_user.organisation_id,
                                current_user.organisation.is_host):
        on = [_is_on(page_set, endpoint) for _, _, page_set in pages]
        items.append(_link(text, pages[0][1], any(on)))
        if any(on) and len(pages) > 1:
            sub_navigation = {"label": text, "links": [
                _link(page_text, page_endpoint, page_on)
                for (page_text, page_endpoint, _), page_on in zip(pages, on)]}
    return {"account_active": endpoint in _ACCOUNT_PAGES, "navigation": items,
            "sub_navigation": sub_navigation}


def init_app(app):
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(govuk_from, "govuk_from")
    app.add_template_global(standstill.recorded, "standstill")
    app.add_template_filter(need_label, "need_label")
    app.context_processor(navigation)
    app.add_template_global(error_summary_params)
