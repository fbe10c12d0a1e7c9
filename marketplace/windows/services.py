"""Admission windows: the host's questionnaire, planning windows, and providers' applications.

The host's administrators build the library questionnaire and plan windows; planning copies the
questionnaire into the window. Providers apply while a window is open: the clock decides, checked
here on every change, whatever any job has done. The host reads an application only once it has
been submitted (the model's visibility rule), never a draft.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

import tenants

from .. import audit, notifications
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import LONDON, govuk_date, govuk_datetime
from ..money import MAX_FEE_PENCE, format_pounds, parse_pounds
from ..paging import paginate
from ..purchasing.models import PlacementType, Regime
from .models import (AdmissionWindow, Application, ApplicationLot, QuestionCategory,
                     QuestionKind, Questionnaire, QuestionnaireQuestion, WindowQuestion,
                     WindowStatus)

QUESTIONNAIRE_TITLE = "Admission questionnaire"
TOTAL_WEIGHT = 100
MAX_TEXT = 10_000
MAX_TITLE = 200
# A weekly fee above £50,000 is a typing slip, not a price.
YES_NO = ("yes", "no")


# Who may do what -------------------------------------------------------------------------------

def require_host_admin(actor):
    """Refuse anyone but the host authority's administrators."""
    if not (actor.is_host_admin and actor.organisation.is_host):
        raise PermissionDenied("only the host authority's administrators run admission windows")


def require_provider(actor):
    if not actor.is_provider:
        raise PermissionDenied("only providers apply to join the system")


def _system():
    from ..purchasing.services import get_system

    return get_system()


def require_system():
    system = _system()
    if system is None:
        raise Conflict("The purchasing system has not been set up yet")
    return system


# Procurement Act 2023 s.49 ---------------------------------------------------------------------

FIRST_REOPENING_YEARS = 3
REOPENING_INTERVAL_YEARS = 5
MAX_TERM_YEARS = 8


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def reopening_warnings(term_start, term_end, opening_dates):
    """Where a plan of window openings breaks the Procurement Act 2023 s.49 rules for an open
    framework: it must open for applications within 3 years of its start, then within 5 years of
    each previous opening, and its term may not exceed 8 years. Pure: dates in, messages out."""
    warnings = []
    if term_end > _years_after(term_start, MAX_TERM_YEARS):
        warnings.append(
            f"The term runs to {govuk_date(term_end)}: an open framework may last at most "
            f"{MAX_TERM_YEARS} years, so it must end by "
            f"{govuk_date(_years_after(term_start, MAX_TERM_YEARS))}.")
    deadline, previous = _years_after(term_start, FIRST_REOPENING_YEARS), None
    for opening in sorted(d for d in opening_dates if d >= term_start):
        if opening > term_end:
            break
        if opening > deadline:
            since = (f"the opening on {govuk_date(previous)}" if previous
                     else f"the start of the term on {govuk_date(term_start)}")
            years = REOPENING_INTERVAL_YEARS if previous else FIRST_REOPENING_YEARS
            warnings.append(
                f"No window opens between {since} and {govuk_date(deadline)}: the framework must "
                f"reopen within {years} years of {'it' if previous else 'its start'} "
                f"(the next window opens on {govuk_date(opening)}).")
        previous, deadline = opening, _years_after(opening, REOPENING_INTERVAL_YEARS)
    if deadline < term_end:
        warnings.append(
            f"No window is planned to open by {govuk_date(deadline)}: the framework must reopen "
            f"by then{'' if previous else ' (within 3 years of its start)'}, as its term runs "
            f"to {govuk_date(term_end)}.")
    return warnings


def plan_warnings(actor):
    """The s.49 warnings for the system's current plan of windows, for the host's administrators
    of an open framework (empty for every other regime and person)."""
    system = _system()
    if system is None or system.regime != Regime.PA2023_OPEN_FRAMEWORK or not (
            actor.is_host_admin and actor.organisation.is_host):
        return []
    openings = db.session.scalars(select(AdmissionWindow.opens_at).where(
        AdmissionWindow.system_id == system.id)).all()
    return reopening_warnings(system.term_start, system.term_end,
                              [o.astimezone(LONDON).date() for o in openings])


