"""Accessibility checks with axe-core in headless Chromium.

Usage::

    from tests.a11y.axe import chromium, check_page, format_violations

    with chromium() as browser:
        page = browser.new_page()
        violations = check_page(page, "http://127.0.0.1:5000/")
        assert not violations, format_violations(violations)

The browser is Debian's ``chromium-headless-shell`` (``scripts/install_browser.sh``), because
``playwright install`` cannot download browsers here. axe only finds part of the failures:
keyboard use, reflow and focus visibility still need a person to look.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from axe_playwright_python.sync_playwright import Axe

BROWSER_PATH = "/usr/bin/chromium-headless-shell"

# --no-sandbox: the checks run as root. The rest stop Chromium calling out (there is no network).
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_axe = Axe()


def browser_available() -> bool:
    """Whether the headless Chromium is installed (for ``pytest.mark.skipif``)."""
    return os.access(BROWSER_PATH, os.X_OK)


def launch_chromium(playwright, **launch_options):
    """Launch the headless Chromium from a started sync Playwright; returns a ``Browser``."""
    return playwright.chromium.launch(
        executable_path=BROWSER_PATH,
        args=BROWSER_ARGS,
        headless=True,
        **launch_options,
    )


@contextmanager
def chromium(**launch_options) -> Iterator:
    """Start Playwright and the headless Chromium; yields a ``Browser``, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, **launch_options)
        try:
            yield browser
        finally:
            browser.close()


def run_axe(page, context=None) -> list[dict]:
    """Run axe (WCAG 2.x A and AA rules) on the page as it is now; returns the violations.

    ``context`` is an optional axe context (for example a CSS selector) to check part of the page.
    """
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    results = _axe.run(page, context=context, options=options)
    return results.response["violations"]


def check_page(page, url: str, context=None) -> list[dict]:
    """Open ``url`` in ``page``, wait for it to load and return axe's violations (empty if none).

    Raises ``AssertionError`` if the page does not answer with a success status.
    """
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, (
        f"{url} answered {response.status if response else 'nothing'}"
    )
    return run_axe(page, context=context)


def format_violations(violations: list[dict], url: str | None = None) -> str:
    """A readable failure message: rule id, impact, help, help URL and target selectors."""
    if not violations:
        return "No accessibility violations" + (f" on {url}" if url else "")
    lines = [f"{len(violations)} accessibility violation(s)" + (f" on {url}" if url else "") + ":"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'unknown impact'}): "
            f"{violation['help']}"
        )
        if violation.get("helpUrl"):
            lines.append(f"    {violation['helpUrl']}")
        for node in violation.get("nodes", []):
            target = " ".join(_selector(t) for t in node.get("target", []))
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip()
            for detail in summary.splitlines():
                lines.append(f"      {detail.strip()}")
    return "\n".join(lines)


def assert_no_violations(page, url: str, context=None) -> None:
    """``check_page`` and fail with ``format_violations`` if axe found anything."""
    violations = check_page(page, url, context=context)
    assert not violations, format_violations(violations, url)


def _selector(target) -> str:
    # A target is a selector, or a list of selectors through iframes / shadow DOM.
    if isinstance(target, list):
        return " >>> ".join(str(part) for part in target)
    return str(target)
