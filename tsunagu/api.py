"""Tsunagu's HTTP API under /api/v1/ (django-ninja): one NinjaAPI, one router per app.

OpenAPI schema: /api/v1/openapi.json. The interactive docs page is off: it loads Swagger UI from a CDN,
which LGWAN cannot reach and the CSP forbids.

Authorization is marked per operation like every other view: an operation function carries `@public(...)`
(tsunagu.access.permissions) or, for staff endpoints to come, `@permission(...)`-equivalent ninja auth. URL
patterns whose operations are all marked public are marked public for PermissionRegistryMiddleware and the
URL walk test; anything else stays unmarked and is refused (fail closed) until its router marks it.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.operation import PathView

from tsunagu.access.permissions import public

SCHEMA_REASON = "API の仕様書（OpenAPI）: 個人情報を含まない"


def _path_view(callback: Any) -> PathView | None:
    for cell in getattr(callback, "__closure__", None) or ():
        contents = cell.cell_contents
        if isinstance(contents, PathView):
            return contents
    return None


class TsunaguAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name in ("openapi-json", "api-root"):
                pattern.callback.tsunagu_public = SCHEMA_REASON  # type: ignore[attr-defined]
                continue
            view = _path_view(pattern.callback)
            if view is None:
                continue
            reasons = {getattr(op.view_func, "tsunagu_public", None) for op in view.operations}
            if len(reasons) == 1 and None not in reasons:
                pattern.callback.tsunagu_public = reasons.pop()  # type: ignore[attr-defined]
        return patterns


api = TsunaguAPI(
    title="Tsunagu API",
    version="1",
    description="つなぐ Tsunagu の API。公開: 相談先ナビ（/navigator/suggest）。職員向けの API は今後ここに加わる。",
    urls_namespace="api",
    docs_url=None,
    docs_decorator=public(SCHEMA_REASON),
)
api.add_router("/navigator/", "tsunagu.navigator.api.router")