# The questionnaire -------------------------------------------------------------------------------

def get_questionnaire(actor):
    """The host's library questionnaire (None before its first question); host administrators."""
    require_host_admin(actor)
    return db.session.scalars(select(Questionnaire).order_by(Questionnaire.id)).first()


def _questionnaire_for_change(actor):
    questionnaire = get_questionnaire(actor)
    if questionnaire is None:
        questionnaire = Questionnaire(title=QUESTIONNAIRE_TITLE, pass_mark=60, questions=[])
        db.session.add(questionnaire)
        db.session.flush()
    return questionnaire


def questionnaire_problems(questionnaire):
    """Why a window cannot be planned from the questionnaire yet ({} when it can)."""
    if questionnaire is None or not questionnaire.questions:
        return {"questionnaire": "Add questions to the questionnaire before planning a window"}
    if not questionnaire.scored_questions:
        return {"questionnaire": "Add at least one scored question: the pass mark applies to "
                                 "the weighted quality score"}
    if questionnaire.total_weight != TOTAL_WEIGHT:
        return {"questionnaire": f"The weights of the scored questions add up to "
                                 f"{questionnaire.total_weight}; they must add up to 100"}
    return {}


def _question_snapshot(question):
    return {"number": question.number, "kind": question.kind.value,
            "category": question.category.value if question.category else None,
            "text": question.text, "guidance": question.guidance, "weight": question.weight}


def _clean_question(questionnaire, fields, existing=None):
    errors, values = {}, {}
    try:
        values["kind"] = QuestionKind(fields.get("kind"))
    except ValueError:
        errors["kind"] = "Select whether the question is pass or fail, or scored"
    values["text"] = (fields.get("text") or "").strip()
    if not values["text"]:
        errors["text"] = "Enter the question"
    elif len(values["text"]) > MAX_TEXT:
        errors["text"] = f"The question must be {MAX_TEXT:,} characters or fewer"
    values["guidance"] = (fields.get("guidance") or "").strip()
    if len(values["guidance"]) > MAX_TEXT:
        errors["guidance"] = f"Guidance must be {MAX_TEXT:,} characters or fewer"
    kind = values.get("kind")
    values["category"], values["weight"] = None, None
    if kind == QuestionKind.PASS_FAIL:
        try:
            values["category"] = QuestionCategory(fields.get("category"))
        except ValueError:
            errors["category"] = "Select what the pass or fail question checks"
    elif kind == QuestionKind.SCORED:
        weight = fields.get("weight")
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
            errors["weight"] = "Enter the weight as a whole number from 1 to 100"
        else:
            others = sum(q.weight or 0 for q in questionnaire.scored_questions
                         if q is not existing)
            if others + weight > TOTAL_WEIGHT:
                errors["weight"] = (
                    f"The weights of the scored questions would add up to {others + weight}; "
                    f"they must add up to 100 (the other questions have {others}, so this one "
                    f"can have at most {TOTAL_WEIGHT - others})")
            values["weight"] = weight
    if errors:
        raise ValidationFailed(errors)
    return values


def add_question(actor, **fields):
    """The host's administrator adds a question at the end of the library questionnaire.

    Fields: kind (pass_fail | scored), text, guidance, category (pass/fail), weight (scored)."""
    questionnaire = _questionnaire_for_change(actor)
    values = _clean_question(questionnaire, fields)
    question = QuestionnaireQuestion(questionnaire=questionnaire,
                                     number=len(questionnaire.questions) + 1, **values)
    db.session.add(question)
    audit.record("questionnaire.question_added", question, actor=actor,
                 after=_question_snapshot(question))
    db.session.commit()
    return question


def get_question(actor, question_id):
    """A question of the library questionnaire; host administrators."""
    question = db.session.get(QuestionnaireQuestion, question_id)
    if question is None:
        raise NotFound(f"question {question_id}")
    require_host_admin(actor)
    return question


