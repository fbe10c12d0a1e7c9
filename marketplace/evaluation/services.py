"""Evaluation of applications, moderation, decisions, standstill and admissions.

Who may do what:
- The host's administrator assigns evaluators (host users with the evaluator or host
  administrator role), moderates, issues decisions and manages admissions.
- An assigned evaluator declares any conflict of interest, and only after declaring none reads
  the application and scores it. Blind marking: an evaluator sees nothing of anyone else's scores
  (not their marks, not whether they have submitted) until they have submitted their own AND
  every evaluator still assigned has submitted.
- The host's administrator sees who has declared and who has submitted, but no marks until every
  assigned evaluator has submitted: marks appear only on the moderation page, which opens then.
  The moderator may not be one of the application's evaluators (nor one who declared a conflict).
- The provider reads its decision and letter once the decision is issued.
- Every authority user reads the admissions list; the host's administrator changes them.

All of this state is the host's (the host cannot write the provider's Application).
"""
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

import tenants

from .. import audit, notifications
from ..accounts.models import Role, User, UserStatus
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..paging import paginate
from ..purchasing import standstill
from ..purchasing.models import Lot, StandstillRule
from ..windows.models import Application, AdmissionWindow, QuestionKind, WindowStatus
from .models import (MAX_MARK, Admission, AdmissionStatus, ConflictDeclaration, Decision,
                     DecisionOutcome, EvaluatorAssignment, Moderation, Score, normalised)

MIN_EVALUATORS = 2
EVALUATOR_ROLES = (Role.EVALUATOR, Role.HOST_ADMIN)
MAX_TEXT = 5000


# ---------------------------------------------------------------- permissions and loading

def _is_host_user(actor):
    return actor.organisation.is_host


def require_host_admin(actor):
    """Refuse anyone but the host authority's administrators."""
    if not (actor.is_host_admin and _is_host_user(actor)):
        raise PermissionDenied("only the host authority's administrators do this")


def _require_authority(actor):
    if actor.organisation.kind != tenants.OrganisationKind.AUTHORITY:
        raise PermissionDenied("only authorities read the admissions")


