"""Staff administration inside Tsunagu (A8): administrators list, search, create (one by one and from a
CSV with a line-and-column report, all or nothing), assign organization and role, disable, reset MFA and
issue first passwords — each audited, sessions ending where rights change, only inside their own city.
Bad input gets a Japanese message and changes nothing; the Django admin is no way around any of it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import give_totp, make_organization, make_personas, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts import actions
from tsunagu.accounts.models import Role, Staff
from tsunagu.accounts.staffing import NewStaff

pytestmark = pytest.mark.django_db

HEADER = "ログインID,氏名,所属機関,役割,メールアドレス"


@pytest.fixture
def p():
    return make_personas()


@pytest.fixture
def admin_client(client, p):
    client.force_login(p.administrator)
    return client


def _csv(*lines: str, encoding: str = "utf-8-sig") -> io.BytesIO:
    f = io.BytesIO("\r\n".join(lines).encode(encoding))
    f.name = "staff.csv"
    return f


def _import(client, data, mode: str = "import"):
    return client.post(reverse("accounts:staff_import"), {"file": data, "mode": mode})


# --- who may -----------------------------------------------------------------------------------------


def _staff_urls(staff_id: int) -> tuple[list[str], list[str]]:
    gets = [
        reverse("accounts:staff_list"),
        reverse("accounts:staff_new"),
        reverse("accounts:staff_import"),
        reverse("accounts:staff_import_template"),
        reverse("accounts:staff_detail", args=[staff_id]),
    ]
    posts = [
        reverse(f"accounts:{name}", args=[staff_id])
        for name in ("staff_assign", "staff_reset_mfa", "staff_set_active", "staff_initial_password")
    ]
    return gets, posts


def test_only_administrators_of_the_city_may_use_any_staff_screen(client, p):
    gets, posts = _staff_urls(p.window_worker.pk)
    for url in gets + posts:
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    for user in (p.window_worker, p.coordinator, p.agency_worker, p.manager, p.auditor):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 403, (user.role, url)
        for url in posts:
            assert client.post(url, {"active": "0", "role": "administrator"}).status_code == 403, (
                user.role,
                url,
            )
        client.logout()
    p.window_worker.refresh_from_db()
    assert p.window_worker.is_active and p.window_worker.role == Role.WINDOW_WORKER


def test_another_citys_administrator_gets_404_and_changes_nothing(client, p):
    admin_b = make_staff(p.city_b, Role.ADMINISTRATOR, p.org_b)
    client.force_login(admin_b)
    _gets, posts = _staff_urls(p.window_worker.pk)
    assert client.get(reverse("accounts:staff_detail", args=[p.window_worker.pk])).status_code == 404
    for url in posts:
        assert (
            client.post(
                url, {"active": "0", "organization": p.org_b.pk, "role": "administrator", "version": 1}
            ).status_code
            == 404
        )
    body = client.get(reverse("accounts:staff_list")).content.decode()
    assert p.window_worker.username not in body and admin_b.username in body
    p.window_worker.refresh_from_db()
    assert p.window_worker.is_active and p.window_worker.role == Role.WINDOW_WORKER
    assert TOTPDevice.objects.filter(user=p.window_worker).exists()


def test_huge_and_strange_ids_are_404_not_500(admin_client):
    for staff_id in ("99999999999999999999", "0"):
        assert admin_client.get(f"/accounts/staff/{staff_id}/").status_code == 404
    assert admin_client.get("/accounts/staff/²/").status_code == 404


# --- list and search ---------------------------------------------------------------------------------


def test_the_list_searches_by_name_organization_role_and_state_and_pages(admin_client, p):
    for n in range(55):
        make_staff(
            p.city_a, Role.WINDOW_WORKER, p.org_a, username=f"bulk{n:02d}", display_name=f"一括 {n:02d}"
        )
    sato = make_staff(
        p.city_a, Role.AGENCY_WORKER, p.agency_a, username="sato-h", display_name="佐藤 花子", mfa=False
    )
    body = admin_client.get(reverse("accounts:staff_list")).content.decode()
    assert "63人（1〜50人目を表示）" in body and "次の50人" in body
    body = admin_client.post(reverse("accounts:staff_list"), {"page": "2"}).content.decode()
    assert "51〜63人目" in body
    body = admin_client.post(reverse("accounts:staff_list"), {"q": "佐藤　花子"}).content.decode()
    assert "1人" in body and "sato-h" in body and "bulk00" not in body
    body = admin_client.post(
        reverse("accounts:staff_list"), {"organization": p.agency_a.pk, "role": "agency_worker"}
    ).content.decode()
    assert "sato-h" in body and p.agency_worker.username in body and "bulk00" not in body
    body = admin_client.post(reverse("accounts:staff_list"), {"status": "no_mfa"}).content.decode()
    assert "1人" in body and "sato-h" in body
    assert sato.pk
    event = AuditEvent.objects.filter(action="list", view_name="accounts:staff_list").latest("seq")
    assert event.objects_list == [("staff", sato.pk)]


@pytest.mark.parametrize(
    "data",
    [
        {"q": "x" * 20000},
        {"organization": "²"},
        {"organization": "9" * 30},
        {"role": "superuser"},
        {"status": "deleted"},
        {"page": "²"},
        {"page": "-1"},
    ],
)
def test_bad_search_input_answers_in_japanese_and_lists_everyone(admin_client, p, data):
    response = admin_client.post(reverse("accounts:staff_list"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert p.window_worker.username in body
    if "q" in data:
        assert "検索語は60文字以内にしてください" in body


def test_another_citys_organization_is_not_a_filter(admin_client, p):
    body = admin_client.post(reverse("accounts:staff_list"), {"organization": p.org_b.pk}).content.decode()
    assert "条件を読み取れなかったため" in body and p.window_worker.username in body


# --- create one ---------------------------------------------------------------------------------------


def _new(client, **overrides):
    data = {
        "login_id": "tanaka-k",
        "display_name": "田中 健",
        "organization": "",
        "role": "coordinator",
        "email": "",
    }
    data.update(overrides)
    return client.post(reverse("accounts:staff_new"), data)


def test_an_administrator_creates_a_staff_member_with_a_first_password_shown_once(admin_client, p):
    response = _new(admin_client, login_id="ＴＡＮＡＫＡ-k", organization=p.agency_a.pk)
    staff = Staff.objects.get(username="tanaka-k")
    assert response["Location"] == reverse("accounts:staff_detail", args=[staff.pk])
    assert (staff.municipality, staff.organization, staff.role) == (p.city_a, p.agency_a, Role.COORDINATOR)
    assert staff.must_change_password and not TOTPDevice.objects.filter(user=staff).exists()
    event = AuditEvent.objects.get(action="create", objects_json=[["staff", staff.pk]])
    assert event.actor == p.administrator
    assert event.detail == {"role": "coordinator", "organization": p.agency_a.pk, "source": "form"}
    detail = admin_client.get(response["Location"]).content.decode()
    assert 'id="issued-password"' in detail
    password = detail.split('id="issued-password">')[1].split("<")[0]
    assert 'id="issued-password"' not in admin_client.get(response["Location"]).content.decode()
    # The new staff member signs in with it and is sent to enrol MFA (then to change the password).
    fresh = Client()
    after = fresh.post(reverse("accounts:login"), {"username": "tanaka-k", "password": password}, follow=True)
    assert after.redirect_chain[-1][0].startswith(reverse("accounts:mfa_setup"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("login_id", "", "ログインIDを入力してください"),
        ("login_id", "user²", "半角の英小文字・数字"),
        ("login_id", "山田", "半角の英小文字・数字"),
        ("login_id", "a" * 20000, "40文字以内"),
        ("login_id", "ab", "半角の英小文字・数字"),
        ("display_name", "", "氏名を入力してください"),
        ("display_name", "名" * 20000, "60文字以内"),
        ("display_name", "田中\x1b[31m", "使えない文字"),
        ("display_name", "田中\u200b健", "使えない文字"),
        ("organization", "²", "一覧から選んでください"),
        ("organization", "9" * 30, "一覧から選んでください"),
        ("organization", "abc", "一覧から選んでください"),
        ("role", "superuser", "一覧から選んでください"),
        ("role", "", "選んでください"),
        ("email", "not-an-address", "メールアドレスの形が正しくありません"),
        ("email", "a@" + "b" * 20000 + ".jp", "254文字以内"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_creates_nothing(admin_client, p, field, value, message):
    before = Staff.objects.count()
    response = _new(admin_client, **{"organization": p.org_a.pk, field: value})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and "まだ登録していません" in body
    assert Staff.objects.count() == before


def test_another_citys_organization_and_a_taken_login_id_are_refused(admin_client, p):
    before = Staff.objects.count()
    body = _new(admin_client, organization=p.org_b.pk).content.decode()
    assert "一覧から選んでください" in body
    body = _new(admin_client, organization=p.org_a.pk, login_id=p.worker_b.username.upper()).content.decode()
    assert "すでに使われています" in body
    assert Staff.objects.count() == before


# --- CSV ---------------------------------------------------------------------------------------------


def test_a_good_csv_is_checked_first_and_then_created_all_at_once(admin_client, p):
    lines = (
        HEADER,
        f"suzuki-a,鈴木 あい,{p.org_a.name},相談員,",
        f"ito-b,伊藤 ぶん,{p.agency_a.key},関係機関職員,ito@example.lg.jp",
        "",
        f'"kato-c","加藤, 千尋",{p.org_a.name},束ね役（多機関協働）,',
    )
    body = _import(admin_client, _csv(*lines), mode="check").content.decode()
    assert "3人分、問題はありません" in body and not Staff.objects.filter(username="suzuki-a").exists()
    body = _import(admin_client, _csv(*lines)).content.decode()
    assert "3人を登録しました" in body
    created = {s.username: s for s in Staff.objects.filter(username__in=["suzuki-a", "ito-b", "kato-c"])}
    assert created["ito-b"].organization == p.agency_a and created["ito-b"].email == "ito@example.lg.jp"
    assert created["kato-c"].display_name == "加藤, 千尋" and created["kato-c"].role == Role.COORDINATOR
    assert all(s.must_change_password and s.municipality == p.city_a for s in created.values())
    assert body.count("<td><code>") == 3
    event = AuditEvent.objects.get(action="create", detail__source="csv")
    assert sorted(pk for _, pk in event.objects_list) == sorted(s.pk for s in created.values())


def test_a_shift_jis_csv_from_excel_is_read(admin_client, p):
    body = _import(
        admin_client, _csv(HEADER, f"sjis-a,髙橋 﨑子,{p.org_a.name},窓口,", encoding="cp932")
    ).content.decode()
    assert "1人を登録しました" in body
    assert Staff.objects.get(username="sjis-a").display_name == "髙橋 﨑子"


def test_a_bad_csv_is_reported_by_line_and_column_and_nothing_is_created(admin_client, p):
    before = Staff.objects.count()
    lines = (
        HEADER,
        f"good-one,良い 例,{p.org_a.name},相談員,",  # line 2: fine on its own
        f"bad-role,役割 違い,{p.org_a.name},課長,",  # 3
        "bad-org,機関 違い,存在しない課,相談員,",  # 4
        f"other-city,他市 機関,{p.org_b.key},相談員,",  # 5: another city's organization key
        f"good-one,重複 行,{p.org_a.name},相談員,",  # 6: same login ID as line 2
        f"{p.worker_b.username},既存 ID,{p.org_a.name},相談員,",  # 7: taken (in another city)
        f"user²,上付き 数字,{p.org_a.name},相談員,",  # 8
        f"long-name,{'名' * 20000},{p.org_a.name},相談員,",  # 9
        f"mail-bad,メール 誤り,{p.org_a.name},相談員,not-a-mail",  # 10
        f"cols-many,列 多い,{p.org_a.name},相談員,,余計な列",  # 11
        f",,{p.org_a.name},,",  # 12: several empty required cells
    )
    response = _import(admin_client, _csv(*lines))
    body = response.content.decode()
    assert response.status_code == 200
    assert "何も登録していません" in body
    assert Staff.objects.count() == before
    expected = [
        ("3行目", "役割", "役割「課長」はありません"),
        ("4行目", "所属機関", "所属機関「存在しない課」はテスト市Aの機関一覧にありません"),
        ("5行目", "所属機関", f"所属機関「{p.org_b.key}」はテスト市Aの機関一覧にありません"),
        ("6行目", "ログインID", "2行目と同じログインIDです"),
        ("7行目", "ログインID", f"ログインID「{p.worker_b.username}」はすでに使われています"),
        ("8行目", "ログインID", "ログインIDは半角の英小文字・数字"),
        ("9行目", "氏名", "氏名は60文字以内"),
        ("10行目", "メールアドレス", "メールアドレスの形が正しくありません"),
        ("11行目", "—", "列が見出しより多くあります"),
        ("12行目", "ログインID", "ログインIDを入力してください"),
        ("12行目", "氏名", "氏名を入力してください"),
        ("12行目", "役割", "役割を入力してください"),
    ]
    for line, column, message in expected:
        assert f'<td class="num nowrap">{line}</td><td class="nowrap">{column}</td><td>{message}' in body, (
            line,
            message,
        )
    assert "名" * 100 not in body  # a 20,000-character value is not echoed back


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ファイルが空です"),
        (b"   \r\n", "ファイルが空です"),
        (("\ufeff" + HEADER + "\r\n").encode(), "登録する職員の行がありません"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfd", "文字以外のデータ"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml", "文字以外のデータ"),
        ("見出し".encode("utf-16"), "文字以外のデータ"),
        ("ログインID,氏名,部署,役割\r\n".encode(), "見出し「部署」は使えません"),
        ("ログインID,氏名,役割\r\n".encode(), "見出しに「所属機関」の列がありません"),
        ("ログインID,氏名,所属機関,役割,役割\r\n".encode(), "見出し「役割」が2回あります"),
        ((HEADER + '\r\n"unterminated,名前,課,相談員\r\n').encode(), "相談員"),
        ((HEADER + "\r\nnul\x00id,名前,課,相談員\r\n").encode(), "文字以外のデータ"),
        (b"a" * 1_000_001, "ファイルが大きすぎます"),
    ],
)
def test_an_unreadable_csv_is_refused_with_a_japanese_message(admin_client, content, message):
    before = Staff.objects.count()
    f = io.BytesIO(content)
    f.name = "staff.csv"
    response = _import(admin_client, f)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Staff.objects.count() == before


def test_more_than_500_rows_are_refused(admin_client, p):
    lines = [HEADER] + [f"row{n:04d},名前 {n},{p.org_a.name},相談員," for n in range(501)]
    body = _import(admin_client, _csv(*lines)).content.decode()
    assert (
        "一度に登録できるのは500人までです" in body and not Staff.objects.filter(username="row0000").exists()
    )


def test_the_actions_refuse_another_citys_organization_and_an_unknown_role(p):
    for row in (
        NewStaff("x-other", "他市", p.org_b, Role.WINDOW_WORKER),
        NewStaff("x-role", "役割", p.org_a, "superuser"),
    ):
        with pytest.raises(actions.AccountError):
            actions.create_staff(actor=p.administrator, data=row)
    with pytest.raises(actions.AccountError):
        actions.create_staff(actor=p.manager, data=NewStaff("x-mgr", "管理職", p.org_a, Role.WINDOW_WORKER))
    assert not Staff.objects.filter(username__startswith="x-").exists()


def test_an_import_that_fails_on_its_last_row_creates_nobody(p):
    rows = [NewStaff(f"late{n}", f"遅い {n}", p.org_a, Role.WINDOW_WORKER) for n in range(3)]
    # Someone takes the last login ID between the check and the import.
    make_staff(p.city_b, Role.WINDOW_WORKER, p.org_b, username="late2")
    with pytest.raises(actions.AccountError, match="late2"):
        actions.import_staff(actor=p.administrator, rows=rows)
    assert not Staff.objects.filter(username__in=["late0", "late1"]).exists()
    assert not AuditEvent.objects.filter(detail__source="csv").exists()


# --- changes on one account ----------------------------------------------------------------------------


def test_assigning_organization_and_role_is_audited_old_to_new_and_ends_sessions(admin_client, p):
    target = p.window_worker
    theirs = Client()
    theirs.force_login(target)
    assert theirs.get("/directory/").status_code == 200
    response = admin_client.post(
        reverse("accounts:staff_assign", args=[target.pk]),
        {"organization": p.agency_a.pk, "role": "agency_worker", "version": 1},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.organization, target.role, target.version) == (p.agency_a, Role.AGENCY_WORKER, 2)
    assert theirs.get("/directory/").status_code == 302  # logged out
    event = AuditEvent.objects.get(action="role_changed")
    assert event.objects_list == [("staff", target.pk)]
    assert event.detail == {
        "role_old": "window_worker",
        "role_new": "agency_worker",
        "organization_old": p.org_a.pk,
        "organization_new": p.agency_a.pk,
    }
    # Organization only: an update row, sessions end too.
    admin_client.post(
        reverse("accounts:staff_assign", args=[target.pk]),
        {"organization": p.org_a.pk, "role": "agency_worker", "version": 2},
    )
    assert AuditEvent.objects.filter(action="update", objects_json=[["staff", target.pk]]).exists()


def test_a_stale_assign_form_is_refused(admin_client, p):
    admin2 = make_staff(p.city_a, Role.ADMINISTRATOR, p.org_a)
    actions.assign(
        actor=admin2, staff=p.window_worker, organization=p.org_a, role=Role.COORDINATOR, version=1
    )
    response = admin_client.post(
        reverse("accounts:staff_assign", args=[p.window_worker.pk]),
        {"organization": p.agency_a.pk, "role": "agency_worker", "version": 1},
        follow=True,
    )
    assert "ほかの管理者が先にこの職員を変更しました" in response.content.decode()
    p.window_worker.refresh_from_db()
    assert p.window_worker.role == Role.COORDINATOR and p.window_worker.organization == p.org_a


@pytest.mark.parametrize(
    "data",
    [
        {"organization": "²", "role": "coordinator", "version": "1"},
        {"role": "coordinator", "version": "1"},
        {"organization": "ORG_B", "role": "coordinator", "version": "1"},
        {"organization": "ORG_A", "role": "superuser", "version": "1"},
        {"organization": "ORG_A", "role": "coordinator", "version": "²"},
        {"organization": "ORG_A", "role": "coordinator", "version": "9" * 20000},
    ],
)
def test_bad_assign_input_changes_nothing(admin_client, p, data):
    data = {k: {"ORG_A": p.agency_a.pk, "ORG_B": p.org_b.pk}.get(v, v) for k, v in data.items()}
    response = admin_client.post(
        reverse("accounts:staff_assign", args=[p.window_worker.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert "何も変更していません" in response.content.decode()
    p.window_worker.refresh_from_db()
    assert (p.window_worker.role, p.window_worker.organization, p.window_worker.version) == (
        Role.WINDOW_WORKER,
        p.org_a,
        1,
    )
    assert not AuditEvent.objects.filter(action__in=["role_changed", "update"]).exists()


def test_an_administrator_cannot_change_themselves_or_an_installation_superuser(admin_client, p):
    root = make_staff(p.city_a, Role.WINDOW_WORKER, p.org_a, is_superuser=True, is_staff=True)
    for target in (p.administrator, root):
        response = admin_client.post(
            reverse("accounts:staff_set_active", args=[target.pk]), {"active": "0"}, follow=True
        )
        assert response.status_code == 200
        target.refresh_from_db()
        assert target.is_active
    with pytest.raises(actions.AccountError):
        actions.assign(
            actor=p.administrator, staff=root, organization=p.org_a, role=Role.ADMINISTRATOR, version=1
        )


def test_disable_enable_with_a_strange_value_changes_nothing(admin_client, p):
    url = reverse("accounts:staff_set_active", args=[p.window_worker.pk])
    body = admin_client.post(url, {"active": "²"}, follow=True).content.decode()
    assert "何も変更していません" in body
    p.window_worker.refresh_from_db()
    assert p.window_worker.is_active
    admin_client.post(url, {"active": "0"})
    admin_client.post(url, {"active": "1"})
    assert list(
        AuditEvent.objects.filter(objects_json=[["staff", p.window_worker.pk]])
        .exclude(action="view")
        .values_list("action", flat=True)
        .order_by("seq")
    ) == ["account_disabled", "account_enabled"]


def test_mfa_reset_keeps_a_reason_of_any_length_trimmed(admin_client, p):
    admin_client.post(
        reverse("accounts:staff_reset_mfa", args=[p.coordinator.pk]), {"reason": "機種変更" * 5000}
    )
    event = AuditEvent.objects.get(action="mfa_reset")
    assert len(event.reason) == 200 and not TOTPDevice.objects.filter(user=p.coordinator).exists()


def test_mfa_reset_with_a_nul_in_the_reason_is_refused_and_changes_nothing(admin_client, p):
    """PostgreSQL text cannot hold NUL: the walk found a DataError (500) there."""
    had_device = TOTPDevice.objects.filter(user=p.coordinator).exists()
    response = admin_client.post(
        reverse("accounts:staff_reset_mfa", args=[p.coordinator.pk]), {"reason": "機種\x00変更"}, follow=True
    )
    assert "使えない文字" in response.content.decode()
    assert not AuditEvent.objects.filter(action="mfa_reset").exists()
    assert TOTPDevice.objects.filter(user=p.coordinator).exists() == had_device


# --- the Django admin is no way around the actions -----------------------------------------------------


@pytest.fixture
def superuser_client(p):
    root = Staff.objects.create_superuser(username="root", password="correct-horse-battery-staple")
    give_totp(root)
    c = Client()
    c.force_login(root)
    return c


def test_the_django_admin_cannot_change_role_or_municipality(superuser_client, p):
    target = p.window_worker
    url = f"/admin/accounts/staff/{target.pk}/change/"
    page = superuser_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = superuser_client.post(
        url,
        {
            "username": target.username,
            "role": "administrator",
            "municipality": p.city_b.pk,
            "organization": p.org_b.pk,
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert (target.role, target.municipality, target.session_generation) == (Role.WINDOW_WORKER, p.city_a, 0)
    assert superuser_client.get("/admin/accounts/staff/add/").status_code == 403
    assert (
        superuser_client.post(f"/admin/accounts/staff/{target.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert (
        superuser_client.post(
            f"/admin/accounts/staff/{target.pk}/password/", {"password1": "x" * 20, "password2": "x" * 20}
        ).status_code
        == 403
    )
    assert not AuditEvent.objects.filter(objects_json=[["staff", target.pk]]).exists()
    assert Staff.objects.filter(pk=target.pk, role=Role.WINDOW_WORKER).exists()


# --- the first administrator of a city ---------------------------------------------------------------------


def test_the_command_creates_a_city_administrator_audited_as_a_system_action(p):
    out = io.StringIO()
    call_command(
        "create_city_administrator",
        p.city_a.code,
        "first-admin",
        "最初 管理者",
        organization=p.org_a.name,
        stdout=out,
    )
    staff = Staff.objects.get(username="first-admin")
    assert staff.role == Role.ADMINISTRATOR and staff.municipality == p.city_a and staff.must_change_password
    assert "初期パスワード（一度だけ表示）" in out.getvalue()
    event = AuditEvent.objects.get(action="create", objects_json=[["staff", staff.pk]])
    assert event.actor is None and event.channel == "system" and event.municipality == p.city_a


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "x-admin", "名前"], "自治体は読み込まれていません"),
        (["CITY_A", "x²", "名前"], "半角の英小文字"),
        (["CITY_A", "x-admin", "名前", "--organization", "存在しない課"], "機関一覧にありません"),
        (["CITY_A", "a-admin", "名前"], "すでに使われています"),
    ],
)
def test_the_command_refuses_bad_input_in_japanese(p, args, message):
    args = [p.city_a.code if a == "CITY_A" else a for a in args]
    if "--organization" not in args:
        args += ["--organization", p.org_a.name]
    with pytest.raises(CommandError, match=message):
        call_command("create_city_administrator", *args)
    assert not Staff.objects.filter(username__in=["x-admin", "x²"]).exists()


def test_make_organization_in_another_city_is_not_offered(admin_client, p):
    other = make_organization(p.city_b, name="B市だけの課")
    assert other.name not in admin_client.get(reverse("accounts:staff_new")).content.decode()