def update_question(actor, question_id, **fields):
    """The host's administrator changes a library question (windows already planned keep
    their copy)."""
    question = get_question(actor, question_id)
    current = {"kind": question.kind.value, "text": question.text,
               "guidance": question.guidance, "weight": question.weight,
               "category": question.category.value if question.category else None}
    values = _clean_question(question.questionnaire, {**current, **fields}, existing=question)
    before = _question_snapshot(question)
    for name, value in values.items():
        setattr(question, name, value)
    audit.record("questionnaire.question_changed", question, actor=actor, before=before,
                 after=_question_snapshot(question))
    db.session.commit()
    return question


def remove_question(actor, question_id):
    """The host's administrator removes a library question; the rest are renumbered."""
    question = get_question(actor, question_id)
    questionnaire = question.questionnaire
    before = _question_snapshot(question)
    questionnaire.questions.remove(question)
    for number, remaining in enumerate(questionnaire.questions, start=1):
        remaining.number = number
    audit.record("questionnaire.question_removed", question, actor=actor, before=before)
    db.session.commit()
    return questionnaire


def move_question(actor, question_id, direction):
    """The host's administrator moves a library question one place up or down."""
    question = get_question(actor, question_id)
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": "Move the question up or down"})
    questions = question.questionnaire.questions
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        swapped = questions[other]
        question.number, swapped.number = swapped.number, question.number
        questions.sort(key=lambda q: q.number)
        audit.record("questionnaire.question_moved", question, actor=actor,
                     before={"number": swapped.number}, after={"number": question.number})
        db.session.commit()
    return question


def set_pass_mark(actor, pass_mark):
    """The host's administrator sets the pass mark (0–100, on the weighted quality score) that
    windows planned from now on copy."""
    questionnaire = _questionnaire_for_change(actor)
    if not isinstance(pass_mark, int) or isinstance(pass_mark, bool) or not 0 <= pass_mark <= 100:
        raise ValidationFailed({"pass_mark": "Enter the pass mark as a whole number from 0 to 100"})
    before = {"pass_mark": questionnaire.pass_mark}
    questionnaire.pass_mark = pass_mark
    audit.record("questionnaire.pass_mark_set", questionnaire, actor=actor, before=before,
                 after={"pass_mark": pass_mark})
    db.session.commit()
    return questionnaire


# Windows -----------------------------------------------------------------------------------

def _windows_newest_first(status=None, now=None):
    statement = select(AdmissionWindow).order_by(AdmissionWindow.opens_at.desc(),
                                                 AdmissionWindow.id.desc())
    if status:
        statement = statement.where(AdmissionWindow.status_at(now) == WindowStatus(status).value)
    return statement


def _check_status(status):
    if status is not None and status not in {s.value for s in WindowStatus}:
        raise ValidationFailed({"status": "Choose a status: " +
                                ", ".join(s.value for s in WindowStatus)})


def list_windows(actor, status=None):
    """Every admission window, newest first, optionally only those with ``status`` now; for
    everyone signed in."""
    _check_status(status)
    return db.session.scalars(_windows_newest_first(status)).all()


def page_of_windows(actor, page, per_page, status=None):
    """One page of :func:`list_windows`."""
    _check_status(status)
    return paginate(_windows_newest_first(status), page, per_page)


def get_window(actor, window_id):
    """One admission window; everyone signed in may read it."""
    window = db.session.get(AdmissionWindow, window_id)
    if window is None:
        raise NotFound(f"window {window_id}")
    return window


def submitted_counts(window_ids):
    """Submitted applications per window (for the host; a provider counts only its own)."""
    if not window_ids:
        return {}
    return dict(db.session.execute(
        select(Application.window_id, func.count(Application.id))
        .where(Application.window_id.in_(window_ids), Application.submitted_at.is_not(None))
        .group_by(Application.window_id)).all())


