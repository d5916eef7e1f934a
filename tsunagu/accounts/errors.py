"""Error pages (400, 403, 404, 500 and a refused CSRF token): Japanese, in Tsunagu's layout, and
leaking nothing — no path, no id, no exception text. Wired in tsunagu/urls.py (handler400 …) and
settings.CSRF_FAILURE_VIEW.

400 and 500 render without the request: no context processor runs and nothing touches the database,
so the page still appears when the database or a context processor is what failed. If even that
template cannot be rendered, a fixed Japanese text is returned.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token

from tsunagu.core.wareki import wareki

logger = logging.getLogger("tsunagu.errors")

# Last resort when no template renders: the same words, no layout.
_FALLBACK = (
    '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{title} | つなぐ Tsunagu</title></head>'
    '<body><h1>{title}</h1><p>{text}</p><p><a href="/">トップページへ戻る</a></p></body></html>'
)
_FALLBACK_TEXT = {
    400: ("リクエストを処理できませんでした", "送信された内容を読み取れませんでした。"),
    403: ("このページは表示できません", "このページを利用する権限がありません。"),
    404: ("ページが見つかりません", "お探しのページは見つからないか、表示できません。"),
    500: ("システムでエラーが起きました", "しばらくしてから、もう一度お試しください。"),
}


def _render(
    template_name: str, status: int, request: HttpRequest | None, context: dict[str, Any]
) -> HttpResponse:
    try:
        body = loader.get_template(template_name).render(context, request)
    except Exception:
        if request is not None:
            # A context processor (or the database behind it) failed: try once more without them.
            return _render(template_name, status, None, context)
        logger.exception("error page %s could not be rendered", template_name)
        title, text = _FALLBACK_TEXT[status if status in _FALLBACK_TEXT else 500]
        body = _FALLBACK.format(title=title, text=text)
    return HttpResponse(body, status=status)


def _now_label() -> str:
    now = timezone.localtime()
    return f"{wareki(now.date())} {now:%H:%M}"


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render("400.html", 400, None, {})


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render("403.html", 403, request, {})


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render("404.html", 404, request, {})


def server_error(request: HttpRequest) -> HttpResponse:
    return _render("500.html", 500, None, {"occurred_at": _now_label()})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: an expired or missing form token, said plainly. `reason` is Django's
    English diagnosis and stays out of the page."""
    return _render("403_csrf.html", 403, request, {})