def _application(application_id):
    """The application if the caller may see it at all (its provider, or the host once
    submitted); NotFound otherwise."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(f"application {application_id}")
    return application


def _host_application(actor, application_id):
    """A submitted application, for a host user; 404 for those who cannot see it, 403 for its
    provider (who may see the application but not its evaluation)."""
    application = _application(application_id)
    if not _is_host_user(actor) or application.submitted_at is None:
        raise PermissionDenied("only the host evaluates applications")
    return application


def _assignments(application_id):
    return db.session.scalars(
        select(EvaluatorAssignment).where(EvaluatorAssignment.application_id == application_id)
        .order_by(EvaluatorAssignment.assigned_at, EvaluatorAssignment.id)).all()


def _active(assignments):
    return [a for a in assignments if not a.withdrawn]


def _all_submitted(assignments):
    active = _active(assignments)
    return len(active) >= MIN_EVALUATORS and all(a.submitted_at for a in active)


def _moderation(application_id):
    return db.session.scalars(
        select(Moderation).where(Moderation.application_id == application_id)).first()


def _decision(application_id):
    return db.session.scalars(
        select(Decision).where(Decision.application_id == application_id)).first()


def _evaluation_may_start(window, now):
    return window.always_open or window.status_at(now) not in (WindowStatus.SCHEDULED,
                                                               WindowStatus.OPEN)


def _text(value, limit=MAX_TEXT):
    return (value or "").strip()[:limit]


# ---------------------------------------------------------------- assignment

@dataclass
class AssignmentOverview:
    application: object
    assignments: list
    candidates: list
    moderation: object
    decision: object
    all_submitted: bool
    needed: int


def evaluator_candidates(application_id):
    """Active host users who may evaluate and are not yet assigned to the application."""
    assigned = select(EvaluatorAssignment.evaluator_id).where(
        EvaluatorAssignment.application_id == application_id)
    host_ids = select(tenants.Authority.id).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)
    return db.session.scalars(
        select(User).where(User.role.in_(EVALUATOR_ROLES), User.status == UserStatus.ACTIVE,
                           User.organisation_id.in_(host_ids), User.id.not_in(assigned))
        .order_by(User.full_name, User.id)).all()


def assignment_overview(actor, application_id):
    """Progress of an application's evaluation for the host's administrator: who is assigned,
    who has declared and submitted (never marks), and who else may be assigned."""
    application = _host_application(actor, application_id)
    require_host_admin(actor)
    assignments = _assignments(application_id)
    return AssignmentOverview(
        application=application, assignments=assignments,
        candidates=evaluator_candidates(application_id),
        moderation=_moderation(application_id), decision=_decision(application_id),
        all_submitted=_all_submitted(assignments),
        needed=max(0, MIN_EVALUATORS - len(_active(assignments))))


def assign_evaluator(actor, application_id, evaluator_id):
    """Assign a host evaluator to a submitted application (host administrator), once its window
    has closed (any time for an always-open window); the first assignment in a window stamps
    ``evaluation_started_at``, and the evaluator is emailed."""
    application = _host_application(actor, application_id)
    require_host_admin(actor)
    now = tenants.utcnow()
    window = application.window
    if not _evaluation_may_start(window, now):
        raise Conflict("evaluation starts once the window has closed")
    if _decision(application_id) is not None:
        raise Conflict("this application has been decided")
    evaluator = db.session.get(User, evaluator_id) if evaluator_id else None
    if evaluator is None or evaluator not in evaluator_candidates(application_id):
        raise ValidationFailed({"evaluator_id": "Choose an evaluator from the list"})
    assignment = EvaluatorAssignment(application_id=application.id, evaluator_id=evaluator.id,
                                     assigned_by_id=actor.id, assigned_at=now)
    db.session.add(assignment)
    if window.evaluation_started_at is None:
        window.evaluation_started_at = now
    audit.record("evaluation.evaluator_assigned", assignment, actor=actor,
                 after={"application_id": application.id, "evaluator_id": evaluator.id})
    notifications.notify(evaluator.email, "evaluation_assigned", {
        "full_name": evaluator.full_name, "provider_name": application.provider.name,
        "window_title": window.title,
        "link": notifications.external_url("evaluation.conflict",
                                           application_id=application.id)})
    db.session.commit()
    return assignment


# ---------------------------------------------------------------- the evaluator's side

def _own_assignment(actor, application_id):
    application = _host_application(actor, application_id)
    assignment = db.session.scalars(select(EvaluatorAssignment).where(
        EvaluatorAssignment.application_id == application_id,
        EvaluatorAssignment.evaluator_id == actor.id)).first()
    if assignment is None:
        raise PermissionDenied("you are not assigned to evaluate this application")
    return application, assignment


def get_assignment(actor, application_id):
    """The caller's own assignment to the application (for the conflict declaration page); it
    carries no answers."""
    return _own_assignment(actor, application_id)[1]


def declare_conflict(actor, application_id, *, conflict, note=None):
    """The assigned evaluator declares, once, whether they have a conflict of interest.
    None: they may then read and score the application. A conflict (with a note): they are
    withdrawn, and the host's administrators are emailed to assign someone else."""
    application, assignment = _own_assignment(actor, application_id)
    if assignment.conflict is not None:
        raise Conflict("you have already declared")
    if conflict is None:
        raise ValidationFailed({"conflict": "Select whether you have a conflict of interest"})
    note = _text(note)
    if conflict and not note:
        raise ValidationFailed({"note": "Describe the conflict of interest"})
    assignment.conflict = ConflictDeclaration.CONFLICT if conflict else ConflictDeclaration.NONE
    assignment.conflict_note = note or None
    assignment.declared_at = tenants.utcnow()
    audit.record("evaluation.conflict_declared", assignment, actor=actor,
                 after={"application_id": application.id, "conflict": assignment.conflict.value,
                        "note": assignment.conflict_note})
    if conflict:
        admins = db.session.scalars(select(User).where(
            User.role == Role.HOST_ADMIN, User.status == UserStatus.ACTIVE,
            User.organisation_id == actor.organisation_id)).all()
        for admin in admins:
            notifications.notify(admin.email, "evaluation_conflict", {
                "full_name": admin.full_name, "evaluator_name": actor.full_name,
                "provider_name": application.provider.name,
                "link": notifications.external_url("evaluation.assignments",
                                                   application_id=application.id)})
    db.session.commit()
    return assignment


