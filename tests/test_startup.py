"""Starting the app: libraries that only some requests need are not loaded by ``create_app``.

Every gunicorn worker, RQ worker and CLI command builds the app, so what it imports is paid
for on every start. The PDF builders (fpdf2, which brings fontTools and Pillow), the
spreadsheet export (openpyxl), Markdown (markdown-it) and the UK calendar (holidays) load on
first use. No timing here: the test names the modules, which fails the same way on any machine.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LOADED_ON_FIRST_USE = ("fpdf", "fontTools", "PIL", "openpyxl", "markdown_it", "holidays")

_BUILD = """
import json, sys
from config import TestConfig
from marketplace import create_app

config = type("Config", (TestConfig,), {{"SQLALCHEMY_DATABASE_URI": {url!r}}})
app = create_app(config)
before = sorted({{name.split(".")[0] for name in sys.modules}})
{then}
after = sorted({{name.split(".")[0] for name in sys.modules}})
print(json.dumps({{"before": before, "after": after}}))
"""


def _modules(tmp_path, then="pass"):
    code = _BUILD.format(url=f"sqlite:///{tmp_path / 'startup.sqlite'}", then=then)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_create_app_loads_none_of_the_libraries_only_some_requests_need(tmp_path):
    loaded = set(_modules(tmp_path)["before"])
    assert loaded.isdisjoint(LOADED_ON_FIRST_USE), sorted(loaded & set(LOADED_ON_FIRST_USE))
    assert "flask" in loaded and "marketplace" in loaded  # the probe itself sees imports


@pytest.mark.parametrize("use, module", [
    ("from datetime import date\n"
     "from marketplace.working_days import is_working_day\n"
     "assert not is_working_day(date(2026, 12, 25))", "holidays"),
    ("from marketplace.specifications.documents import render_markdown\n"
     "assert 'Title</h2>' in render_markdown('# Title')", "markdown_it"),
    ("import marketplace.placements.agreement as agreement\n"
     "agreement._schedule_styles()", "fpdf"),
], ids=["holidays", "markdown_it", "fpdf"])
def test_a_library_left_out_of_start_up_loads_when_first_used(tmp_path, use, module):
    """The probe would pass vacuously if the modules never loaded at all."""
    modules = _modules(tmp_path, then=use)
    assert module not in modules["before"] and module in modules["after"]
