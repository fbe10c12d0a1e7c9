"""Macros are imported once per template, never once per row.

A template ``{% include %}``d inside a ``{% for %}`` loop runs its ``{% from ... import %}`` lines
again for every row, and each import looks the template up and works out its module's globals
anew (issue 10 found pages spending most of their time rendering). A row's markup that needs
macros is itself a macro, imported once at the top of the page. (govuk-frontend-jinja's own
macros import their parts inside each macro body; that is the library's, not ours.)
"""
from jinja2 import nodes


def _templates(app):
    env = app.jinja_env
    for name in env.list_templates(extensions=["html", "txt"]):
        if name.startswith(("govuk_frontend_jinja/", "govuk_frontend_wtf/")):
            continue
        source = env.loader.get_source(env, name)[0]
        yield name, env.parse(source)


def _imports(tree):
    return list(tree.find_all((nodes.FromImport, nodes.Import)))


def _included_in_loops(tree):
    for loop in tree.find_all(nodes.For):
        for include in loop.find_all(nodes.Include):
            if isinstance(include.template, nodes.Const):
                yield include.template.value


def test_no_template_imports_macros_once_per_row(app):
    parsed = dict(_templates(app))
    problems = []
    for name, tree in parsed.items():
        for loop in tree.find_all(nodes.For):
            if _imports(loop):
                problems.append(f"{name} imports macros inside a loop")
        for included in _included_in_loops(tree):
            if included in parsed and _imports(parsed[included]):
                problems.append(f"{name} includes {included}, which imports macros, in a loop")
    assert not problems, "; ".join(sorted(set(problems)))
    assert "calloffs/officer_evaluation.html" in parsed  # the walk found the app's templates