@dataclass
class ScoringView:
    """What an evaluator may see: the application only after declaring no conflict; other
    evaluators' scores only when ``others_visible``."""

    application: object
    assignment: object
    questions: list
    own: dict
    others_visible: bool
    others: list = field(default_factory=list)


def get_scoring(actor, application_id):
    """The evaluator's scoring sheet. Refused (409) until they have declared no conflict;
    others' scores are included only once they and every assigned evaluator have submitted."""
    application, assignment = _own_assignment(actor, application_id)
    if assignment.conflict is None:
        raise Conflict("declare any conflict of interest before reading the application")
    if assignment.withdrawn:
        raise PermissionDenied("you declared a conflict of interest for this application")
    own = {s.question_id: s for s in assignment.scores}
    view = ScoringView(application=application, assignment=assignment,
                       questions=list(application.window.questions), own=own,
                       others_visible=False)
    if assignment.submitted_at is not None:
        assignments = _assignments(application_id)
        if _all_submitted(assignments):
            view.others_visible = True
            view.others = [a for a in _active(assignments) if a.id != assignment.id]
    return view


def _parse_result(question, raw, errors, *, complete, prefix):
    """One question's result from ``raw`` ({"passed", "mark", "comment"}), checked."""
    raw = raw or {}
    comment = _text(raw.get("comment"))
    passed = raw.get("passed")
    mark = raw.get("mark")
    if question.kind == QuestionKind.PASS_FAIL:
        if passed in ("pass", "true", True):
            passed = True
        elif passed in ("fail", "false", False):
            passed = False
        elif passed in (None, ""):
            passed = None
        else:
            errors[f"{prefix}{question.id}-passed"] = f"Question {question.number}: select pass or fail"
            passed = None
        if complete and passed is None:
            errors[f"{prefix}{question.id}-passed"] = f"Question {question.number}: select pass or fail"
        if complete and passed is False and not comment:
            errors[f"{prefix}{question.id}-comment"] = (
                f"Question {question.number}: say why it fails")
        return {"passed": passed, "mark": None, "comment": comment}
    if mark in (None, ""):
        mark = None
    else:
        try:
            mark = int(mark)
        except (TypeError, ValueError):
            mark = -1
        if not 0 <= mark <= MAX_MARK:
            errors[f"{prefix}{question.id}-mark"] = (
                f"Question {question.number}: the mark must be a whole number from 0 to {MAX_MARK}")
            mark = None
    if complete and mark is None and f"{prefix}{question.id}-mark" not in errors:
        errors[f"{prefix}{question.id}-mark"] = f"Question {question.number}: give a mark"
    if complete and not comment:
        errors[f"{prefix}{question.id}-comment"] = (
            f"Question {question.number}: comment on the mark")
    return {"passed": None, "mark": mark, "comment": comment}


def save_scores(actor, application_id, results, *, submit=False):
    """The evaluator saves their draft scores, or submits them (every question answered; then
    they are frozen). ``results`` maps a window question id to {"passed", "mark", "comment"}:
    pass/fail questions take pass or fail (a fail needs a note); scored questions a mark 0-5
    with a comment."""
    view = get_scoring(actor, application_id)
    assignment = view.assignment
    if assignment.submitted_at is not None:
        raise Conflict("your scores have been submitted")
    results = {str(k): v for k, v in (results or {}).items()}
    errors, parsed = {}, {}
    for question in view.questions:
        parsed[question.id] = _parse_result(question, results.get(str(question.id)), errors,
                                            complete=submit, prefix="q")
    if errors:
        raise ValidationFailed(errors)
    for question in view.questions:
        value = parsed[question.id]
        score = view.own.get(question.id)
        if score is None:
            score = Score(assignment=assignment, question_id=question.id)
            db.session.add(score)
        score.passed, score.mark, score.comment = (value["passed"], value["mark"],
                                                   value["comment"] or None)
    if submit:
        assignment.submitted_at = tenants.utcnow()
        audit.record("evaluation.scores_submitted", assignment, actor=actor,
                     after={"application_id": application_id,
                            "scores": {str(q): v for q, v in parsed.items()}})
    db.session.commit()
    return assignment


