"""Windows, applications and evaluations for the evaluation tests, made directly in the owning
organisation's scope (the host's window, the provider's application)."""
from datetime import datetime, timedelta, timezone


import tenants
from marketplace.accounts.models import Role
from marketplace.evaluation import services
from marketplace.evaluation.models import Admission, AdmissionStatus
from marketplace.extensions import db
from marketplace.windows.models import (AdmissionWindow, Application, ApplicationLot,
                                        QuestionCategory, QuestionKind, WindowQuestion)
from tests import factories
from tests.purchasing import factories as purchasing_factories

QUESTIONS = [
    # (kind, text, weight)
    (QuestionKind.PASS_FAIL, "Do you hold the registrations the lots need?", None),
    (QuestionKind.PASS_FAIL, "Do you hold employer's liability insurance of £10m?", None),
    (QuestionKind.SCORED, "How do you meet the needs of autistic pupils?", 60),
    (QuestionKind.SCORED, "How do you work with families?", 40),
]


def window(host, *, lots=None, closes_at=None, pass_mark=60, title="Round 7",
           always_open=False):
    """A host window with two pass/fail and two scored (60/40) questions, closed an hour ago."""
    lots = lots or [purchasing_factories.lot(host, "DAY"), purchasing_factories.lot(host, "RES38")]
    system = purchasing_factories.system(host)
    now = tenants.utcnow()
    with tenants.scoped_to(host):
        made = AdmissionWindow(
            system_id=system.id, title=title, opens_at=now - timedelta(days=30),
            closes_at=None if always_open else (closes_at or now - timedelta(hours=1)),
            pass_mark=pass_mark)
        made.lots = list(lots)
        for number, (kind, text, weight) in enumerate(QUESTIONS, start=1):
            made.questions.append(WindowQuestion(
                number=number, kind=kind, text=text, weight=weight,
                category=QuestionCategory.REGISTRATIONS if kind == QuestionKind.PASS_FAIL
                else None, guidance=""))
        db.session.add(made)
        db.session.commit()
        return made


def application(provider, made_window, *, lots=None, submitted=True):
    """The provider's application to every lot of the window (or ``lots``), submitted."""
    with tenants.scoped_to(provider):
        made = Application(
            window_id=made_window.id, submitted_at=tenants.utcnow() - timedelta(days=2)
            if submitted else None,
            answers={str(q.id): {"answer": "yes" if q.kind == QuestionKind.PASS_FAIL
                                 else f"Our answer to question {q.number}",
                                 "evidence": f"Evidence {q.number}"}
                     for q in made_window.questions})
        for lot in lots or made_window.lots:
            made.lots.append(ApplicationLot(lot_id=lot.id, fees={"day": 125000}))
        db.session.add(made)
        db.session.commit()
        return made


def evaluator(host, name="Second Evaluator"):
    return factories.user(host, Role.EVALUATOR, full_name=name)


def results(made_window, *, passed=True, mark=4):
    """Results for every question: all pass (or the first fails) and every scored mark."""
    out = {}
    for q in made_window.questions:
        if q.kind == QuestionKind.PASS_FAIL:
            ok = passed or q.number != 1
            out[q.id] = {"passed": ok, "comment": "" if ok else "No registration"}
        else:
            out[q.id] = {"mark": mark, "comment": f"Mark {mark} comment"}
    return out


def scored_application(world, made_window=None, *, marks=(4, 4), submit=(True, True)):
    """A submitted application with two evaluators assigned, both cleared, scores given."""
    made_window = made_window or window(world.host)
    made = application(world.provider, made_window)
    second = evaluator(world.host)
    with tenants.scoped_to(world.host):
        for person, mark, done in zip((world.evaluator, second), marks, submit):
            services.assign_evaluator(world.host_admin, made.id, person.id)
            services.declare_conflict(person, made.id, conflict=False)
            if done is not None:
                services.save_scores(person, made.id, results(made_window, mark=mark),
                                     submit=done)
    return made, second


def decided(world, *, passed=True, mark=4, issue=True, made_window=None):
    """A moderated (and by default issued) decision on a fresh application."""
    made, second = scored_application(world, made_window)
    with tenants.scoped_to(world.host):
        decision = services.record_moderation(
            world.host_admin, made.id, agreed=results(made.window, passed=passed, mark=mark),
            lot_ids=[lot.id for lot in made.window.lots], reasons="Strong answers throughout.")
        if issue:
            services.issue_window_decisions(world.host_admin, made.window_id)
    return made, decision


def admission(host, provider, lot=None, *, effective_at=None):
    """An admission made directly (for the admissions list and matrix)."""
    lot = lot or purchasing_factories.lot(host)
    with tenants.scoped_to(host):
        made = Admission(provider_id=provider.id, lot_id=lot.id, status=AdmissionStatus.ACTIVE,
                         effective_at=effective_at or datetime(2026, 1, 7, tzinfo=timezone.utc))
        db.session.add(made)
        db.session.commit()
        return made


