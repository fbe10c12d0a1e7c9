"""Issue 12 §1: placements import nothing from call-offs, so the two packages never form a
circle (call-offs hand over to placements; the role checks both need live in accounts)."""
import ast
from pathlib import Path

import marketplace.placements

PACKAGE = Path(marketplace.placements.__file__).parent


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield ("." * node.level) + (node.module or "")


def test_no_placements_module_imports_calloffs():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 5  # models, services, views, api, schemas at least
    offending = {path.name: name for path in modules for name in _imports(path)
                 if "calloffs" in name.split(".")}
    assert offending == {}
