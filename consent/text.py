"""The text of a consent document: its canonical form (what is hashed) and its safe HTML rendering.

What the signer sees is the title plus the Markdown body rendered to HTML. The hash covers the
*source* the page is rendered from (title and body, newlines normalised), not the HTML, so a
Markdown library upgrade cannot make an intact record look altered; the source is what the
immutable document row stores and what any later rendering starts from.
"""

from __future__ import annotations

import hashlib

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "abbr",
    "dl",
    "dt",
    "dd",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def canonical_text(*, title: str, body: str) -> str:
    normalised = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    return f"{title.strip()}\n\n{normalised}\n"


def text_sha256(*, title: str, body: str) -> str:
    return hashlib.sha256(canonical_text(title=title, body=body).encode("utf-8")).hexdigest()


def render_markdown(body: str) -> SafeString:
    """Markdown → HTML with every tag and attribute outside a small allow-list removed.

    Raw HTML in the source is not trusted (an admin's paste could carry a script); links keep
    only http(s)/mailto and get rel="noopener noreferrer".
    """
    html = markdown.markdown(body, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 with an allow-list just above
