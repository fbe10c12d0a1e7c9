"""The evaluation part of the demo region (called by marketplace.demo.seed, in package order).

Round 6 (closed) is evaluated through the services: the demo evaluator and a second host
evaluator score every submitted application blind, the host administrator moderates, and the
decisions are issued; the stamps are then moved back to a month after the close so that
standstill has ended and the admissions are active today. Providers with no Round 6 application
are given founding admissions (from the system's start, with no decision). The residential round
closed last week: its application is assigned to both evaluators and waits for their scores.
Round 7 is still open, so nobody can be assigned to evaluate it yet. Rows are looked up, not
assumed: anything missing from the earlier seeds is skipped.
"""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

import tenants

from ..accounts import services as accounts
from ..accounts.models import Role, User
from ..extensions import db
from ..formatting import LONDON
from ..purchasing.models import Lot, StandstillRule
from ..purchasing.standstill import standstill_end
from ..windows.demo import AWAITING_SCORES
from ..windows.models import AdmissionWindow, Application, QuestionKind
from . import services
from .models import Admission, AdmissionStatus, Decision, EvaluatorAssignment

SECOND_EVALUATOR = ("evaluator2@cheshire-east.example.com", "Ellis Grant")
# Provider name → (mark per evaluator, lots to admit, reasons).
OUTCOMES = {
    "Brookvale Independent Special School Ltd": (
        (4, 4), ["DAY"], "Clear, evidenced answers on autism practice and family work."),
    "Hillside Learning Trust": (
        (4, 3), ["DAY", "RES38"], "Strong curriculum and therapy offer across both lots."),
    "Meadowbank Residential School Ltd": (
        (3, 4), ["RES38", "RES52"], "Admitted to both residential lots: the children's home "
                                    "registration (SC480001) was checked with Ofsted."),
}
# The founding admission suspended to show a suspension's reason on the admissions pages.
SUSPENDED = ("Cedar House School Ltd", "RES52")
FOUNDING_LOTS = ["DAY", "RES38", "RES52"]


def _user(email):
    from ..accounts.models import Credential

    credential = db.session.scalars(select(Credential).where(Credential.email == email)).first()
    return db.session.get(User, credential.user_id) if credential else None


def _results(window, mark):
    out = {}
    for question in window.questions:
        if question.kind == QuestionKind.PASS_FAIL:
            out[question.id] = {"passed": True, "comment": "Evidence seen and checked."}
        else:
            out[question.id] = {"mark": mark, "comment": f"Marked {mark}: see the evidence "
                                                         f"given for question {question.number}."}
    return out


def seed():
    """Evaluate and decide Round 6, and give the other demo providers founding admissions."""
    from ..demo import DEMO_PASSWORD, REGION_STARTED

    host = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).first()
    if host is None:
        return
    with tenants.scoped_to(host):
        admin = _user("host.admin@cheshire-east.example.com")
        evaluator = _user("evaluator@cheshire-east.example.com")
        if admin is None or evaluator is None:
            return
        second = _user(SECOND_EVALUATOR[0]) or accounts.create_user(
            host, email=SECOND_EVALUATOR[0], full_name=SECOND_EVALUATOR[1],
            role=Role.EVALUATOR, password=DEMO_PASSWORD)
        lots = {lot.code: lot for lot in db.session.scalars(select(Lot))}
        round_6 = db.session.scalars(select(AdmissionWindow).where(
            AdmissionWindow.title == "Round 6")).first()
        decided = _decide_round(round_6, admin, (evaluator, second), lots) if round_6 else set()
        _founding_admissions(admin, decided, lots, REGION_STARTED)
        waiting = db.session.scalars(select(AdmissionWindow).where(
            AdmissionWindow.title == AWAITING_SCORES)).first()
        if waiting is not None:
            _assign_for_scoring(waiting, admin, (evaluator, second))


