"""The service navigation in a real browser (issue 15 §7): for every role, at 1280 pixels wide,
its sections fit one row, the signed-in person's name and Sign out sit in the header apart from
them, and a page of each role with its section's sub-navigation passes axe."""
import pytest

from marketplace import demo

from .axe import format_violations, run_axe
from .test_pages import _signed_in, browser, pytestmark, server  # noqa: F401 (fixtures)

# A page per role whose section groups several pages, so the sub-navigation shows too.
ROLE_PAGES = {
    "host.admin@cheshire-east.example.com": "/windows",
    "evaluator@cheshire-east.example.com": "/evaluations",
    "manager@manchester.example.com": "/placements",
    "officer@manchester.example.com": "/call-offs",
    "admissions@brookvale.example.com": "/specifications",
}


def test_every_role_of_the_demo_is_checked():
    assert {email for _, email, _, _ in demo.USERS} - set(ROLE_PAGES) == {
        "officer@stockport.example.com"}  # the same role as Manchester's officer


@pytest.mark.parametrize("email", sorted(ROLE_PAGES))
def test_the_navigation_fits_one_row_at_1280_pixels(server, browser, email):
    """Issue 15 §7: at a 1280×800 viewport every item of the service navigation has the same
    top (one row), the navigation holds no account links, and the header names the person and
    offers Sign out; axe passes on a page with the section's sub-navigation."""
    app, base, _ = server
    context, page = _signed_in(browser, base, email)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(base + ROLE_PAGES[email], wait_until="load")

    items = page.locator(".govuk-service-navigation__item")
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    assert len(boxes) >= 4, boxes
    tops = {round(box["y"]) for box in boxes}
    assert len(tops) == 1, (email, [(items.nth(i).inner_text(), box["y"])
                                    for i, box in enumerate(boxes)])
    menu = page.locator(".govuk-service-navigation")
    assert menu.get_by_role("button", name="Sign out").count() == 0
    assert menu.get_by_role("link", name="Your account").count() == 0

    account = page.get_by_role("navigation", name="Your account")
    assert account.get_by_role("button", name="Sign out").is_visible()
    assert account.get_by_role("link").first.is_visible()
    header = page.locator(".app-header").bounding_box()
    assert header["y"] + header["height"] <= boxes[0]["y"]  # the header is above the sections

    sub = page.locator(".app-sub-navigation--section")
    assert sub.count() == 1 and sub.locator("[aria-current=page]").count() == 1
    violations = run_axe(page)
    assert not violations, format_violations(violations, ROLE_PAGES[email])
    context.close()
