"""HTML (and Markdown rendered to HTML): main content as text, headings kept as their own lines.

selectolax (lexbor) parses; the walk below turns the DOM into blocks because no library keeps both the
heading levels and exact block boundaries we need for structure-aware chunking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regassist.errors import LoadError

DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
    "iframe", "object", "embed", "canvas", "button", "select", "input", "textarea", "dialog",
)  # fmt: skip
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "tr",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "address",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "br",
        "details",
        "summary",
        "caption",
    ]
)
HEADING = re.compile(r"^h([1-6])$")
_WS = re.compile(r"[ \t\r\n\u00a0]+")


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    heading_level: int | None = None  # 1..6 for <h1>..<h6>


@dataclass(frozen=True, slots=True)
class HtmlContent:
    title: str
    blocks: tuple[Block, ...]
    lang: str | None


def parse_html(html: str, name: str = "") -> HtmlContent:
    """Main content of an HTML page: <main>, else <article>, else <body>, without navigation and scripts."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = _WS.sub(" ", title_node.text()).strip() if title_node else ""
    html_node = tree.css_first("html")
    lang = (html_node.attributes.get("lang") or "").split("-")[0].lower() if html_node else ""
    tree.strip_tags(list(DROP_TAGS))
    for hidden in tree.css("[hidden], [aria-hidden=true], [style*='display:none'], [style*='display: none']"):
        hidden.decompose()
    root = tree.css_first("main") or tree.css_first("article") or tree.css_first("[role=main]") or tree.body
    if root is None:
        raise LoadError(name, "the HTML has no body")
    blocks: list[Block] = []
    _walk(root, blocks, [])
    if not title:
        title = next((b.text for b in blocks if b.heading_level == 1), "")
    return HtmlContent(title=title, blocks=tuple(blocks), lang=lang or None)


def _walk(node, blocks: list[Block], inline: list[str]) -> None:  # type: ignore[no-untyped-def]
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            inline.append(child.text_content or "")
        elif tag in BLOCK_TAGS:
            _flush(blocks, inline)
            match = HEADING.match(tag)
            if match:
                text = _WS.sub(" ", child.text(deep=True, separator="")).strip()
                if text:
                    blocks.append(Block(text, int(match.group(1))))
                continue
            if tag in ("td", "th"):
                inline.append(" ")
            _walk(child, blocks, inline)
            _flush(blocks, inline)
        elif tag in ("td", "th"):
            _walk(child, blocks, inline)
            inline.append(" | ")
        else:
            _walk(child, blocks, inline)


def _flush(blocks: list[Block], inline: list[str]) -> None:
    text = _WS.sub(" ", "".join(inline)).strip(" |")
    inline.clear()
    if text:
        blocks.append(Block(text))
