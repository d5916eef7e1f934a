"""A few helpers to write SVG by hand: numbers, escaped text, attributes, the font stack.

Every diagram's text is set in IPAexGothic: Typst is given only that font (so a PDF never shows boxes),
and on pages the stylesheet serves it as "Tsunagu IPAexGothic" when the browser has no copy; widths in
`textmetrics` are measured for it.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

_QUOTE = {'"': "&quot;"}
FONT_FAMILY = "IPAexGothic, 'Tsunagu IPAexGothic', sans-serif"
INK = "#1f1f1f"
MUTED = "#5c5c5c"


def num(v: float) -> str:
    """A coordinate with at most one decimal, without a trailing ".0"."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


@lru_cache(maxsize=256)
def _attr_name(key: str) -> str:
    return key.rstrip("_").replace("_", "-")


def attrs(**kw: object) -> str:
    """XML attributes from keywords (underscores become hyphens; None and False are left out)."""
    parts = []
    for key, value in kw.items():
        if value is None or value is False:
            continue
        if isinstance(value, float):
            text = num(value)
        elif isinstance(value, int):
            text = str(value)
        else:
            text = escape(str(value), _QUOTE)
        parts.append(f'{_attr_name(key)}="{text}"')
    return " ".join(parts)


def text(x: float, y: float, body: str, size: float, **kw: object) -> str:
    kw.setdefault("text_anchor", "middle")
    return f"<text {attrs(x=float(x), y=float(y), font_size=float(size), **kw)}>{escape(body)}</text>"


def line(x1: float, y1: float, x2: float, y2: float, **kw: object) -> str:
    return f"<line {attrs(x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **kw)}/>"


def polyline(points: list[tuple[float, float]], **kw: object) -> str:
    pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return f"<polyline {attrs(points=pts, fill='none', **kw)}/>"


def document(width: float, height: float, body: list[str], *, label: str) -> str:
    """A standalone SVG document whose user unit is one point: shown on screen at its printed size
    (width and height in CSS px, 4/3 px to the point), and without the page's letter spacing, which
    the label widths do not allow for."""
    head = attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {num(width)} {num(height)}",
        width=num(width * 4 / 3),
        height=num(height * 4 / 3),
        font_family=FONT_FAMILY,
        letter_spacing="0",
        role="img",
        aria_label=label,
    )
    return f"<svg {head}>" + "".join(body) + "</svg>"