def _clean_window(system, fields, window=None, now=None):
    """Validated window values; ValidationFailed names every bad field."""
    now = now or tenants.utcnow()
    errors, values = {}, {}
    if "title" in fields:
        values["title"] = (fields["title"] or "").strip()
        if not values["title"]:
            errors["title"] = "Enter the window's title, like Round 7"
        elif len(values["title"]) > MAX_TITLE:
            errors["title"] = f"The title must be {MAX_TITLE} characters or fewer"
    if "lot_ids" in fields:
        lots = {lot.id: lot for lot in system.lots}
        try:
            wanted = {int(i) for i in fields["lot_ids"] or []}
        except (TypeError, ValueError):
            wanted = None
        if not wanted:
            errors["lot_ids"] = "Select at least one lot the window offers"
        elif wanted - lots.keys():
            errors["lot_ids"] = "Select lots of the purchasing system"
        else:
            values["lots"] = [lots[i] for i in sorted(wanted)]
    opens_at = fields.get("opens_at", window.opens_at if window else None)
    closes_at = fields.get("closes_at", window.closes_at if window else None)
    if "opens_at" in fields:
        if opens_at is None or opens_at.tzinfo is None:
            errors["opens_at"] = "Enter the date and time the window opens"
        else:
            values["opens_at"] = opens_at
    if "closes_at" in fields or "opens_at" in fields:
        if system.regime.always_open:
            if closes_at is not None:
                errors["closes_at"] = (f"A {system.regime.label.split(' (')[0].lower()} accepts "
                                       f"applications at any time: leave the closing date blank")
            values["closes_at"] = None
        elif closes_at is None or closes_at.tzinfo is None:
            errors["closes_at"] = "Enter the date and time the window closes"
        elif "opens_at" not in errors and opens_at is not None and closes_at <= opens_at:
            errors["closes_at"] = "The window must close after it opens"
        elif closes_at <= now and "closes_at" in fields:
            errors["closes_at"] = "The closing time must be in the future"
        else:
            values["closes_at"] = closes_at
    if errors:
        raise ValidationFailed(errors)
    return values


def _copy_questions(window, questionnaire):
    window.pass_mark = questionnaire.pass_mark
    if window.questions:
        # The old copy goes first: the new one reuses its numbers.
        window.questions.clear()
        db.session.flush()
    window.questions.extend(
        WindowQuestion(number=q.number, kind=q.kind, category=q.category, text=q.text,
                       guidance=q.guidance, weight=q.weight)
        for q in questionnaire.questions)


def _window_snapshot(window):
    return {"title": window.title, "lot_ids": [lot.id for lot in window.lots],
            "opens_at": window.opens_at.isoformat(),
            "closes_at": window.closes_at.isoformat() if window.closes_at else None,
            "pass_mark": window.pass_mark, "questions": len(window.questions)}


def plan_window(actor, *, title, lot_ids, opens_at, closes_at=None):
    """The host's administrator plans a window (scheduled until ``opens_at``), copying the
    library questionnaire and its pass mark into it. ``closes_at`` is None for an always-open
    regime (QPL, dynamic market). Times are timezone-aware."""
    require_host_admin(actor)
    system = require_system()
    values = _clean_window(system, {"title": title, "lot_ids": lot_ids, "opens_at": opens_at,
                                    "closes_at": closes_at})
    questionnaire = get_questionnaire(actor)
    if problems := questionnaire_problems(questionnaire):
        raise ValidationFailed(problems)
    window = AdmissionWindow(system=system, **values)
    db.session.add(window)
    _copy_questions(window, questionnaire)
    db.session.flush()
    audit.record("window.planned", window, actor=actor, after=_window_snapshot(window))
    db.session.commit()
    return window


# Providers are reminded this long before a close; bringing an open window's close nearer than
# that takes away the notice they were promised, so the administrator must confirm it.
SHORT_NOTICE = timedelta(days=3)