def my_assignments(actor):
    """The caller's own evaluation assignments, newest first (any host user)."""
    if not _is_host_user(actor):
        raise PermissionDenied("only the host evaluates applications")
    return db.session.scalars(
        select(EvaluatorAssignment).where(EvaluatorAssignment.evaluator_id == actor.id)
        .order_by(EvaluatorAssignment.assigned_at.desc(), EvaluatorAssignment.id.desc())).all()


def applications_by_id(ids):
    """Applications visible to the caller, by id (one query), for list pages."""
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_(ids))).unique()}


def page_of_my_assignments(actor, page, per_page):
    """One page of :func:`my_assignments`."""
    if not _is_host_user(actor):
        raise PermissionDenied("only the host evaluates applications")
    return paginate(
        select(EvaluatorAssignment).where(EvaluatorAssignment.evaluator_id == actor.id)
        .order_by(EvaluatorAssignment.assigned_at.desc(), EvaluatorAssignment.id.desc()),
        page, per_page)


@dataclass
class EvaluationsHome:
    assignments: list
    applications: dict
    windows: list


def evaluations_home(actor):
    """The evaluator's list of assigned applications; for the host's administrator also the
    windows with submitted applications to evaluate."""
    assignments = my_assignments(actor)
    windows = []
    if actor.is_host_admin:
        has_submitted = exists(select(Application.id).where(
            Application.window_id == AdmissionWindow.id, Application.submitted_at.is_not(None)))
        windows = db.session.scalars(select(AdmissionWindow).where(has_submitted)
                                     .order_by(AdmissionWindow.opens_at.desc())).unique().all()
    return EvaluationsHome(assignments=assignments,
                           applications=applications_by_id([a.application_id
                                                            for a in assignments]),
                           windows=windows)


# ---------------------------------------------------------------- window progress

@dataclass
class WindowRow:
    application: object
    assignments: list
    moderation: object
    decision: object

    @property
    def active(self):
        return _active(self.assignments)

    @property
    def submitted_count(self):
        return sum(1 for a in self.active if a.submitted_at)


@dataclass
class WindowEvaluation:
    window: object
    rows: list
    now: object

    @property
    def ready_to_issue(self):
        return bool(self.rows) and all(r.decision is not None for r in self.rows) and any(
            not r.decision.issued for r in self.rows)


def window_evaluation(actor, window_id):
    """The host administrator's view of a window's evaluation: each submitted application's
    evaluators (progress only), moderation and decision."""
    window = db.session.get(AdmissionWindow, window_id)
    if window is None:
        raise NotFound(f"window {window_id}")
    require_host_admin(actor)
    applications = db.session.scalars(
        select(Application).where(Application.window_id == window_id,
                                  Application.submitted_at.is_not(None))
        .order_by(Application.submitted_at, Application.id)).unique().all()
    ids = [a.id for a in applications]
    assignments, moderations, decisions = {}, {}, {}
    if ids:
        for a in db.session.scalars(select(EvaluatorAssignment).where(
                EvaluatorAssignment.application_id.in_(ids))
                .order_by(EvaluatorAssignment.id)).unique():
            assignments.setdefault(a.application_id, []).append(a)
        moderations = {m.application_id: m for m in db.session.scalars(
            select(Moderation).where(Moderation.application_id.in_(ids))).unique()}
        decisions = {d.application_id: d for d in db.session.scalars(
            select(Decision).where(Decision.application_id.in_(ids))).unique()}
    return WindowEvaluation(window=window, now=tenants.utcnow(), rows=[
        WindowRow(a, assignments.get(a.id, []), moderations.get(a.id), decisions.get(a.id))
        for a in applications])


# ---------------------------------------------------------------- moderation

