"""Specification text: Markdown rendered safely in GOV.UK typography, and side-by-side
comparison of two versions."""
import difflib
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

# GOV.UK classes for the elements Markdown produces.
_CLASSES = {
    "paragraph_open": "govuk-body",
    "bullet_list_open": "govuk-list govuk-list--bullet",
    "ordered_list_open": "govuk-list govuk-list--number",
    "link_open": "govuk-link",
    "blockquote_open": "govuk-inset-text",
    "hr": "govuk-section-break govuk-section-break--l govuk-section-break--visible",
    "table_open": "govuk-table",
    "thead_open": "govuk-table__head",
    "tbody_open": "govuk-table__body",
    "tr_open": "govuk-table__row",
    "th_open": "govuk-table__header",
    "td_open": "govuk-table__cell",
}
_HEADING_CLASSES = {2: "govuk-heading-l", 3: "govuk-heading-m"}  # deeper: govuk-heading-s


def _govuk_classes(state):
    # A document's "# Heading" becomes the level the page asks for (env["top"], by default
    # <h2>, under the page's own <h1>), and its other headings follow it down.
    top = state.env.get("top", 2)
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + top - 1)
            token.tag = f"h{level}"
            if token.type == "heading_open":
                token.attrJoin("class", _HEADING_CLASSES.get(level, "govuk-heading-s"))
        elif token.type in _CLASSES:
            token.attrJoin("class", _CLASSES[token.type])
        elif token.type == "inline":
            for child in token.children or ():
                if child.type == "link_open":
                    child.attrJoin("class", "govuk-link")


@lru_cache(maxsize=2)
def _parser(images=True):
    from markdown_it import MarkdownIt  # on first use: the app starts without it

    # "html": False escapes raw HTML; markdown-it's validateLink refuses javascript:, vbscript:,
    # file: and data: (other than images) links, which then stay plain text.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    if not images:
        md.disable("image")
    md.core.ruler.push("govuk_classes", _govuk_classes)
    return md


def render_markdown(text, top=2):
    """Safe HTML for ``text`` (Markdown), styled with GOV.UK classes; its top-level heading
    is an ``<h{top}>``."""
    return Markup(_parser().render(text or "", {"top": top}))


def markdown_for_print(text, top=2):
    """The same HTML for a PDF, without images: a document printed on the server must not fetch
    what a user's text points at."""
    return _parser(images=False).render(text or "", {"top": top})


@dataclass(frozen=True)
class DiffRow:
    """One line of a side-by-side comparison. ``change`` is "", "added", "removed" or
    "changed"; a side with no line has None for its number."""

    old_number: int | None
    old_text: str
    new_number: int | None
    new_text: str
    change: str


def side_by_side(old, new):
    """Rows comparing two texts line by line, with unchanged lines kept for context."""
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    rows = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(i + 1, old_lines[i], j + 1, new_lines[j], "")
                     for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        old_part, new_part = list(range(i1, i2)), list(range(j1, j2))
        for k in range(max(len(old_part), len(new_part))):
            i = old_part[k] if k < len(old_part) else None
            j = new_part[k] if k < len(new_part) else None
            change = "changed" if i is not None and j is not None else (
                "removed" if i is not None else "added")
            rows.append(DiffRow(
                None if i is None else i + 1, "" if i is None else old_lines[i],
                None if j is None else j + 1, "" if j is None else new_lines[j], change))
    return rows
