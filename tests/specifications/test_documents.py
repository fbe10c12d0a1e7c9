"""Markdown is rendered safely in GOV.UK typography; versions compare line by line."""
from marketplace.specifications.documents import render_markdown, side_by_side


def test_raw_html_is_escaped_not_rendered():
    html = render_markdown("Hello <script>alert('x')</script> <b onclick=\"x()\">bold</b>")
    assert "<script>" not in html and "<b " not in html
    assert "&lt;script&gt;" in html and "&lt;/script&gt;" in html
    assert "&lt;b onclick" in html


def test_javascript_links_are_refused():
    html = render_markdown("[Click me](javascript:alert(1)) and <javascript:alert(2)> "
                           "and [data](data:text/html;base64,PHNjcmlwdD4=)")
    assert "<a " not in html
    assert 'href="javascript' not in html.lower() and 'href="data' not in html


def test_ordinary_links_keep_working_with_govuk_styles():
    html = render_markdown("See [the guidance](https://www.gov.uk/guidance).")
    assert '<a href="https://www.gov.uk/guidance" class="govuk-link">the guidance</a>' in html


def test_elements_get_govuk_classes_and_headings_sit_under_the_page_heading():
    html = render_markdown("# Outcomes\n\nText\n\n## Reviews\n\n- one\n- two\n\n1. first\n\n"
                           "| A | B |\n|---|---|\n| 1 | 2 |\n")
    assert '<h2 class="govuk-heading-l">Outcomes</h2>' in html
    assert '<h3 class="govuk-heading-m">Reviews</h3>' in html
    assert '<p class="govuk-body">Text</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    assert '<table class="govuk-table">' in html and 'class="govuk-table__cell">1</td>' in html
    assert "<h1" not in html


def test_side_by_side_marks_added_removed_and_changed_lines():
    rows = side_by_side("intro\nold line\nkept\ngone", "intro\nnew line\nkept\nextra\nmore")
    assert [(r.old_number, r.new_number, r.change) for r in rows] == [
        (1, 1, ""), (2, 2, "changed"), (3, 3, ""), (4, 4, "changed"), (None, 5, "added")]
    rows = side_by_side("a\nb\nc", "a\nc")
    assert [(r.old_text, r.new_text, r.change) for r in rows] == [
        ("a", "a", ""), ("b", "", "removed"), ("c", "c", "")]
