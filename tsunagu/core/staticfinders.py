"""Serve the IPAexGothic font that ships inside the matplotlib-fontja wheel as a static file.

Tsunagu runs offline, so nothing may come from a font CDN; staff PCs usually have Japanese fonts, but
kiosk browsers and headless test browsers may not. The stylesheet names this font last in its stack,
so a browser downloads it only when no installed font covers Japanese.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib_fontja
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

FONT_DIR = Path(matplotlib_fontja.__file__).resolve().parent / "fonts"
PREFIX = "tsunagu/fonts"
FILES = ("ipaexg.ttf", "IPA_Font_License_Agreement_v1.0.txt")


class BundledFontFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(FONT_DIR))
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        for name in FILES:
            if path == f"{PREFIX}/{name}":
                full = str(FONT_DIR / name)
                return [full] if find_all else full
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Any:
        for name in FILES:
            yield name, self.storage
