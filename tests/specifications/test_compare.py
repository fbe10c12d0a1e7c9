"""Any two versions of a specification side by side, with changes marked in words."""
from datetime import date

from . import factories


def test_the_comparison_shows_both_versions_with_changes_labelled(world, as_user):
    spec = factories.specification(world.host, title="Core")
    factories.version(world.host, spec, body="# Outcomes\nReview termly.\nOld rule.\n")
    factories.version(world.host, spec, body="# Outcomes\nReview termly.\nNew rule.\nAdded rule.\n",
                      effective_on=date(2027, 1, 1), summary="Rules updated.")
    page = as_user(world.provider_user).get(f"/specifications/{spec.id}/compare?from=1&to=2")
    assert page.status_code == 200
    html = page.data.decode()
    assert '<th scope="col" class="govuk-table__header">Version 1</th>' in html
    assert '<th scope="col" class="govuk-table__header">Version 2</th>' in html
    assert "<caption" in html and "Rules updated." in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Changed</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Added</strong>' in html
    assert "<del>Old rule.</del>" in html and "<ins>New rule.</ins>" in html
    assert "<ins>Added rule.</ins>" in html
    assert html.count('class="govuk-visually-hidden">Unchanged</span>') == 2
    # By default the last two versions.
    default = as_user(world.provider_user).get(f"/specifications/{spec.id}/compare")
    assert "Changes from version 1 to version 2" in default.data.decode()


def test_drafts_cannot_be_compared_by_anyone_but_the_host(world, as_user):
    spec = factories.specification(world.host, title="Core")
    factories.version(world.host, spec, body="Published\n")
    factories.version(world.host, spec, body="Secret draft\n", published=False)
    page = as_user(world.officer).get(f"/specifications/{spec.id}/compare?from=1&to=2")
    assert page.status_code == 400 and b"Secret draft" not in page.data
    assert b"There is a problem" in page.data
    page = as_user(world.host_admin).get(f"/specifications/{spec.id}/compare?from=1&to=2")
    assert page.status_code == 200 and b"<ins>Secret draft</ins>" in page.data


def test_comparing_a_version_with_itself_is_refused(world, as_user):
    spec = factories.specification(world.host, title="Core")
    factories.version(world.host, spec)
    factories.version(world.host, spec, effective_on=date(2027, 1, 1))
    page = as_user(world.officer).get(f"/specifications/{spec.id}/compare?from=2&to=2")
    assert page.status_code == 400 and b"Select two different versions" in page.data
