"""Questionnaires, windows and applications, made directly in their owners' scopes."""
from datetime import timedelta

import tenants
from marketplace.extensions import db
from marketplace.windows.models import (AdmissionWindow, Application, ApplicationLot,
                                        QuestionCategory, QuestionKind, Questionnaire,
                                        QuestionnaireQuestion, WindowQuestion)

from ..purchasing import factories as purchasing

PASS_FAIL = [
    (QuestionCategory.REGISTRATIONS, "Are you registered with Ofsted?"),
    (QuestionCategory.INSURANCE, "Do you hold £10m public liability insurance?"),
]
SCORED = [("Describe your approach to safeguarding.", 60),
          ("How do you plan transitions?", 40)]


def questionnaire(host, *, pass_mark=60, pass_fail=PASS_FAIL, scored=SCORED):
    """The host's library questionnaire (the existing one if there is one)."""
    with tenants.scoped_to(host):
        existing = db.session.scalars(db.select(Questionnaire)).first()
        if existing is not None:
            return existing
        made = Questionnaire(title="Admission questionnaire", pass_mark=pass_mark)
        number = 0
        for category, text in pass_fail:
            number += 1
            made.questions.append(QuestionnaireQuestion(
                number=number, kind=QuestionKind.PASS_FAIL, category=category, text=text,
                guidance=""))
        for text, weight in scored:
            number += 1
            made.questions.append(QuestionnaireQuestion(
                number=number, kind=QuestionKind.SCORED, text=text, guidance="", weight=weight))
        db.session.add(made)
        db.session.commit()
        return made


def window(host, *, title="Round 7", opens_at=None, closes_at=None, lots=None,
           always_open=False):
    """A window with a copy of the host's questionnaire; open now (for a week) by default."""
    now = tenants.utcnow()
    opens_at = opens_at or now - timedelta(days=1)
    if closes_at is None and not always_open:
        closes_at = now + timedelta(days=7)
    lots = lots or [purchasing.lot(host)]
    library = questionnaire(host)
    with tenants.scoped_to(host):
        system = purchasing.system(host)
        made = AdmissionWindow(system_id=system.id, title=title, opens_at=opens_at,
                               closes_at=closes_at, pass_mark=library.pass_mark)
        made.lots = [db.session.get(type(lot), lot.id) for lot in lots]
        made.questions = [
            WindowQuestion(number=q.number, kind=q.kind, category=q.category, text=q.text,
                           guidance=q.guidance, weight=q.weight) for q in library.questions]
        db.session.add(made)
        db.session.commit()
        return made


def complete_answers(made_window):
    return {str(q.id): {"answer": "yes" if q.kind == QuestionKind.PASS_FAIL else
                        f"Our answer to question {q.number}.", "evidence": ""}
            for q in made_window.questions}


def application(provider, made_window, *, submitted=False, complete=None, fee=125000):
    """The provider's application to the window: complete (every lot, fee and answer) when
    submitted, or if ``complete``; an empty draft otherwise."""
    complete = submitted if complete is None else complete
    now = tenants.utcnow()
    with tenants.scoped_to(provider):
        made = Application(window_id=made_window.id, created_at=now, updated_at=now,
                           answers=complete_answers(made_window) if complete else {},
                           submitted_at=now if submitted else None)
        if complete:
            made.lots = [ApplicationLot(lot_id=lot.id,
                                        fees={t: fee for t in lot.placement_types})
                         for lot in made_window.lots]
        db.session.add(made)
        db.session.commit()
        return made
