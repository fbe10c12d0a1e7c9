"""The evaluation spreadsheet: sealed until the deadline, then the ranked table."""
from io import BytesIO

import pytest
from openpyxl import load_workbook

from marketplace.calloffs import services
from tests.calloffs import factories as f

NOW = "2026-11-24 10:00 +00:00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def offered(world):
    lot = f.market(world)
    call_off = f.published(world.officer, lot)
    first = f.offer(world.provider_user, call_off, core=150000, therapies=10000)
    second = f.offer(world.other_provider_user, call_off, core=120000)
    return call_off, first, second


def test_before_the_deadline_the_export_is_refused_and_holds_no_offer_data(
        world, as_user, offered):
    call_off, _first, _second = offered
    page = as_user(world.officer).get(f"/call-offs/{call_off.id}/evaluation.xlsx")
    assert page.status_code == 409
    assert page.mimetype == "text/html"
    assert "attachment" not in page.headers.get("Content-Disposition", "")
    body = page.get_data(as_text=True)
    assert "Offers are sealed" in body and "4 December 2026 at midday" in body
    for figure in ("1,600", "1600", "1,500", "1,200", "1200", "60,800", "45,600"):
        assert figure not in body
    assert world.provider.name not in body and world.other_provider.name not in body
    assert "Responses received so far: 2" in body


def test_one_second_before_the_deadline_it_is_still_sealed(world, as_user, offered,
                                                          time_machine):
    call_off, _first, _second = offered
    f.after_deadline(time_machine, call_off, seconds=-1)
    page = as_user(world.officer).get(f"/call-offs/{call_off.id}/evaluation.xlsx")
    assert page.status_code == 409
    assert world.provider.name not in page.get_data(as_text=True)


def test_after_the_deadline_the_export_is_the_ranked_table(world, as_user, scoped, offered,
                                                           time_machine):
    call_off, first, second = offered
    f.after_deadline(time_machine, call_off)
    with scoped(world.member):
        services.record_quality_mark(world.officer, call_off.id, first.id, mark=80,
                                     notes="Good therapy offer")
        services.record_quality_mark(world.officer, call_off.id, second.id, mark=60)
    page = as_user(world.officer).get(f"/call-offs/{call_off.id}/evaluation.xlsx")
    assert page.status_code == 200
    assert page.mimetype == XLSX
    assert f'filename="evaluation-{call_off.reference}.xlsx"' in page.headers[
        "Content-Disposition"]
    sheet = load_workbook(BytesIO(page.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows.index(["Rank", "Provider", "Weekly total (£)", "Annual cost (£)",
                         "Whole-life value (£)", "Quality mark", "Quality notes", "Quality score", "Price score",
                         "Total score", "Award"])
    # first: £1,600 a week, £60,800 a year; 48 + 30 = 78. second: £1,200, £45,600; 36 + 40 = 76.
    # Whole life, 23 January 2027 to 22 January 2028, estimated by academic year: 221 of
    # 2026-27's 365 days and 144 of 2027-28's 366, × 190 school days ÷ 5 a week:
    # £1,600 → 6,073,446.22p = £60,734.46; £1,200 → 4,555,084.66p = £45,550.85.
    assert rows[header + 1] == [1, world.provider.name, 1600, 60800, 60734.46, 80,
                                "Good therapy offer", 48, 30, 78, None]
    assert rows[header + 2] == [2, world.other_provider.name, 1200, 45600, 45550.85, 60, None,
                                36, 40, 76, None]


def test_another_authority_cannot_export(world, as_user, offered, time_machine):
    call_off, _first, _second = offered
    f.after_deadline(time_machine, call_off)
    page = as_user(world.other_officer).get(f"/call-offs/{call_off.id}/evaluation.xlsx")
    assert page.status_code == 404
    assert page.mimetype != XLSX


def test_text_typed_by_others_never_becomes_a_formula(world, as_user, scoped, time_machine):
    lot = f.market(world)
    call_off = f.published(world.officer, lot)
    offer = f.offer(world.provider_user, call_off)
    f.offer(world.other_provider_user, call_off, can_meet_need=False,
            decline_reason='=HYPERLINK("http://example.invalid","Click")')
    f.after_deadline(time_machine, call_off)
    with scoped(world.member):
        services.record_quality_mark(world.officer, call_off.id, offer.id, mark=70,
                                     notes="=1+1")
    page = as_user(world.officer).get(f"/call-offs/{call_off.id}/evaluation.xlsx")
    sheet = load_workbook(BytesIO(page.data)).active
    cells = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("=")}
    assert cells == {"=1+1": "s", '=HYPERLINK("http://example.invalid","Click")': "s"}
