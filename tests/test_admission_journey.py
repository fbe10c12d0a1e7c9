"""A whole admission round through the web pages, start to finish: the host's administrator,
two evaluators and two applying providers, each in their own browser session. The same round
through the API is tests/test_admission_round.py; the rules are pinned package by package in
tests/windows/ and tests/evaluation/."""
import re
from datetime import datetime, timezone

from sqlalchemy import select

from marketplace.evaluation.models import Admission, AdmissionStatus, Decision, DecisionOutcome
from marketplace.extensions import db
from marketplace.purchasing import PlacementType
from marketplace.windows.models import AdmissionWindow, Application, QuestionKind
from tests.conftest import IsolatedClient
from tests.evaluation import factories as evaluation
from tests.helpers import sign_in
from tests.purchasing import factories as purchasing
from tests.windows import factories as windows

PLANNED = datetime(2025, 12, 1, 10, tzinfo=timezone.utc)
OPENS = datetime(2025, 12, 2, 9, tzinfo=timezone.utc)  # 9am UK time (GMT)
APPLYING = datetime(2025, 12, 8, 11, tzinfo=timezone.utc)
CLOSES = datetime(2025, 12, 12, 17, tzinfo=timezone.utc)  # 5pm UK time (GMT)
EVALUATING = datetime(2025, 12, 15, 10, tzinfo=timezone.utc)
DECIDED = datetime(2025, 12, 19, 12, tzinfo=timezone.utc)  # Friday 19 December 2025
# PCR 2015: 10 calendar days' standstill; the last day is Monday 29 December, and admission
# takes effect at the start of Tuesday 30 December (UK time, GMT).
EFFECTIVE = datetime(2025, 12, 30, 0, 0, tzinfo=timezone.utc)


def _session(app, user):
    """A browser of its own for ``user``."""
    return sign_in(IsolatedClient(app, app.response_class, use_cookies=True), user)


def _ok(response, status=302):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def _text(response, status=200):
    return _ok(response, status).get_data(as_text=True)


def _rows(scoped, organisation, model, *where):
    with scoped(organisation):
        return db.session.scalars(select(model).where(*where)
                                  .execution_options(populate_existing=True)).all()


def _tags(page):
    """The status tags in the admissions table."""
    return re.findall(r'class="govuk-tag[^"]*">\s*(\w+)\s*<', page)


def _answers(questions, scored_answer):
    data = {}
    for q in questions:
        if q.kind == QuestionKind.PASS_FAIL:
            data[f"q{q.id}_answer"] = "yes"
            data[f"q{q.id}_evidence"] = "Registration certificate attached."
        else:
            data[f"q{q.id}_answer"] = scored_answer
            data[f"q{q.id}_evidence"] = ""
    return data


def _results(questions, mark, comment):
    """A scoring or moderation form: every pass/fail question passed, every quality question
    given ``mark``, each with ``comment``."""
    data = {}
    for q in questions:
        if q.kind == QuestionKind.PASS_FAIL:
            data[f"q{q.id}-passed"] = "pass"
        else:
            data[f"q{q.id}-mark"] = str(mark)
        data[f"q{q.id}-comment"] = f"{comment} (question {q.number})"
    return data


