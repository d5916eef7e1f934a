"""Template filters of the public navigator: ruby (furigana) markup for やさしい日本語."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
_RUBY = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


@register.filter
def ruby(text: str) -> SafeString:
    """`{漢字|かんじ}` → <ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>; everything else escaped."""
    escaped = str(escape(str(text)))
    return mark_safe(  # noqa: S308 - the input was escaped above; only our own tags are added
        _RUBY.sub(r"<ruby>\1<rp>(</rp><rt>\2</rt><rp>)</rp></ruby>", escaped)
    )


@register.filter
def plain(text: str) -> str:
    """The same text without furigana (for title and aria attributes)."""
    return _RUBY.sub(r"\1", str(text))