def update_window(actor, window_id, *, confirm_short_notice=False, **fields):
    """The host's administrator changes a window: anything while it is scheduled; while it is
    open only its title and its closing time (lots and opening are fixed once providers may
    apply); after the close, nothing. Fields: title, lot_ids, opens_at, closes_at.

    Bringing an open window's close forward to less than ``SHORT_NOTICE`` away needs
    ``confirm_short_notice``. When an open window's close moves, every provider with a draft
    application is emailed, in the same transaction."""
    window = get_window(actor, window_id)
    require_host_admin(actor)
    now = tenants.utcnow()
    status = window.status_at(now)
    if status not in (WindowStatus.SCHEDULED, WindowStatus.OPEN):
        raise Conflict(f"The window is {status.value}: it can no longer be changed")
    if status == WindowStatus.OPEN:
        fixed = {"lot_ids": "The lots cannot change once the window is open",
                 "opens_at": "The opening time cannot change once the window is open"}
        current = {"lot_ids": {lot.id for lot in window.lots}, "opens_at": window.opens_at}
        errors = {}
        for name, message in fixed.items():
            if name in fields and fields[name] is not None:
                value = ({int(i) for i in fields[name]} if name == "lot_ids" else fields[name])
                if value != current[name]:
                    errors[name] = message
            fields.pop(name, None)
        if errors:
            raise ValidationFailed(errors)
    values = _clean_window(window.system, fields, window=window, now=now)
    previous_close = window.closes_at
    moved = (status == WindowStatus.OPEN and previous_close is not None
             and values.get("closes_at", previous_close) != previous_close)
    if (moved and values["closes_at"] < previous_close
            and values["closes_at"] - now < SHORT_NOTICE and not confirm_short_notice):
        raise ValidationFailed({"confirm_short_notice": (
            f"The window would close on {govuk_datetime(values['closes_at'])}, less than "
            f"{SHORT_NOTICE.days} days from now, and providers may be part-way through their "
            "applications. Confirm that you want to bring the close forward")})
    before = _window_snapshot(window)
    for name, value in values.items():
        setattr(window, name, value)
    audit.record("window.changed", window, actor=actor, before=before,
                 after=_window_snapshot(window))
    if moved:
        db.session.flush()
        _tell_drafts_the_close_moved(window, previous_close)
    db.session.commit()
    return window


def _tell_drafts_the_close_moved(window, previous_close):
    """Email the providers with a draft application to ``window`` its new closing time. The
    host may not read drafts, so each provider's own scope answers whether it has one."""
    context = {**_window_context(window), "previous_closes_at": govuk_datetime(previous_close)}
    for provider in _providers():
        with tenants.scoped_to(provider):
            has_draft = db.session.scalar(select(Application.id).where(
                Application.window_id == window.id, Application.submitted_at.is_(None)))
        if has_draft is not None:
            notifications.notify_organisation(
                provider, "window_close_moved", {**context, "organisation_name": provider.name})


def recopy_questionnaire(actor, window_id):
    """The host's administrator copies the library questionnaire into a scheduled window again
    (its copy is fixed once the window opens)."""
    window = get_window(actor, window_id)
    require_host_admin(actor)
    if window.status != WindowStatus.SCHEDULED:
        raise Conflict("The window has opened: its questions can no longer change")
    questionnaire = get_questionnaire(actor)
    if problems := questionnaire_problems(questionnaire):
        raise ValidationFailed(problems)
    before = _window_snapshot(window)
    _copy_questions(window, questionnaire)
    db.session.flush()
    audit.record("window.questions_copied", window, actor=actor, before=before,
                 after=_window_snapshot(window))
    db.session.commit()
    return window


# Applications ------------------------------------------------------------------------------

def _admitted_lot_ids(provider_id):
    from ..evaluation.admissions import admitted_lot_ids

    return admitted_lot_ids(provider_id)


def lots_open_to(actor, window):
    """The window's lots the provider may apply for: those it is not already admitted to."""
    admitted = _admitted_lot_ids(actor.organisation_id)
    return [lot for lot in window.lots if lot.id not in admitted]


def _require_open(window, now):
    status = window.status_at(now)
    if status == WindowStatus.SCHEDULED:
        raise Conflict(f"{window.title} opens on {govuk_datetime(window.opens_at)}: "
                       f"applications cannot be made before then")
    if status != WindowStatus.OPEN:
        raise Conflict(f"{window.title} closed on {govuk_datetime(window.closes_at)}: "
                       f"applications can no longer be made or changed")


def own_application(actor, window_id):
    """The provider's own application to the window, or None."""
    if not actor.is_provider:
        return None
    return db.session.scalars(select(Application).where(
        Application.window_id == window_id,
        Application.organisation_id == actor.organisation_id)).first()