@dataclass
class ModerationView:
    application: object
    questions: list
    assignments: list
    scores: dict          # {assignment_id: {question_id: Score}}
    moderation: object
    decision: object
    pass_mark: int
    applied_lots: list


def _require_moderator(actor, application_id):
    require_host_admin(actor)
    if db.session.scalars(select(EvaluatorAssignment.id).where(
            EvaluatorAssignment.application_id == application_id,
            EvaluatorAssignment.evaluator_id == actor.id)).first():
        raise PermissionDenied("an evaluator of this application (or one who declared a "
                               "conflict) cannot moderate it")


def get_moderation(actor, application_id):
    """Every evaluator's scores side by side, for the moderator (a host administrator who is
    not one of the application's evaluators), once every assigned evaluator has submitted."""
    application = _host_application(actor, application_id)
    _require_moderator(actor, application_id)
    assignments = _assignments(application_id)
    if not _all_submitted(assignments):
        raise Conflict(f"moderation opens once at least {MIN_EVALUATORS} evaluators have "
                       "been assigned and all have submitted their scores")
    active = _active(assignments)
    return ModerationView(
        application=application, questions=list(application.window.questions),
        assignments=active,
        scores={a.id: {s.question_id: s for s in a.scores} for a in active},
        moderation=_moderation(application_id), decision=_decision(application_id),
        pass_mark=application.window.pass_mark,
        applied_lots=[al.lot for al in application.lots])


def weighted_points(questions, agreed):
    """sum(weight × agreed mark normalised to 0-100) over scored questions; divide by 100 for
    the weighted score (0-100) compared with the pass mark."""
    return sum((q.weight or 0) * normalised(agreed[q.id]["mark"])
               for q in questions if q.kind == QuestionKind.SCORED)


def outcome_of(questions, agreed, pass_mark):
    """(all pass/fail questions passed, weighted points, passes overall)."""
    all_passed = all(agreed[q.id]["passed"] for q in questions
                     if q.kind == QuestionKind.PASS_FAIL)
    points = weighted_points(questions, agreed)
    return all_passed, points, all_passed and points >= pass_mark * 100


def record_moderation(actor, application_id, *, agreed, lot_ids=(), reasons):
    """The moderator records the agreed result per question with notes, and so the decision:
    rejected (for every lot) if any pass/fail question fails or the weighted score is below the
    window's pass mark; otherwise admitted to the lots the moderator chooses (some or all of
    those applied for). ``reasons`` are required either way. The decision is recorded, not yet
    issued; it can be recorded again until it is issued."""
    view = get_moderation(actor, application_id)
    if view.decision is not None and view.decision.issued:
        raise Conflict("the decision has been issued")
    agreed = {str(k): v for k, v in (agreed or {}).items()}
    errors, parsed = {}, {}
    for question in view.questions:
        raw = dict(agreed.get(str(question.id)) or {})
        raw.setdefault("comment", raw.get("note"))
        parsed[question.id] = _parse_result(question, raw, errors, complete=True, prefix="q")
    reasons = _text(reasons)
    if not reasons:
        errors["reasons"] = "Give the reasons for the decision"
    if errors:
        raise ValidationFailed(errors)
    pass_mark = view.pass_mark
    all_passed, points, passes = outcome_of(view.questions, parsed, pass_mark)
    applied = {lot.id: lot for lot in view.applied_lots}
    try:
        chosen = sorted({int(i) for i in (lot_ids or [])})
    except (TypeError, ValueError):
        raise ValidationFailed({"lot_ids": "Choose lots the provider applied for"}) from None
    if passes:
        if not chosen:
            raise ValidationFailed({"lot_ids": "Choose at least one lot to admit the provider to"})
        if not set(chosen) <= applied.keys():
            raise ValidationFailed({"lot_ids": "Choose only lots the provider applied for"})
    else:
        chosen = []
    now = tenants.utcnow()
    moderation = view.moderation or Moderation(application_id=application_id)
    if moderation.id is None:
        db.session.add(moderation)
    moderation.moderator_id = actor.id
    moderation.agreed = {str(q): {"passed": v["passed"], "mark": v["mark"], "note": v["comment"]}
                         for q, v in parsed.items()}
    moderation.score_points, moderation.all_passed = points, all_passed
    moderation.completed_at = moderation.updated_at = now
    snapshot = [{
        "question_id": q.id, "number": q.number, "text": q.text, "kind": q.kind.value,
        "weight": q.weight, "passed": parsed[q.id]["passed"], "mark": parsed[q.id]["mark"],
        "normalised": (normalised(parsed[q.id]["mark"]) if q.kind == QuestionKind.SCORED
                       else None),
        "note": parsed[q.id]["comment"]} for q in view.questions]
    decision = view.decision or Decision(application_id=application_id)
    if decision.id is None:
        db.session.add(decision)
    application = view.application
    decision.window_id, decision.provider_id = application.window_id, application.provider_id
    decision.outcome = DecisionOutcome.ADMITTED if passes else DecisionOutcome.REJECTED
    decision.lot_ids, decision.reasons, decision.scores = chosen, reasons, snapshot
    decision.score_points, decision.pass_mark, decision.all_passed = points, pass_mark, all_passed
    decision.decided_by_id, decision.decided_at = actor.id, now
    audit.record("evaluation.moderated", decision, actor=actor, after={
        "application_id": application_id, "outcome": decision.outcome.value,
        "lot_ids": chosen, "weighted_score": points / 100, "pass_mark": pass_mark,
        "all_passed": all_passed, "reasons": reasons})
    db.session.commit()
    return decision