def _assign_for_scoring(window, admin, evaluators):
    """The closed residential round's applications, assigned to both evaluators and left for
    them to declare any conflict and score."""
    for application in db.session.scalars(select(Application).where(
            Application.window_id == window.id, Application.submitted_at.is_not(None))
            .order_by(Application.id)).unique():
        for person in evaluators:
            services.assign_evaluator(admin, application.id, person.id)


def _decide_round(window, admin, evaluators, lots):
    applications = db.session.scalars(select(Application).where(
        Application.window_id == window.id, Application.submitted_at.is_not(None))
        .order_by(Application.id)).unique().all()
    if not applications:
        return set()
    for application in applications:
        marks, codes, reasons = OUTCOMES.get(application.provider.name,
                                             ((4, 4), [], "A good application."))
        for person, mark in zip(evaluators, marks):
            services.assign_evaluator(admin, application.id, person.id)
            services.declare_conflict(person, application.id, conflict=False)
            services.save_scores(person, application.id, _results(window, mark), submit=True)
        agreed = _results(window, round(sum(marks) / len(marks)))
        chosen = [lots[c].id for c in codes if c in lots and lots[c].id in application.lot_ids]
        services.record_moderation(admin, application.id, agreed=agreed,
                                   lot_ids=chosen or application.lot_ids, reasons=reasons)
    services.issue_window_decisions(admin, window.id)
    _backdate(window, applications)
    return {a.provider_id for a in applications}


def _backdate(window, applications):
    """Move the round's evaluation stamps to the weeks after its close (the services stamp
    'now'), so its standstill has ended and its admissions are active."""
    started = window.closes_at + timedelta(days=2)
    issued = window.closes_at + timedelta(days=30)
    rule = StandstillRule(window.system.admission_standstill)
    ends = standstill_end(rule, issued)
    ids = [a.id for a in applications]
    for assignment in db.session.scalars(select(EvaluatorAssignment).where(
            EvaluatorAssignment.application_id.in_(ids))):
        assignment.assigned_at = started
        assignment.declared_at = started + timedelta(hours=2)
        assignment.submitted_at = started + timedelta(days=10)
    for decision in db.session.scalars(select(Decision).where(Decision.application_id.in_(ids))):
        decision.decided_at = issued - timedelta(days=3)
        decision.notified_at, decision.standstill_ends_at = issued, ends
        for admission in decision.admissions:
            admission.effective_at = ends
            admission.activation_notified_at = ends
    window.evaluation_started_at = started
    window.decisions_issued_at, window.standstill_ends_at = issued, ends
    db.session.commit()


def _founding_admissions(admin, decided, lots, started_on):
    """Providers that did not apply in Round 6 hold admissions from the system's start."""
    from ..providers.models import Provider

    # From the start of that day in the UK (a UTC midnight reads "1am" in summer).
    effective = datetime.combine(started_on, time(0), tzinfo=LONDON).astimezone(timezone.utc)
    held = {(a.provider_id, a.lot_id) for a in db.session.scalars(select(Admission))}
    applied = set(db.session.scalars(select(Application.organisation_id)))
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    for provider in providers:
        if provider.id in decided or provider.id in applied:
            continue
        for code in FOUNDING_LOTS:
            lot = lots.get(code)
            if lot is None or (provider.id, lot.id) in held:
                continue
            db.session.add(Admission(provider_id=provider.id, lot_id=lot.id,
                                     effective_at=effective, status=AdmissionStatus.ACTIVE,
                                     activation_notified_at=effective))
    db.session.commit()
    # One suspension, to show the reason on the admissions pages.
    name, code = SUSPENDED
    holder = next((p for p in providers if p.name == name), None)
    suspend = db.session.scalars(select(Admission).where(
        Admission.decision_id.is_(None), Admission.lot_id == lots[code].id,
        Admission.provider_id == holder.id)).first() if code in lots and holder else None
    if suspend is not None and admin is not None:
        services.suspend_admission(admin, suspend.id, "Ofsted judged the residential provision "
                                                      "inadequate; suspended pending re-inspection.")