def start_application(actor, window_id, **changes):
    """A provider starts its application (a draft) to an open window: one per provider per
    window. ``changes`` may set lots, fees and answers at once (see update_application)."""
    window = get_window(actor, window_id)
    require_provider(actor)
    now = tenants.utcnow()
    _require_open(window, now)
    if own_application(actor, window_id) is not None:
        raise Conflict(f"You have already started an application to {window.title}")
    if not lots_open_to(actor, window):
        raise Conflict(f"You are already admitted to every lot {window.title} offers")
    application = Application(window=window, answers={}, created_at=now, updated_at=now)
    db.session.add(application)
    if changes:
        _apply_changes(actor, application, window, changes)
    db.session.flush()
    audit.record("application.started", application, actor=actor,
                 after={"window_id": window.id})
    db.session.commit()
    return application


def get_application(actor, application_id):
    """An application: its provider's users always; the host's administrators once submitted
    (a draft is invisible to the host, as to everyone else)."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(f"application {application_id}")
    if application.organisation_id != actor.organisation_id and not (
            actor.is_host_admin and actor.organisation.is_host):
        raise PermissionDenied("only the host's administrators read applications here")
    return application


def get_own_application(actor, application_id):
    """The provider's own application, to change it (the host may read but never change it)."""
    application = get_application(actor, application_id)
    if application.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the provider changes its application")
    return application


def _clean_lots(actor, window, lot_ids, fees):
    """ApplicationLot values {lot_id: {type: pence}} from chosen lot ids and fees given as
    {lot_id: {placement type: pounds text}}; fees are checked where given."""
    errors = {}
    offered = {lot.id: lot for lot in lots_open_to(actor, window)}
    try:
        chosen = {int(i) for i in lot_ids or []}
    except (TypeError, ValueError):
        raise ValidationFailed({"lot_ids": "Select lots this window offers"}) from None
    if chosen - offered.keys():
        all_offered = {lot.id for lot in window.lots}
        errors["lot_ids"] = ("You are already admitted to a lot you selected: apply only for "
                             "new lots" if chosen <= all_offered else
                             "Select lots this window offers")
    cleaned = {}
    fees = {str(k): v for k, v in (fees or {}).items()}
    for lot_id in sorted(chosen & offered.keys()):
        lot, given = offered[lot_id], fees.get(str(lot_id)) or {}
        cleaned[lot_id] = {}
        for placement_type in lot.placement_types:
            text = given.get(placement_type)
            if text in (None, ""):
                continue
            unit = PlacementType(placement_type).unit
            try:
                pence = parse_pounds(text)
            except ValueError:
                errors[f"fees.{lot_id}.{placement_type}"] = (
                    f"Enter the {unit}ly fee for {PlacementType(placement_type).label.lower()} "
                    f"in pounds, like 1250.00")
                continue
            if not 0 < pence <= MAX_FEE_PENCE:
                errors[f"fees.{lot_id}.{placement_type}"] = (
                    f"The {unit}ly fee must be more than £0 and at most "
                    f"£{MAX_FEE_PENCE // 100:,}")
            cleaned[lot_id][placement_type] = pence
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _clean_answers(window, answers, current):
    """Merge given answers into the current ones, checking each given answer's shape."""
    errors = {}
    questions = {str(q.id): q for q in window.questions}
    merged = {k: dict(v) for k, v in (current or {}).items()}
    for key, given in (answers or {}).items():
        key = str(key)
        question = questions.get(key)
        if question is None:
            errors[f"answers.{key}"] = "Answer only this window's questions"
            continue
        given = given or {}
        answer = (given.get("answer") or "").strip()
        evidence = (given.get("evidence") or "").strip()
        if question.kind == QuestionKind.PASS_FAIL and answer and answer not in YES_NO:
            errors[f"answers.{key}.answer"] = f"Answer question {question.number} yes or no"
        for name, text in (("answer", answer), ("evidence", evidence)):
            if len(text) > MAX_TEXT:
                errors[f"answers.{key}.{name}"] = (
                    f"Your {name} to question {question.number} must be {MAX_TEXT:,} "
                    f"characters or fewer")
        merged[key] = {"answer": answer, "evidence": evidence}
    if errors:
        raise ValidationFailed(errors)
    return merged