# ---------------------------------------------------------------- decisions

def _standstill_rule(window):
    return StandstillRule(window.system.admission_standstill)


def _issue(actor, decision, window, now):
    """Notify the provider, stamp the decision, and create its admissions effective from the
    end of standstill (skipping lots the provider already holds)."""
    rule = _standstill_rule(window)
    ends = standstill.standstill_end(rule, now)
    decision.notified_at, decision.standstill_rule, decision.standstill_ends_at = now, rule.value, ends
    admitted = []
    if decision.outcome == DecisionOutcome.ADMITTED:
        held = set(db.session.scalars(select(Admission.lot_id).where(
            Admission.provider_id == decision.provider_id,
            Admission.status != AdmissionStatus.REMOVED)))
        for lot_id in decision.lot_ids:
            if lot_id in held:
                continue
            admission = Admission(provider_id=decision.provider_id, lot_id=lot_id,
                                  decision=decision, effective_at=ends,
                                  status=AdmissionStatus.ACTIVE)
            db.session.add(admission)
            admitted.append(admission)
    lots = db.session.scalars(select(Lot).where(Lot.id.in_(decision.lot_ids))).all()
    audit.record("evaluation.decision_issued", decision, actor=actor, after={
        "outcome": decision.outcome.value, "lot_ids": decision.lot_ids,
        "notified_at": now.isoformat(), "standstill_rule": rule.value,
        "standstill_ends_at": ends.isoformat()})
    db.session.flush()  # the host's rows, before writing in the provider's scope
    notifications.notify_organisation(decision.provider, "decision_issued", {
        "provider_name": decision.provider.name, "window_title": window.title,
        "outcome": decision.outcome.value,
        "lots": [f"{lot.code} {lot.title}" for lot in lots],
        "standstill": decision.standstill.sentence("the admission takes effect"),
        "link": notifications.external_url("evaluation.decision",
                                           application_id=decision.application_id)})
    return admitted


def issue_window_decisions(actor, window_id):
    """Issue every decision of a window at once (host administrator), once every submitted
    application has been moderated: each provider is notified, standstill starts under the
    system's admission rule, admissions are created effective from its end, and the window is
    stamped (decisions issued, standstill end)."""
    progress = window_evaluation(actor, window_id)
    window = progress.window
    if not progress.rows:
        raise Conflict("the window has no submitted applications")
    if any(r.decision is None for r in progress.rows):
        raise Conflict("every submitted application must be moderated before decisions are "
                       "issued")
    pending = [r.decision for r in progress.rows if not r.decision.issued]
    if not pending:
        raise Conflict("the decisions have been issued")
    now = tenants.utcnow()
    for decision in pending:
        _issue(actor, decision, window, now)
    window.decisions_issued_at = window.decisions_issued_at or now
    window.standstill_ends_at = max(d.standstill_ends_at for d in pending)
    db.session.commit()
    return pending