def test_a_whole_admission_round_through_the_web_pages(app, world, scoped, time_machine):
    time_machine.move_to(PLANNED, tick=False)
    # The purchasing system, its lots, the questionnaire and a second evaluator are the
    # preconditions, not the journey: made directly.
    day = purchasing.lot(world.host, "DAY", placement_types=(PlacementType.DAY,))
    res = purchasing.lot(world.host, "RES38", placement_types=(PlacementType.RESIDENTIAL_38,))
    windows.questionnaire(world.host)
    ellis = evaluation.evaluator(world.host, "Ellis Grant")

    def people():
        """Fresh browsers after each move of the clock (a session lasts eight hours)."""
        return (_session(app, world.host_admin), _session(app, world.provider_user),
                _session(app, world.other_provider_user))

    host, brookvale, larchfield = people()

    # The host's administrator plans the window through its page, in UK time.
    _ok(host.post("/windows/new", data={
        "title": "Round 7", "lot_ids": [str(day.id), str(res.id)],
        "opens_on": ["2", "12", "2025"], "opens_time": "09:00",
        "closes_on": ["12", "12", "2025"], "closes_time": "17:00"}))
    [window] = _rows(scoped, world.host, AdmissionWindow)
    assert (window.opens_at, window.closes_at) == (OPENS, CLOSES)
    questions = sorted(window.questions, key=lambda q: q.number)
    assert [q.kind for q in questions] == [QuestionKind.PASS_FAIL, QuestionKind.PASS_FAIL,
                                            QuestionKind.SCORED, QuestionKind.SCORED]
    window_url = f"/windows/{window.id}"
    page = _text(host.get(window_url))
    assert "2 December 2025 at 9am" in page and "12 December 2025 at 5pm" in page
    # Not open yet: no provider can start an application.
    assert "Start your application" not in _text(brookvale.get(window_url))

    # The window opens; both providers apply through the application pages.
    time_machine.move_to(APPLYING, tick=False)
    host, brookvale, larchfield = people()
    applications = {}
    for provider, browser in ((world.provider, brookvale), (world.other_provider, larchfield)):
        assert "Start your application" in _text(browser.get(window_url))
        _ok(browser.post(f"{window_url}/apply"))
        [application] = _rows(scoped, provider, Application)
        applications[provider.id] = application.id
    brookvale_id, larchfield_id = applications[world.provider.id], applications[
        world.other_provider.id]

    # Brookvale: both lots, a fee for each, its answers.
    lots_page = _text(brookvale.get(f"/applications/{brookvale_id}/lots"))
    assert f'name="fee_{day.id}_day"' in lots_page
    assert f'name="fee_{res.id}_residential_38"' in lots_page
    response = _ok(brookvale.post(f"/applications/{brookvale_id}/lots", data={
        "lot_ids": [str(day.id), str(res.id)], f"fee_{day.id}_day": "1,250.00",
        f"fee_{res.id}_residential_38": "4250"}))
    assert response.headers["Location"].endswith(f"/applications/{brookvale_id}/edit")
    _ok(brookvale.post(f"/applications/{brookvale_id}/edit",
                       data=_answers(questions, "Small classes led by autism specialists.")))

    # Larchfield: the day lot only.
    _ok(larchfield.post(f"/applications/{larchfield_id}/lots", data={
        "lot_ids": [str(day.id)], f"fee_{day.id}_day": "1100", f"fee_{res.id}_residential_38": ""}))
    _ok(larchfield.post(f"/applications/{larchfield_id}/edit",
                        data=_answers(questions, "We follow the national curriculum.")))

    # Saved as drafts, fees in pence; the host sees neither draft.
    [draft] = _rows(scoped, world.provider, Application)
    assert draft.submitted_at is None
    assert sorted((a.lot_id, a.fees) for a in draft.lots) == sorted(
        [(day.id, {"day": 125000}), (res.id, {"residential_38": 425000})])
    assert _ok(host.get(f"/applications/{brookvale_id}"), 404)
    page = _text(host.get(window_url))
    assert "0 submitted applications." in page
    assert "Brookvale School Ltd" not in page and "Larchfield School Ltd" not in page
    # Nor does the other provider.
    _ok(larchfield.get(f"/applications/{brookvale_id}"), 404)

    # Each checks and submits.
    for browser, application_id in ((brookvale, brookvale_id), (larchfield, larchfield_id)):
        assert "Submit application" in _text(browser.get(f"/applications/{application_id}/submit"))
        _ok(browser.post(f"/applications/{application_id}/submit"))
        page = _text(browser.get(f"/applications/{application_id}"))
        assert "8 December 2025 at 11am" in page
    [submitted] = _rows(scoped, world.provider, Application)
    assert submitted.submitted_at == APPLYING
    page = _text(host.get(window_url))
    assert "2 submitted applications." in page
    assert "Brookvale School Ltd" in page and "Larchfield School Ltd" in page
    assert "4,250" not in _text(larchfield.get(f"/applications/{larchfield_id}"))
    host_view = _text(host.get(f"/applications/{brookvale_id}"))
    assert "Small classes led by autism specialists." in host_view

    # The window closes: a change is refused, and the answers stay as they were.
    time_machine.move_to(CLOSES, tick=False)
    host, brookvale, larchfield = people()
    refused = _text(brookvale.post(f"/applications/{brookvale_id}/edit",
                                   data=_answers(questions, "A late change of heart.")))
    assert "applications can no longer be made or changed" in refused
    refused = _text(brookvale.post(f"/applications/{brookvale_id}/submit"))
    assert "applications can no longer be made or changed" in refused
    [closed] = _rows(scoped, world.provider, Application)
    scored = [q for q in questions if q.kind == QuestionKind.SCORED]
    assert closed.answers[str(scored[0].id)]["answer"] == "Small classes led by autism specialists."
    assert closed.submitted_at == APPLYING
    assert "the application can no longer be changed" in _text(
        brookvale.get(f"/applications/{brookvale_id}"))

    # The host's administrator assigns two evaluators to each application through the page.
    time_machine.move_to(EVALUATING, tick=False)
    host, brookvale, larchfield = people()
    for application_id in (brookvale_id, larchfield_id):
        page = _text(host.get(f"/applications/{application_id}/assignments"))
        assert "Assign 2 more evaluators" in page
        for evaluator in (world.evaluator, ellis):
            _ok(host.post(f"/applications/{application_id}/assignments",
                          data={"evaluator_id": str(evaluator.id)}))
        page = _text(host.get(f"/applications/{application_id}/assignments"))
        assert world.evaluator.full_name in page and "Ellis Grant" in page
        assert "more evaluator" not in page

    # Each evaluator declares no conflict, then scores. Brookvale is marked 4 and 4 (80 of
    # 100); Larchfield 2 and 2 (40 of 100, below the pass mark of 60).
    first, second = _session(app, world.evaluator), _session(app, ellis)
    marks = {brookvale_id: 4, larchfield_id: 2}
    for browser in (first, second):
        for application_id in (brookvale_id, larchfield_id):
            url = f"/applications/{application_id}"
            # No answers before declaring.
            response = _ok(browser.get(f"{url}/scores"))
            assert response.headers["Location"].endswith(f"{url}/conflict")
            assert "Small classes" not in _text(browser.get(f"{url}/conflict"))
            response = _ok(browser.post(f"{url}/conflict", data={"conflict": "no", "note": ""}))
            assert response.headers["Location"].endswith(f"{url}/scores")
    # The first evaluator submits; the second saves a draft of their own.
    for application_id in (brookvale_id, larchfield_id):
        url = f"/applications/{application_id}/scores"
        page = _text(first.get(url))
        assert ("Small classes led by autism specialists." in page) == (
            application_id == brookvale_id)
        _ok(first.post(url, data={**_results(questions, marks[application_id], "First says"),
                                  "action": "submit"}))
        _ok(second.post(url, data={**_results(questions, marks[application_id], "Ellis says"),
                                   "action": "save"}))
    # While one has submitted and the other has not, neither sees the other's marks.
    waiting = _text(first.get(f"/applications/{brookvale_id}/scores"))
    assert "once every evaluator has submitted" in waiting
    assert "Ellis says" not in waiting and "Ellis Grant" not in waiting
    drafting = _text(second.get(f"/applications/{brookvale_id}/scores"))
    assert "First says" not in drafting and world.evaluator.full_name not in drafting
    # The host's administrator sees progress but no marks, and cannot moderate yet.
    progress = _text(host.get(f"/applications/{brookvale_id}/assignments"))
    assert "First says" not in progress and "Ellis says" not in progress
    _ok(host.get(f"/applications/{brookvale_id}/moderation"), 409)

    # The second submits; now each sees the other's marks.
    for application_id in (brookvale_id, larchfield_id):
        _ok(second.post(f"/applications/{application_id}/scores", data={
            **_results(questions, marks[application_id], "Ellis says"), "action": "submit"}))
    assert "First says" in _text(second.get(f"/applications/{brookvale_id}/scores"))
    assert "Ellis says" in _text(first.get(f"/applications/{brookvale_id}/scores"))

    # The host's administrator (no evaluator on either) moderates: the scores side by side,
    # then the agreed results, the lots and the reasons.
    side_by_side = _text(host.get(f"/applications/{brookvale_id}/moderation"))
    assert "First says" in side_by_side and "Ellis says" in side_by_side
    response = _ok(host.post(f"/applications/{brookvale_id}/moderation", data={
        **_results(questions, 4, "Agreed"), "lot_ids": [str(day.id), str(res.id)],
        "reasons": "Strong, evidenced autism practice."}))
    assert response.headers["Location"].endswith(f"/applications/{brookvale_id}/decision")
    _ok(host.post(f"/applications/{larchfield_id}/moderation", data={
        **_results(questions, 2, "Agreed"), "lot_ids": [],
        "reasons": "Answers lacked evidence of specialist SEND provision."}))
    decisions = {d.provider_id: d for d in _rows(scoped, world.host, Decision)}
    assert decisions[world.provider.id].outcome == DecisionOutcome.ADMITTED
    assert sorted(decisions[world.provider.id].lot_ids) == sorted([day.id, res.id])
    assert decisions[world.other_provider.id].outcome == DecisionOutcome.REJECTED
    assert decisions[world.other_provider.id].lot_ids == []
    assert all(d.notified_at is None for d in decisions.values())
    # Not issued: the provider reads no decision yet.
    assert "No decision has been issued" in _text(brookvale.get(
        f"/applications/{brookvale_id}/decision"))
    _ok(brookvale.get(f"/applications/{brookvale_id}/letter"), 409)

    # Decisions are issued together from the window's evaluation page.
    time_machine.move_to(DECIDED, tick=False)
    host, brookvale, larchfield = people()
    evaluation_url = f"/evaluations/windows/{window.id}"
    page = _text(host.get(evaluation_url))
    assert "Admitted (not issued)" in page and "Rejected (not issued)" in page
    assert "Issue all decisions" in page
    _ok(host.post(evaluation_url, data={}))
    page = _text(host.get(evaluation_url))
    assert "Admitted (issued)" in page and "Rejected (issued)" in page
    # PCR 2015 reg 87: the 10th day after Friday 19 December is Monday 29 December, a working
    # day; GOV.UK style writes midday and names the last day, never "12pm" or "12am".
    assert ("Decisions issued 19 December 2025 at midday; standstill runs until midnight at "
            "the end of Monday 29 December 2025, then the admissions take effect." in page)
    decisions = {d.provider_id: d for d in _rows(scoped, world.host, Decision)}
    for decision in decisions.values():
        assert (decision.notified_at, decision.standstill_ends_at) == (DECIDED, EFFECTIVE)

    # Each provider reads its decision and letter, as a page and as a PDF.
    for browser, application_id, outcome, score, reasons in (
            (brookvale, brookvale_id, "Admitted", "80.00 of 100",
             "Strong, evidenced autism practice."),
            (larchfield, larchfield_id, "Rejected", "40.00 of 100",
             "Answers lacked evidence of specialist SEND provision.")):
        url = f"/applications/{application_id}"
        page = _text(browser.get(f"{url}/decision"))
        assert outcome in page and score in page and reasons in page
        letter = _text(browser.get(f"{url}/letter"))
        assert score in letter and "Pass mark 60" in letter
        pdf = _ok(browser.get(f"{url}/letter.pdf"), 200)
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # Neither reads the other's.
    _ok(larchfield.get(f"/applications/{brookvale_id}/decision"), 404)
    _ok(brookvale.get(f"/applications/{larchfield_id}/letter.pdf"), 404)

    # Brookvale's admissions wait out standstill; Larchfield has none.
    admissions = _rows(scoped, world.host, Admission)
    assert sorted((a.provider_id, a.lot_id) for a in admissions) == sorted(
        [(world.provider.id, day.id), (world.provider.id, res.id)])
    assert all(a.effective_at == EFFECTIVE and a.status == AdmissionStatus.ACTIVE
               for a in admissions)
    page = _text(host.get("/admissions"))
    assert "2 admissions" in page and "Larchfield School Ltd" not in page
    assert _tags(page) == ["Pending", "Pending"]

    # One second before the end of standstill, still pending; at the end, active.
    time_machine.move_to(datetime(2025, 12, 29, 23, 59, 59, tzinfo=timezone.utc), tick=False)
    page = _text(_session(app, world.officer).get("/admissions"))
    assert _tags(page) == ["Pending", "Pending"]
    time_machine.move_to(EFFECTIVE, tick=False)
    for user in (world.host_admin, world.officer):
        page = _text(_session(app, user).get("/admissions?status=active"))
        assert "2 admissions" in page and "Brookvale School Ltd" in page
        assert _tags(page) == ["Active", "Active"]
        assert "Larchfield School Ltd" not in page
    # A member authority reads the active admissions in its own scope too.
    active = _rows(scoped, world.member, Admission)
    assert {a.state(EFFECTIVE) for a in active} == {"active"}
