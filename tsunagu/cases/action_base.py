"""What every case action shares: its errors (messages in Japanese, for the user), the city and
version checks, the closed-case lock and the audit helper."""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from tsunagu.access import audit
from tsunagu.accounts.models import Staff

from .models import (
    Case,
    CaseStatus,
)


class CaseError(Exception):
    """A case action that cannot be done as asked (message in Japanese, for the user)."""


class StaleEdit(CaseError):
    def __init__(self) -> None:
        super().__init__(
            "この記録は、画面を開いた後に別の職員が更新しました。最新の内容を確認してから、もう一度操作してください。"
        )


CLOSED_MESSAGE = (
    "このケースは終結しているため、記録を変更できません。"
    "変更が必要なときは、理由を記録してケースを再開してください（束ね役）。"
)


class CaseClosed(CaseError):
    """A write to a closed (終結) case: it is read-only until it is reopened (再開) with a reason."""

    def __init__(self) -> None:
        super().__init__(CLOSED_MESSAGE)


def _require_open(case: Case, version: int | None = None) -> None:
    """A closed case is read-only. Reads the status under a row lock, so a write cannot slip in while
    another request closes the case (closing takes the same lock through the version bump).

    With `version` (the one the user read), a case changed since is refused as a stale edit first — also
    when the change was its closure — so the user hears "someone else updated this"."""
    row = Case.objects.select_for_update().filter(pk=case.pk).values_list("status", "version").first()
    if row is None:
        return
    status, current = row
    if version is not None and current != version:
        raise StaleEdit()
    if status == CaseStatus.CLOSED:
        raise CaseClosed()


def _same_city(actor: Staff, *objs: object) -> None:
    for obj in objs:
        if (
            obj is not None
            and getattr(obj, "municipality_id", actor.municipality_id) != actor.municipality_id
        ):
            raise CaseError("別の自治体の記録は扱えません。")


def _check_version(case: Case, version: int) -> None:
    """Refuse first when the case changed since the form was read, so the user hears "someone else
    updated this" rather than a rule about the newer state they have not seen."""
    if case.version != version:
        raise StaleEdit()


def _bump(case: Case, version: int) -> None:
    """Optimistic lock on the case row: refuse if someone changed it since `version` was read."""
    if Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleEdit()
    case.version = version + 1


def _audit(actor: Staff, action: str, case: Case, *more: tuple[str, int], **detail: object) -> None:
    audit.record(actor=actor, action=action, objects=[("case", case.pk), *more], detail=detail or None)


def _change(old: object, new: object) -> list[str | int | bool | None]:
    """An audit detail value `[old, new]` for a field that is not personal data (status, version,
    dates, ids): dates as ISO strings, so the record says what changed, not only that it did."""

    def plain(v: object) -> str | int | bool | None:
        if v is None or isinstance(v, str | int | bool):
            return v
        if isinstance(v, dt.date | dt.datetime):
            return v.isoformat()
        return str(v)

    return [plain(old), plain(new)]