def issue_decision(actor, application_id):
    """Issue one application's decision on its own (host administrator): only in an
    always-open window (a QPL or dynamic market), where applications arrive at any time; a
    windowed round issues all its decisions together."""
    application = _host_application(actor, application_id)
    require_host_admin(actor)
    window = application.window
    if not window.always_open:
        raise Conflict("decisions in this window are issued together for the whole window")
    decision = _decision(application_id)
    if decision is None:
        raise Conflict("the application has not been moderated")
    if decision.issued:
        raise Conflict("the decision has been issued")
    now = tenants.utcnow()
    _issue(actor, decision, window, now)
    window.decisions_issued_at = window.decisions_issued_at or now
    window.standstill_ends_at = max(filter(None, [window.standstill_ends_at,
                                                  decision.standstill_ends_at]))
    db.session.commit()
    return decision


def get_decision(actor, application_id, *, required=False):
    """The application's decision: the host's administrators see it once recorded, the
    provider once issued (both with its letter). None if there is none yet (or, with
    ``required``, 409); 404 for anyone who cannot see the application."""
    application = _application(application_id)
    if _is_host_user(actor):
        require_host_admin(actor)
    elif actor.organisation_id != application.provider_id:
        raise NotFound(f"application {application_id}")
    decision = _decision(application_id)
    if decision is None and required:
        raise Conflict("there is no decision on this application yet")
    return application, decision


def decision_lots(decision):
    """The lots named in a decision, by code."""
    if not decision or not decision.lot_ids:
        return []
    return db.session.scalars(select(Lot).where(Lot.id.in_(decision.lot_ids))
                              .order_by(Lot.code)).all()


# ---------------------------------------------------------------- admissions

ADMISSION_STATES = ("pending", "active", "suspended", "removed")


def _admissions_query(*, lot_id=None, provider_id=None, state=None, now=None):
    now = now or tenants.utcnow()
    statement = (select(Admission)
                 .options(selectinload(Admission.provider), selectinload(Admission.lot))
                 .join(Admission.provider).join(Admission.lot)
                 .order_by(Lot.code, func.lower(tenants.Organisation.name), Admission.id))
    if lot_id:
        statement = statement.where(Admission.lot_id == lot_id)
    if provider_id:
        statement = statement.where(Admission.provider_id == provider_id)
    if state == "removed":
        statement = statement.where(Admission.status == AdmissionStatus.REMOVED)
    elif state == "pending":
        statement = statement.where(Admission.status != AdmissionStatus.REMOVED,
                                    Admission.effective_at > now)
    elif state in ("active", "suspended"):
        statement = statement.where(Admission.status == AdmissionStatus(state),
                                    Admission.effective_at <= now)
    return statement


def _check_filters(lot_id, state):
    errors = {}
    if state and state not in ADMISSION_STATES:
        errors["status"] = "Choose pending, active, suspended or removed"
    if errors:
        raise ValidationFailed(errors)


def list_admissions(actor, *, lot_id=None, provider_id=None, state=None):
    """Admissions by lot and provider, filtered; for every authority user."""
    _require_authority(actor)
    _check_filters(lot_id, state)
    return db.session.scalars(_admissions_query(lot_id=lot_id, provider_id=provider_id,
                                                state=state)).all()


def page_of_admissions(actor, page, per_page, *, lot_id=None, provider_id=None, state=None):
    """One page of :func:`list_admissions`."""
    _require_authority(actor)
    _check_filters(lot_id, state)
    return paginate(_admissions_query(lot_id=lot_id, provider_id=provider_id, state=state),
                    page, per_page)


def admission_filters():
    """Lots and admitted providers to filter the admissions list by."""
    lots = db.session.scalars(select(Lot).order_by(Lot.code)).all()
    providers = db.session.scalars(
        select(tenants.Organisation).where(tenants.Organisation.id.in_(
            select(Admission.provider_id))).order_by(tenants.Organisation.name)).all()
    return lots, providers


