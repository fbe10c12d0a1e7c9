"""The windows part of the demo region (called by marketplace.demo.seed, in package order).

The host's questionnaire; Round 6 (closed, with three submitted applications for the evaluation
demo), a residential round for the two residential lots (closed last week: Riverside's
application waits for the evaluators' scores), Round 7 (open now, closing in three weeks: a
draft by Brookvale and a submission by Riverside) and Round 8 (scheduled). Times are fixed UK times on days counted from today, so every
seed looks the same relative to the day it runs.
"""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

import tenants

from ..accounts import services as accounts
from ..accounts.models import Role, User
from ..extensions import db
from ..formatting import LONDON
from ..providers.models import Provider
from ..purchasing.models import PurchasingSystem
from .models import (AdmissionWindow, Application, ApplicationLot, QuestionCategory,
                     QuestionKind, Questionnaire, QuestionnaireQuestion, WindowQuestion)

PASS_FAIL = [
    (QuestionCategory.REGISTRATIONS,
     "Is the school registered with the Department for Education as an independent or "
     "non-maintained special school, and (for 52-week placements) with Ofsted as a children's "
     "home?", "Give your DfE URN and, where it applies, your Ofsted children's home URN."),
    (QuestionCategory.INSURANCE,
     "Do you hold employer's liability insurance of at least £10 million and public liability "
     "and professional indemnity insurance of at least £5 million each?",
     "Upload or describe your current certificates and their expiry dates."),
    (QuestionCategory.SAFEGUARDING,
     "Do you have a safeguarding policy reviewed in the last 12 months, a designated "
     "safeguarding lead, and enhanced DBS checks for every member of staff?", ""),
    (QuestionCategory.EXCLUSION_GROUNDS,
     "Confirm that none of the mandatory exclusion grounds apply to the organisation or its "
     "connected persons.", "Procurement Act 2023, Schedule 6."),
    (QuestionCategory.EXCLUSION_GROUNDS,
     "Confirm that none of the discretionary exclusion grounds apply, or describe the "
     "self-cleaning you have done.", "Procurement Act 2023, Schedule 7."),
]
SCORED = [
    ("Describe how you assess, plan and review provision for each child's education, health "
     "and care needs, with examples of outcomes achieved.", 40),
    ("How do you keep children safe and promote their wellbeing, including the management of "
     "behaviour that challenges without restrictive practice?", 30),
    ("How do you work with the placing authority, parents and carers, including at annual "
     "reviews and transitions?", 20),
    ("How do you provide social value in the region, such as local employment and training?",
     10),
]
PASS_MARK = 60

ANSWERS = [
    "We assess every child in their first six weeks against their EHC plan outcomes and review "
    "termly with the family and authority.",
    "Our positive behaviour support plans are written with each child; restrictive practice "
    "is recorded, reviewed weekly and falling.",
    "Every child has a key worker who leads transition planning from Year 9 and attends every "
    "annual review.",
    "Most of our staff live within 20 miles; we run an apprenticeship scheme with the local "
    "college.",
]
# Provider (by name) → weekly fees in pence for day, 38-week and 52-week placements.
FEES = {"day": 125000, "residential_38": 310000, "residential_52": 520000}
# The closed round whose application the evaluation seed leaves waiting for scores.
AWAITING_SCORES = "Residential round 2026"


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(timezone.utc)


def _provider(name):
    return db.session.scalars(select(Provider).where(Provider.name == name)).one()


def _ensure_user(provider, email, full_name, password):
    with tenants.scoped_to(provider):
        if db.session.scalars(select(User.id)).first() is not None:
            return
    accounts.create_user(provider, email=email, full_name=full_name, role=Role.PROVIDER_USER,
                         password=password)