def incomplete(application, window=None):
    """What stops the application being submitted: {field: message}, empty when complete."""
    window = window or application.window
    errors = {}
    if not application.lots:
        errors["lot_ids"] = "Select at least one lot you are applying for"
    for chosen in application.lots:
        for placement_type in chosen.lot.placement_types:
            if not (chosen.fees or {}).get(placement_type):
                label = PlacementType(placement_type)
                errors[f"fees.{chosen.lot_id}.{placement_type}"] = (
                    f"Enter your indicative {label.unit}ly fee for {label.label.lower()} in lot "
                    f"{chosen.lot.code}")
    for question in window.questions:
        answer = (application.answers or {}).get(str(question.id), {}).get("answer")
        if not answer:
            errors[f"answers.{question.id}.answer"] = (
                f"Answer question {question.number}" +
                (" yes or no" if question.kind == QuestionKind.PASS_FAIL else ""))
    return errors


def _apply_changes(actor, application, window, changes):
    if "lot_ids" in changes or "fees" in changes:
        lot_ids = changes.get("lot_ids")
        if lot_ids is None:
            lot_ids = application.lot_ids
        fees = changes.get("fees")
        if fees is None:
            fees = {str(a.lot_id): {t: format_pounds(p) for t, p in (a.fees or {}).items()}
                    for a in application.lots}
        cleaned = _clean_lots(actor, window, lot_ids, fees)
        existing = {a.lot_id: a for a in application.lots}
        for lot_id, chosen in existing.items():
            if lot_id not in cleaned:
                application.lots.remove(chosen)
        for lot_id, lot_fees in cleaned.items():
            if lot_id in existing:
                existing[lot_id].fees = lot_fees
            else:
                application.lots.append(ApplicationLot(lot_id=lot_id, fees=lot_fees))
        db.session.flush()
        db.session.expire(application, ["lots"])
    if "answers" in changes and changes["answers"] is not None:
        application.answers = _clean_answers(window, changes["answers"], application.answers)


def _application_snapshot(application):
    return {"lots": {str(a.lot_id): a.fees for a in application.lots},
            "answered": sorted(k for k, v in (application.answers or {}).items()
                               if v.get("answer")),
            "submitted_at": application.submitted_at.isoformat()
            if application.submitted_at else None}


def update_application(actor, application_id, *, lot_ids=None, fees=None, answers=None):
    """The provider changes its application while the window is open (by the clock): lots
    (``lot_ids``), indicative fees (``fees``: {lot_id: {placement type: pounds}}) and answers
    ({question_id: {"answer", "evidence"}}); what is not given is left alone. A submitted
    application must stay complete: the change re-submits it."""
    application = get_own_application(actor, application_id)
    window = application.window
    now = tenants.utcnow()
    _require_open(window, now)
    before = _application_snapshot(application)
    changes = {k: v for k, v in (("lot_ids", lot_ids), ("fees", fees), ("answers", answers))
               if v is not None}
    _apply_changes(actor, application, window, changes)
    if application.submitted_at is not None:
        if errors := incomplete(application, window):
            db.session.rollback()
            raise ValidationFailed(errors)
        application.submitted_at = now
    application.updated_at = now
    audit.record("application.changed", application, actor=actor, before=before,
                 after=_application_snapshot(application))
    db.session.commit()
    return application


def submit_application(actor, application_id):
    """The provider submits its complete application while the window is open (by the clock,
    whatever any job did); it may change and re-submit it until the close. From now on the host
    can read it. The provider's users are emailed a receipt."""
    application = get_own_application(actor, application_id)
    window = application.window
    now = tenants.utcnow()
    _require_open(window, now)
    if errors := incomplete(application, window):
        raise ValidationFailed(errors)
    resubmitted = application.submitted_at is not None
    application.submitted_at = application.updated_at = now
    audit.record("application.submitted", application, actor=actor,
                 after=_application_snapshot(application))
    notifications.notify_organisation(actor.organisation, "application_submitted", {
        "window_title": window.title, "organisation_name": actor.organisation.name,
        "submitted_at": govuk_datetime(now), "resubmitted": resubmitted,
        "closes_at": govuk_datetime(window.closes_at) if window.closes_at else None,
        "link": notifications.external_url("windows.application",
                                           application_id=application.id)})
    db.session.commit()
    return application


def _applications_to(window_id):
    from ..providers.models import Provider

    return (select(Application).join(Provider, Provider.id == Application.organisation_id)
            .where(Application.window_id == window_id)
            .order_by(Provider.name, Application.id))


