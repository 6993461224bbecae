"""What a person reads on a page: the text of an HTML document, without scripts, styles,
hidden elements and markup; rows and list items on lines of their own."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Chinese characters, CJK punctuation and full-width forms: none of it belongs on an English page.
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")

_SKIP = {"script", "style", "noscript", "template", "head"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_BLOCK = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header",
          "footer", "nav", "ul", "ol", "table", "form", "option", "dt", "dd", "br", "main",
          "article", "aside", "summary", "legend", "caption", "thead", "tbody", "fieldset"}
_CELL = {"td", "th", "button", "label", "a"}  # read apart from their neighbours


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its content)
        self.chunks: list[str] = []

    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hides = (tag in _SKIP or "hidden" in attrs or attrs.get("aria-hidden") == "true"
                 or (tag == "input" and attrs.get("type") == "hidden")
                 or "display:none" in (attrs.get("style") or "").replace(" ", ""))
        if not self._hidden() and not hides:
            for name in ("placeholder", "alt"):
                if attrs.get(name):
                    self.chunks.append("\n" + attrs[name] + "\n")
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.chunks.append("\n" + attrs["value"] + "\n")
        if tag in _BLOCK:
            self.chunks.append("\n")
        elif tag in _CELL:
            self.chunks.append(" ")
        if tag not in _VOID:
            self.stack.append((tag, hides))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in _BLOCK:
            self.chunks.append("\n")
        elif tag in _CELL:
            self.chunks.append(" ")

    def handle_data(self, data):
        if not self._hidden():
            self.chunks.append(" ".join(data.split()) if data.strip() else " ")


def visible_text(html: str) -> str:
    """The page's readable text, one block per line, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.chunks).splitlines())
    return "\n".join(line for line in lines if line)