def _application(provider, window, *, submitted_at, lots, complete=True, created_at=None):
    with tenants.scoped_to(provider):
        answers = {}
        scored = iter(ANSWERS)
        for question in window.questions:
            if not complete and question.number > 3:
                break
            answer = "yes" if question.kind == QuestionKind.PASS_FAIL else next(scored)
            answers[str(question.id)] = {"answer": answer, "evidence": ""}
        created_at = created_at or window.opens_at + timedelta(days=1)
        application = Application(
            window_id=window.id, answers=answers, created_at=created_at,
            updated_at=submitted_at or created_at, submitted_at=submitted_at,
            lots=[ApplicationLot(lot_id=lot.id,
                                 fees={t: FEES.get(t, 9000) for t in lot.placement_types})
                  for lot in lots])
        db.session.add(application)
        db.session.commit()
        return application


def seed():
    """The questionnaire, three rounds and their applications."""
    from ..demo import DEMO_PASSWORD

    host = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).one()
    today = date.today()
    with tenants.scoped_to(host):
        system = db.session.scalars(select(PurchasingSystem)).first()
        if system is None:
            return
        questionnaire = Questionnaire(title="Admission questionnaire", pass_mark=PASS_MARK)
        number = 0
        for category, text, guidance in PASS_FAIL:
            number += 1
            questionnaire.questions.append(QuestionnaireQuestion(
                number=number, kind=QuestionKind.PASS_FAIL, category=category, text=text,
                guidance=guidance))
        for text, weight in SCORED:
            number += 1
            questionnaire.questions.append(QuestionnaireQuestion(
                number=number, kind=QuestionKind.SCORED, text=text, guidance="",
                weight=weight))
        db.session.add(questionnaire)

        lots = list(system.lots)
        residential = [lot for lot in lots if lot.code in ("RES38", "RES52")] or lots
        rounds = {}
        for title, opens, closes, offered in (
                ("Round 6", today - timedelta(days=120), today - timedelta(days=90), lots),
                (AWAITING_SCORES, today - timedelta(days=40), today - timedelta(days=7),
                 residential),
                ("Round 7", today - timedelta(days=7), today + timedelta(days=21), lots),
                ("Round 8", today + timedelta(days=150), today + timedelta(days=180), lots)):
            opens_at, closes_at = _at(opens, 9), _at(closes, 12)
            window = AdmissionWindow(
                system=system, title=title, opens_at=opens_at, closes_at=closes_at,
                pass_mark=questionnaire.pass_mark, lots=offered,
                created_at=opens_at - timedelta(days=30),
                questions=[WindowQuestion(number=q.number, kind=q.kind, category=q.category,
                                          text=q.text, guidance=q.guidance, weight=q.weight)
                           for q in questionnaire.questions])
            if opens_at <= tenants.utcnow():
                window.opened_notified_at = opens_at
            if closes_at <= tenants.utcnow():
                window.close_reminder_sent_at = closes_at - timedelta(days=3)
            db.session.add(window)
            rounds[title] = window
        db.session.commit()

    brookvale = _provider("Brookvale Independent Special School Ltd")
    hillside = _provider("Hillside Learning Trust")
    meadowbank = _provider("Meadowbank Residential School Ltd")
    riverside = _provider("Riverside Specialist College")
    _ensure_user(riverside, "admissions@riverside.example.com", "Rhys Morgan", DEMO_PASSWORD)

    by_code = {lot.code: lot for lot in lots}
    round_6 = rounds["Round 6"]
    for provider, codes, day in ((brookvale, ["DAY"], 3), (hillside, ["DAY", "RES38"], 5),
                                 (meadowbank, ["RES38", "RES52"], 8)):
        _application(provider, round_6, submitted_at=round_6.opens_at + timedelta(days=day),
                     lots=[by_code[c] for c in codes if c in by_code])
    waiting = rounds[AWAITING_SCORES]
    _application(riverside, waiting, submitted_at=waiting.opens_at + timedelta(days=10),
                 lots=[by_code[c] for c in ["RES38"] if c in by_code])
    round_7 = rounds["Round 7"]
    _application(brookvale, round_7, submitted_at=None, complete=False,
                 lots=[by_code[c] for c in ["RES38"] if c in by_code])
    _application(riverside, round_7, submitted_at=round_7.opens_at + timedelta(days=4),
                 lots=[by_code[c] for c in ["DAY"] if c in by_code])