def list_applications(actor, window_id):
    """Applications to the window: for the host's administrators every submitted one (drafts
    are invisible to the host); for a provider its own; nobody else."""
    get_window(actor, window_id)
    if not (actor.is_provider or (actor.is_host_admin and actor.organisation.is_host)):
        raise PermissionDenied("only the host's administrators and providers list applications")
    return db.session.scalars(_applications_to(window_id)).all()


def page_of_applications(actor, window_id, page, per_page):
    """One page of :func:`list_applications`."""
    get_window(actor, window_id)
    if not (actor.is_provider or (actor.is_host_admin and actor.organisation.is_host)):
        raise PermissionDenied("only the host's administrators and providers list applications")
    return paginate(_applications_to(window_id), page, per_page)


def my_applications(actor):
    """The provider's own applications, newest window first (empty for anyone else)."""
    if not actor.is_provider:
        return []
    return db.session.scalars(
        select(Application).join(AdmissionWindow, AdmissionWindow.id == Application.window_id)
        .order_by(AdmissionWindow.opens_at.desc(), Application.id.desc())).all()


# Jobs ----------------------------------------------------------------------------------------

REMINDER_BEFORE_CLOSE = timedelta(days=3)


@dataclass
class JobCounts:
    opened: int = 0
    reminded: int = 0


def _providers():
    from ..providers.models import Provider

    return db.session.scalars(select(Provider).order_by(Provider.id)).all()


def notify_due(now=None):
    """Tell every provider once when a window opens, and remind providers without a submitted
    application once, ``REMINDER_BEFORE_CLOSE`` before it closes. Run by the job with no
    organisation in scope; acts in the host's scope for the windows and in each provider's for
    its messages. Idempotent: the window's stamps say what has been sent."""
    now = now or tenants.utcnow()
    counts = JobCounts()
    host = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).first()
    if host is None:
        return counts
    with tenants.scoped_to(host):
        windows = db.session.scalars(select(AdmissionWindow).where(
            AdmissionWindow.status_at(now) == WindowStatus.OPEN.value,
            (AdmissionWindow.opened_notified_at.is_(None)) |
            (AdmissionWindow.closes_at.is_not(None) &
             AdmissionWindow.close_reminder_sent_at.is_(None) &
             (AdmissionWindow.closes_at <= now + REMINDER_BEFORE_CLOSE)))
            .order_by(AdmissionWindow.id)).all()
        for window in windows:
            counts.opened += _announce_opening(window, now)
            counts.reminded += _remind_before_close(window, now)
    return counts


def _window_context(window):
    return {"window_title": window.title, "system_name": window.system.name,
            "opens_at": govuk_datetime(window.opens_at),
            "closes_at": govuk_datetime(window.closes_at) if window.closes_at else None,
            "lots": [f"{lot.code}: {lot.title}" for lot in window.lots],
            "link": notifications.external_url("windows.window", window_id=window.id)}


def _announce_opening(window, now):
    if window.opened_notified_at is not None:
        return 0
    context = _window_context(window)
    providers = _providers()
    for provider in providers:
        notifications.notify_organisation(
            provider, "window_opened", {**context, "organisation_name": provider.name})
    window.opened_notified_at = now
    audit.record("window.opening_announced", window, after={"providers": len(providers)})
    db.session.commit()
    return 1


def _remind_before_close(window, now):
    if (window.close_reminder_sent_at is not None or window.closes_at is None
            or window.closes_at > now + REMINDER_BEFORE_CLOSE):
        return 0
    # The host sees only submitted applications: exactly the providers not to remind.
    submitted = set(db.session.scalars(select(Application.organisation_id).where(
        Application.window_id == window.id, Application.submitted_at.is_not(None))))
    context = _window_context(window)
    reminded = [p for p in _providers() if p.id not in submitted]
    for provider in reminded:
        notifications.notify_organisation(
            provider, "window_closing", {**context, "organisation_name": provider.name})
    window.close_reminder_sent_at = now
    audit.record("window.close_reminder_sent", window, after={"providers": len(reminded)})
    db.session.commit()
    return 1

