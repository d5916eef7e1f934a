"""`muni_word` in every template: 市・町・村・区 for the logged-in staff member's municipality.

Templates say 「{{ muni_word }}内全域」「この{{ muni_word }}の…」 instead of a hard-coded 市, so a town's staff
read 町内全域 (docs/profile.md §2.1, `Municipality.kind_label`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def municipality_word(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    municipality = getattr(user, "municipality", None) if user is not None and user.is_authenticated else None
    return {"muni_word": municipality.kind_label if municipality is not None else "市"}
