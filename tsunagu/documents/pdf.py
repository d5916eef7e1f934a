"""PDF forms (帳票) rendered by Typst, with the IPAexGothic font from the matplotlib-fontja wheel embedded.

One `.typ` template per form lives in `templates/`. Callers pass plain data (strings, numbers, lists,
dicts — already formatted, 和暦 included); it reaches the template as JSON through `sys.inputs.data`,
and the template reads it with `json(bytes(sys.inputs.data))`. Strings from the data are set as text,
never evaluated as Typst markup, so what a user typed cannot change the layout.

No operating-system font is ever used (`ignore_system_fonts`): the PDF looks the same on every server,
and a missing font is an error here rather than boxes (豆腐) on paper.
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

import typst

from tsunagu.core.staticfinders import FONT_DIR

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def _fonts() -> typst.Fonts:
    """IPAexGothic only, scanned once per process (scanning the font dir costs ~0.1 s per compile)."""
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)])


_compile_lock = threading.Lock()


class PdfRenderError(RuntimeError):
    """A form could not be rendered (unknown template, bad data, Typst error, missing font)."""


def template_path(template_name: str) -> Path:
    """The `.typ` file for a form name such as "case_plan" (with or without the suffix)."""
    name = template_name.removesuffix(".typ")
    if not _NAME.match(name):
        raise PdfRenderError(f"invalid PDF template name {template_name!r}")
    path = TEMPLATE_DIR / f"{name}.typ"
    if not path.is_file():
        raise PdfRenderError(f"no PDF template {name!r} in {TEMPLATE_DIR}")
    return path


def render_pdf(template_name: str, data: dict[str, Any]) -> bytes:
    """Render the form `template_name` with `data` and return the PDF bytes.

    Raises PdfRenderError with Typst's diagnostic when the template fails to compile, when the data is
    not JSON-serialisable, or when a font the template names is not available.
    """
    path = template_path(template_name)
    try:
        payload = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise PdfRenderError(f"PDF data for {path.name} is not JSON: {exc}") from exc
    try:
        with _compile_lock:  # one shared font book; Typst itself uses all cores for one document
            compiler = typst.Compiler(
                str(path),
                root=str(TEMPLATE_DIR),  # templates may import each other, and read nothing outside
                font_paths=_fonts(),
                ignore_system_fonts=True,
                sys_inputs={"data": payload},
            )
            pdf, warnings = compiler.compile_with_warnings()
    except typst.TypstError as exc:
        raise PdfRenderError(f"Typst could not compile {path.name}: {exc}") from exc
    # Typst only warns about an unknown font and falls back to a Latin one: Japanese would be lost.
    font_problems = [w.message for w in warnings or [] if "font" in w.message]
    if font_problems:
        raise PdfRenderError(f"{path.name}: {'; '.join(font_problems)}")
    if not isinstance(pdf, bytes):
        raise PdfRenderError(f"Typst returned no PDF for {path.name}")
    return pdf