def get_admission(actor, admission_id):
    """One admission, for any authority user. For a provider another provider's admission does
    not exist (NotFound, as for any other organisation's object); its own is refused by role."""
    admission = db.session.get(Admission, admission_id)
    if admission is None or (actor.organisation.kind != tenants.OrganisationKind.AUTHORITY
                             and admission.provider_id != actor.organisation_id):
        raise NotFound(f"admission {admission_id}")
    _require_authority(actor)
    return admission


_TRANSITIONS = {
    "suspend": ({AdmissionStatus.ACTIVE}, AdmissionStatus.SUSPENDED, "admission.suspended"),
    "reinstate": ({AdmissionStatus.SUSPENDED}, AdmissionStatus.ACTIVE, "admission.reinstated"),
    "remove": ({AdmissionStatus.ACTIVE, AdmissionStatus.SUSPENDED}, AdmissionStatus.REMOVED,
               "admission.removed"),
}


def change_admission(actor, admission_id, action, reason):
    """The host's administrator suspends (active → suspended), reinstates (suspended →
    active) or removes (active or suspended → removed, for good) an admission with a reason;
    audited, and the provider is emailed."""
    admission = get_admission(actor, admission_id)
    require_host_admin(actor)
    allowed, target, event = _TRANSITIONS[action]
    reason = _text(reason, 2000)
    if not reason:
        raise ValidationFailed({"reason": "Give the reason"})
    if admission.status not in allowed:
        raise Conflict(f"an admission that is {admission.status.value} cannot be {target.value}")
    before = {"status": admission.status.value, "reason": admission.status_reason}
    now = tenants.utcnow()
    admission.status, admission.status_reason = target, reason
    admission.status_changed_at, admission.status_changed_by_id = now, actor.id
    audit.record(event, admission, actor=actor, before=before,
                 after={"status": target.value, "reason": reason})
    db.session.flush()  # the host's rows, before writing in the provider's scope
    notifications.notify_organisation(admission.provider, "admission_status_changed", {
        "provider_name": admission.provider.name, "lot": f"{admission.lot.code} "
                                                         f"{admission.lot.title}",
        "status": target.value, "reason": reason})
    db.session.commit()
    return admission


def suspend_admission(actor, admission_id, reason):
    """See :func:`change_admission`."""
    return change_admission(actor, admission_id, "suspend", reason)


def reinstate_admission(actor, admission_id, reason):
    """See :func:`change_admission`."""
    return change_admission(actor, admission_id, "reinstate", reason)


def remove_admission(actor, admission_id, reason):
    """See :func:`change_admission`."""
    return change_admission(actor, admission_id, "remove", reason)


def notify_active_admissions(now=None):
    """Tell each provider, once, that an admission has become active (its standstill ended).

    The job, with no organisation in scope: it acts for the host, which owns admissions, and
    stamps ``activation_notified_at`` so a second run sends nothing. Returns the count."""
    now = now or tenants.utcnow()
    host = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).first()
    if host is None:
        return 0
    with tenants.scoped_to(host):
        due = db.session.scalars(
            select(Admission).where(Admission.status == AdmissionStatus.ACTIVE,
                                    Admission.effective_at <= now,
                                    Admission.activation_notified_at.is_(None))
            .options(selectinload(Admission.provider), selectinload(Admission.lot))
            .order_by(Admission.id)).all()
        for admission in due:
            admission.activation_notified_at = now
            audit.record("admission.became_active", admission, actor=None,
                         after={"effective_at": admission.effective_at.isoformat()})
            db.session.flush()  # the host's rows, before writing in the provider's scope
            notifications.notify_organisation(admission.provider, "admission_active", {
                "provider_name": admission.provider.name,
                "lot": f"{admission.lot.code} {admission.lot.title}",
                "link": notifications.external_url("evaluation.decision",
                                                   application_id=admission.decision.application_id)
                if admission.decision else notifications.external_url("web.dashboard")})
        db.session.commit()
    return len(due)

