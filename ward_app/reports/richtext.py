"""Short paragraphs of the sheets' own markup (<b>, <font color size face>, <br/>, escaped text),
laid out and drawn as reportlab's Paragraph lays them out, without its HTML parser (most of a
handover sheet's time). Anything else, or any doubt, is left to a real Paragraph."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph
from reportlab.platypus.flowables import Flowable

#: the markup the sheets write: text escaped by xml.sax.saxutils.escape, <b>, <font …>, <br/>
_TOKEN = re.compile(r"([^<&]+)|&(amp|lt|gt|quot|#39);|(<br/>)|(<b>)|(</b>)|(</font>)"
                    r"|<font((?:\s+\w+=(?:'[^']*'|\"[^\"]*\"|[^\s'\">]+))*)\s*>|[<&]")
_ATTR = re.compile(r"(\w+)=(?:'([^']*)'|\"([^\"]*)\"|([^\s'\">]+))")
_ENTITY = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}
_NUMBER = re.compile(r"\d+(\.\d+)?")
#: what both of reportlab's word splitters (str.split and its own list) take as a space; any
#: other white space, or a zero-width one, sends the text to a real Paragraph
_SPACE = frozenset(" \t\n\r\u2002")
_ODD_SPACE = re.compile(r"[^\S \t\n\r\u2002\u00a0]|\u200b")
_Font = tuple[str, float, Any]  # font name, size, colour
_Part = tuple[_Font, str]


@cache
def _colour(value: str) -> Any:
    return colors.toColor(value)


@cache
def _plain_style(style: ParagraphStyle) -> bool:
    """A style whose paragraphs this module lays out as reportlab does: left aligned, no indents,
    no space shrinking, fixed leading, no decoration."""
    default = ParagraphStyle("default")
    same = ("autoLeading", "backColor", "borderWidth", "borderPadding", "underlineWidth", "strikeWidth",
            "textTransform", "endDots", "wordWrap", "splitLongWords", "allowWidows", "allowOrphans",
            "bulletText", "hyphenationLang", "embeddedHyphenation", "uriWasteReduce", "justifyBreaks",
            "justifyLastLine")
    return (rl_config.paraFontSizeHeightOffset  # a first line's baseline one font size down
            and style.alignment == TA_LEFT and style.spaceShrinkage == 0 and style.leftIndent == 0
            and style.rightIndent == 0 and style.firstLineIndent == 0
            and all(getattr(style, k, None) == getattr(default, k, None) for k in same))


def parse(text: str, style: ParagraphStyle) -> list[list[_Part]] | None:
    """The lines (at each <br/>) of ``text`` as (font, text) parts; None for markup this module
    does not read."""
    if _ODD_SPACE.search(text):
        return None
    text = text.strip("".join(_SPACE))  # as reportlab cleans a paragraph's text first
    family, bold, italic = ps2tt(style.fontName)
    stack = [("", family, bold, italic, style.fontSize, style.textColor)]
    lines: list[list[_Part]] = [[]]
    for m in _TOKEN.finditer(text):
        plain, entity, br, b_open, b_close, font_close, attrs = m.groups()
        tag, family, bold, italic, size, colour = stack[-1]
        if plain is not None or entity is not None:
            lines[-1].append(((tt2ps(family, bold, italic), size, colour),
                              plain if plain is not None else _ENTITY[entity]))
        elif br:
            lines.append([])
        elif b_open:
            stack.append(("b", family, 1, italic, size, colour))
        elif attrs is not None:
            found = {a.group(1): a.group(2) or a.group(3) or a.group(4) or ""
                     for a in _ATTR.finditer(attrs)}
            if not found or not set(found) <= {"color", "size", "face"}:
                return None
            if "size" in found:
                if not _NUMBER.fullmatch(found["size"]):
                    return None
                size = float(found["size"])
            if "face" in found:  # as reportlab reads it: the face's own weight and slant
                family, bold, italic = ps2tt(found["face"])
            if "color" in found:
                colour = _colour(found["color"])
            stack.append(("font", family, bold, italic, size, colour))
        elif (b_close and tag == "b") or (font_close and tag == "font"):
            stack.pop()
        else:
            return None  # markup this module does not write (or a stray < or &)
    return lines if len(stack) == 1 else None


def _words(parts: list[_Part]) -> list[tuple[list[_Part], _Font | None, bool]]:
    """The words of a line, each with the font of the space after it (None: nothing follows) and
    whether that space is printed even at the end of a line. reportlab measures and prints a space
    in the font of the text its first white space is in; and where that text has a no-break space
    and ends in white space, its word splitter leaves an empty word that carries the space onto
    the end of the line."""
    words: list[tuple[list[_Part], _Font | None, bool]] = []
    word: list[_Part] = []
    for font, text in parts:
        start = 0
        for i, ch in enumerate(text):
            if ch not in _SPACE:
                continue
            if start < i:
                word.append((font, text[start:i]))
            if word:
                eager = start < i and "\u00a0" in text and not text[i:].strip("".join(_SPACE))
                words.append((word, font, eager))
                word = []
            start = i + 1
        if start < len(text):
            word.append((font, text[start:]))
    if word:
        words.append((word, None, False))
    return words


def layout(lines: list[list[_Part]], width: float) -> list[tuple[float, list[_Part]]] | None:
    """Each printed line (its largest font size, its parts with their spaces) as reportlab's
    Paragraph breaks them (greedy, on white space); None where it would do something this module
    does not (split a word too long for a line, print an empty line)."""
    out: list[tuple[float, list[_Part]]] = []
    for parts in lines:
        words = _words(parts)
        if not words:
            return None
        line: list[_Part] = []
        size = current = 0.0
        space: _Font | None = None
        eager = False
        for word, gap, word_eager in words:
            wide = 0.0
            for font, text in word:
                wide += stringWidth(text, font[0], font[1])
            if wide > width:
                return None  # reportlab would split the word
            if line and space is not None:
                new = current + stringWidth(" ", space[0], space[1]) + wide
                if new > width:
                    if eager:
                        line.append((space, " "))
                    out.append((size, line))
                    line, size, new = [], 0.0, wide
                else:
                    line.append((space, " "))
            else:
                new = wide
            line += word
            size = max(size, *(font[1] for font, _text in word), gap[1] if gap else 0.0)
            current, space, eager = new, gap, word_eager
        if eager and space is not None:
            line.append((space, " "))
        out.append((size, line))
    return out


class Rich(Flowable):
    """A paragraph of the sheets' markup in ``style``: drawn here when this module can lay it out
    exactly as reportlab's Paragraph would, else by a Paragraph (made only then)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self.lines = parse(text, style) if _plain_style(style) else None
        self.printed: list[tuple[float, list[_Part]]] | None = None
        self.paragraph: Paragraph | None = None
        self.width = self.height = 0.0

    def _fallback(self) -> Paragraph:
        if self.paragraph is None:
            self.paragraph = Paragraph(self.text, self.style)
        return self.paragraph

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self.paragraph is None and self.lines is not None:
            self.printed = layout(self.lines, availWidth)
            if self.printed is not None:
                self.width, self.height = availWidth, len(self.printed) * self.style.leading
                return self.width, self.height
        self.width, self.height = self._fallback().wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.printed = None
        return self._fallback().split(availWidth, availHeight)

    def draw(self) -> None:
        if self.printed is None:
            self._fallback().drawOn(self.canv, 0, 0)
            return
        leading = self.style.leading
        top = self.height - self.printed[0][0]
        text = self.canv.beginText(0, top)
        now: tuple[str, float] | None = None
        colour: Any = None
        for _size, parts in self.printed:
            for number, ((name, size, fill), piece) in enumerate(parts, start=1 - len(parts)):
                if (name, size) != now:
                    text.setFont(name, size, leading)
                    now = (name, size)
                if fill != colour:
                    text.setFillColor(fill)
                    colour = fill
                if number:
                    text.textOut(piece)
                else:  # the line's last piece: then down one line (T*), as a Paragraph does
                    text.textLine(piece)
        self.canv.drawText(text)
