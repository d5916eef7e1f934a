"""The eight seed-city profiles load, and each carries the key facts of its seed document.

The facts asserted here come from shared/seeds/ (see the header comment of each profile): if a profile
drifts from its seed, one of these tests fails.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tsunagu.directory.models import (
    CoordinatorPost,
    EscalationRule,
    MeetingBody,
    Organization,
    Program,
    Window,
)
from tsunagu.directory.profiles import LoadReport, load_profile
from tsunagu.municipalities.models import Area, ConcernType, Municipality

PROFILES = Path(__file__).resolve().parent.parent / "profiles"
CITIES = {
    "mitaka": ("132047", "三鷹市", "東京都"),
    "komaki": ("232190", "小牧市", "愛知県"),
    "tsuchiura": ("082031", "土浦市", "茨城県"),
    "matsumoto": ("202029", "松本市", "長野県"),
    "tono": ("032085", "遠野市", "岩手県"),
    "koga": ("082040", "古河市", "茨城県"),
    "inagi": ("132250", "稲城市", "東京都"),
    "kokubunji": ("132144", "国分寺市", "東京都"),
}


def load(city: str) -> LoadReport:
    return load_profile(PROFILES / f"{city}.toml")


def body(muni: Municipality, key: str) -> MeetingBody:
    return MeetingBody.objects.get(municipality=muni, key=key)


def member_keys(b: MeetingBody) -> set[str]:
    return set(b.members.values_list("key", flat=True))


def test_every_profile_in_the_directory_is_covered_here():
    assert {p.stem for p in PROFILES.glob("*.toml")} == set(CITIES)


@pytest.mark.django_db
@pytest.mark.parametrize("city", sorted(CITIES))
def test_it_loads_each_city_profile(city):
    code, name, prefecture = CITIES[city]
    report = load(city)
    muni = report.municipality
    assert (muni.code, muni.name, muni.prefecture) == (code, name, prefecture)
    assert (muni.kind, muni.kind_label) == ("city", "市")
    assert report.created["municipality"] == 1
    assert muni.profile_sha256 and muni.loaded_at is not None
    # Every city gets the national concern taxonomy.
    assert ConcernType.objects.filter(municipality=muni, code="8050", national=True).exists()
    # Nothing from the profile is inactive after a first load.
    for model in (Area, Organization, Program, Window, CoordinatorPost, MeetingBody, EscalationRule):
        assert not model.objects.filter(municipality=muni, active=False).exists(), model


@pytest.mark.django_db
def test_it_loads_all_eight_cities_into_one_database_without_clashes():
    reports = {city: load(city) for city in CITIES}
    assert Municipality.objects.count() == 8
    # The same keys ("shakyo", "hokatsu", "shien-kaigi" ...) exist in several cities, each its own row.
    shakyo = Organization.objects.filter(key="shakyo")
    assert {o.municipality.code for o in shakyo} == {
        CITIES[c][0] for c in ("komaki", "tsuchiura", "matsumoto", "tono", "koga", "inagi", "kokubunji")
    }
    assert MeetingBody.objects.filter(key="shien-kaigi").count() == 4  # 小牧, 遠野, 稲城, 国分寺
    # Each city's rows point only at its own rows.
    for rule in EscalationRule.objects.select_related("to_body", "from_body"):
        for b in (rule.to_body, rule.from_body):
            assert b is None or b.municipality_id == rule.municipality_id
        for w in rule.from_windows.all():
            assert w.municipality_id == rule.municipality_id
    for mb in MeetingBody.objects.all():
        assert all(o.municipality_id == mb.municipality_id for o in mb.members.all())
    # Loading them all again changes nothing in any city.
    for city in CITIES:
        again = load(city)
        assert again.municipality.pk == reports[city].municipality.pk
        assert not again.changed, again.summary()


@pytest.mark.django_db
def test_mitaka_has_seven_hokatsu_and_one_body_with_three_legal_functions():
    muni = load("mitaka").municipality
    hokatsu = Organization.objects.get(municipality=muni, key="hokatsu")
    assert (hokatsu.sites, hokatsu.operation, hokatsu.department.name) == (7, "contracted", "高齢者支援課")
    co = CoordinatorPost.objects.get(municipality=muni, key="chiiki-fukushi-co")
    assert (co.count, co.is_bundler) == (7, True)
    suishin = body(muni, "suishin-kaigi")
    assert {"consented_conference", "confidential_conference", "loneliness_council"} <= set(
        suishin.legal_functions
    )
    assert suishin.confidentiality_duty and suishin.also_ad_hoc


@pytest.mark.django_db
def test_komaki_six_areas_five_hokatsu_and_the_three_domain_rule():
    muni = load("komaki").municipality
    assert muni.population is None  # the seed gives no population
    # 6 日常生活圏域, of which the seed names only 小牧中部 and 小牧西部; they share one センター.
    areas = Area.objects.filter(municipality=muni, kind="日常生活圏域")
    assert set(areas.values_list("name", flat=True)) == {"小牧中部圏域", "小牧西部圏域"}
    assert "日常生活圏域は6圏域" in muni.lead_summary
    hokatsu = Organization.objects.get(municipality=muni, key="hokatsu")
    assert (hokatsu.sites, hokatsu.operation, hokatsu.business_lines) == (5, "contracted", ["1i"])
    assert hokatsu.department.name == "地域包括ケア推進課"
    shared = Window.objects.get(municipality=muni, key="hokatsu-chubu-seibu")
    assert set(shared.areas.values_list("name", flat=True)) == {"小牧中部圏域", "小牧西部圏域"}
    assert shared.organization == hokatsu

    def prog(key: str) -> Program:
        return Program.objects.get(municipality=muni, key=key)

    assert (prog("shogaisha-soudan").sites, prog("shogaisha-soudan").operation) == (6, "contracted")
    assert prog("shogaisha-soudan").department.name == "障がい福祉課"
    assert (prog("riyosha-shien").operation, prog("riyosha-shien").sites) == ("direct", 1)
    assert prog("riyosha-shien").department.name == "子育て世代包括支援センター"
    assert (prog("jiritsu-soudan").operation, prog("jiritsu-soudan").department.name) == (
        "direct",
        "福祉総務課",
    )
    # 居場所づくり事業: 参加支援 and アウトリーチ in one, contracted, 福祉総務課.
    ibasho = prog("ibasho-zukuri")
    assert (ibasho.business_lines, ibasho.operation, ibasho.department.name) == (
        ["2", "4"],
        "contracted",
        "福祉総務課",
    )
    assert ibasho.target == "ひきこもり当事者とその家族等"
    # 第3号: five イ programs, two ロ, one each of ハ, ニ and 困窮.
    lines = [p.business_lines for p in Program.objects.filter(municipality=muni)]
    assert sum(1 for b in lines if "3i" in b) == 5
    assert sum(1 for b in lines if "3ro" in b) == 2
    kyoten = prog("kosodate-shien-kyoten")
    assert (kyoten.operation, kyoten.sites) == ("mixed", 8)  # 1 直営 + 7 委託
    takikan = prog("takikan-kyodo")
    assert (takikan.business_lines, takikan.operation, takikan.department.name) == (
        ["5", "6"],
        "direct",
        "福祉総務課",
    )
    # こまきつながる会議 (重層的支援会議) 4×/year + ad hoc; 支援会議 with 守秘義務.
    tsunagaru = body(muni, "tsunagaru-kaigi")
    assert tsunagaru.kind == "consented_conference"
    assert (tsunagaru.frequency, tsunagaru.per_year_min, tsunagaru.per_year_max) == ("per_year", 4, 4)
    assert tsunagaru.also_ad_hoc and not tsunagaru.confidentiality_duty
    assert tsunagaru.frequency_label() == "年4回＋随時"
    shien = body(muni, "shien-kaigi")
    assert shien.kind == "confidential_conference" and shien.confidentiality_duty
    assert shien.may_discuss_without_consent() and not tsunagaru.may_discuss_without_consent()
    assert shien.frequency == "unspecified"  # the seed gives no separate rhythm for 支援会議
    # 3分野以上 (高齢・障がい・生活困窮・こども・外国籍) → 多機関協働.
    rule = EscalationRule.objects.get(municipality=muni, key="san-bunya")
    assert (rule.trigger, rule.min_domains, rule.target) == ("domains_at_least", 3, "case")
    # 小牧 counts its own five domains, in its own words: 外国籍 is one, その他 (孤独・孤立) is not.
    assert [(d.code, d.label) for d in muni.counted_domains()] == [
        ("elderly", "高齢者"),
        ("disability", "障がい者"),
        ("hardship", "生活困窮"),
        ("child", "こども"),
        ("foreign", "外国籍"),
    ]
    assert rule.counted_domains == [] and rule.counted_domain_codes() == muni.counted_domain_codes()
    assert rule.condition_text() == "課題が3分野以上（高齢者・障がい者・生活困窮・こども・外国籍）"
    foreign = ConcernType.objects.get(municipality=muni, code="foreign-language")
    assert (foreign.name, foreign.domains, foreign.national) == ("外国籍・言語", ["foreign"], False)
    assert foreign.domain_labels() == ["外国籍"]
    assert rule.is_met_by({"elderly", "child", "foreign"}, {"foreign-language"})
    assert not rule.is_met_by({"elderly", "child", "other"}, {"isolation"})
    assert ConcernType.objects.get(municipality=muni, code="isolation").domains == ["other"]
    assert muni.kind_label == "市"
    assert EscalationRule.objects.get(municipality=muni, key="plan-kyogi").to_body == tsunagaru


@pytest.mark.django_db
def test_tsuchiura_eight_kominkan_windows_and_a_three_tier_ladder():
    muni = load("tsuchiura").municipality
    assert muni.population == 140000 and "約14万人" in muni.population_note
    names = list(Area.objects.filter(municipality=muni, kind="公民館区").values_list("name", flat=True))
    assert names == ["第一", "第二", "第三", "第四", "第五", "第六", "都和", "新治"]
    windows = Window.objects.filter(municipality=muni, key__startswith="kominkan-")
    assert windows.count() == 8
    assert {w.organization.key for w in windows} == {"shakyo"}
    assert all(w.areas.count() == 1 for w in windows)
    # 地域ケアコーディネーター: one per area, 8 in all, 社協配置, the bundlers.
    care_co = CoordinatorPost.objects.filter(municipality=muni, title="地域ケアコーディネーター")
    assert sum(c.count or 0 for c in care_co) == 8
    assert {c.area.name for c in care_co} == set(names)
    assert all(c.is_bundler and c.organization.key == "shakyo" for c in care_co)
    scrum = body(muni, "scrum-net")
    assert (scrum.name, scrum.kind, scrum.frequency, scrum.tier) == (
        "スクラムネット",
        "confidential_conference",
        "monthly",
        1,
    )
    assert scrum.confidentiality_duty and scrum.caseload_note == "R6年度 年約100件"
    fureai = body(muni, "fureai-chosei")
    assert (fureai.name, fureai.frequency, fureai.tier) == ("ふれあい調整会議", "bimonthly", 2)
    assert fureai.caseload_note == "R6年度 年50件弱"
    assert member_keys(fureai) == {"iryo-kikan"}  # medical institutions take part
    up1 = EscalationRule.objects.get(municipality=muni, key="kominkan-to-scrum")
    assert up1.to_body == scrum and up1.from_windows.count() == 8
    up2 = EscalationRule.objects.get(municipality=muni, key="scrum-to-fureai")
    assert (up2.from_body, up2.to_body) == (scrum, fureai)


@pytest.mark.django_db
def test_matsumoto_five_bodies_and_no_new_windows():
    muni = load("matsumoto").municipality
    assert muni.population == 231000 and muni.started == "令和5年度"
    assert not Window.objects.filter(municipality=muni).exists()  # 新たな窓口は作らず
    expected = {
        "kacho-kaigi": ("課長会議", "internal", 1, 1),
        "chonai-suishin": ("包括的相談支援 庁内推進チーム", "internal", 2, 3),
        "chonai-shien": ("地域つながりづくり 庁内支援チーム", "internal", 2, 3),
        "gaibu-renrakukai": ("外部機関連絡会", "external_liaison", 2, 2),
        "kankeisha-renrakukai": ("地域つながりづくり 関係者連絡会", "external_liaison", 2, 2),
    }
    bodies = MeetingBody.objects.filter(municipality=muni)
    assert {b.key: (b.name, b.kind, b.per_year_min, b.per_year_max) for b in bodies} == expected
    assert all(b.frequency == "per_year" for b in bodies)
    kacho = body(muni, "kacho-kaigi")
    assert "部長級" in kacho.members_note and kacho.parent is None
    assert {b.parent for b in bodies if b.key != "kacho-kaigi"} == {kacho}
    assert body(muni, "chonai-suishin").frequency_label() == "年2〜3回"
    assert "loneliness_council" in body(muni, "kankeisha-renrakukai").legal_functions
    assert member_keys(body(muni, "gaibu-renrakukai")) == {"hokatsu", "maisabo"}
    co = CoordinatorPost.objects.get(municipality=muni, key="takikan-tanto")
    assert (co.count, co.is_bundler, co.organization.name) == (2, True, "福祉政策課")
    assert "保健師" in co.employment and "社会福祉士" in co.employment
    assert Organization.objects.get(municipality=muni, key="fukushi-seisaku").operation == "direct"
    sanka = Program.objects.get(municipality=muni, key="shakai-sanka-support")
    assert (sanka.business_lines, sanka.operation) == (["2", "4"], "contracted")
    # Contracted to 社協 and NPO法人Gland・Riche together from R7.10.
    assert sanka.operator_names() == ["社会福祉協議会", "NPO法人Gland・Riche"]
    assert sanka.organization is None and sanka.consortium_name == ""
    assert sanka.starts_on == sanka.contract_starts_on == dt.date(2025, 10, 1)
    assert sanka.period_label() == "令和7年10月1日〜"
    assert CoordinatorPost.objects.get(municipality=muni, key="banso-co").starts_on == dt.date(2025, 10, 1)
    assert not EscalationRule.objects.filter(municipality=muni).exists()


@pytest.mark.django_db
def test_tono_monthly_conferences_and_nine_marugoto_soudanin():
    muni = load("tono").municipality
    assert muni.population == 23000
    jusou = body(muni, "jusoteki-shien-kaigi")
    shien = body(muni, "shien-kaigi")
    assert (jusou.kind, jusou.frequency) == ("consented_conference", "monthly")
    assert (shien.kind, shien.frequency, shien.confidentiality_duty) == (
        "confidential_conference",
        "monthly",
        True,
    )
    assert "新規年14〜15件" in jusou.caseload_note
    marugoto = CoordinatorPost.objects.filter(municipality=muni, title="丸ごと相談員")
    assert sum(c.count or 0 for c in marugoto) == 9
    by_org = {c.organization.kind: c.count for c in marugoto}
    assert by_org == {"social_welfare_council": 8, "medical": 1}
    assert all(c.is_bundler for c in marugoto)
    sasaeai = CoordinatorPost.objects.get(municipality=muni, key="sasaeai-tanto")
    assert (sasaeai.count, sasaeai.employment, sasaeai.organization.name) == (1, "専任", "福祉課")
    assert Organization.objects.get(municipality=muni, key="chiku-center").sites == 11


@pytest.mark.django_db
def test_koga_core_member_meeting_before_bimonthly_conference():
    muni = load("koga").municipality
    assert muni.population == 138000
    core = body(muni, "core-member")
    jusou = body(muni, "jusoteki-shien-kaigi")
    assert (jusou.kind, jusou.frequency, jusou.tier) == ("consented_conference", "bimonthly", 2)
    assert jusou.caseload_note == "毎回約10名のケースを取扱"
    assert (core.name, core.tier, core.frequency) == ("コアメンバー会議", 1, "unspecified")
    assert core.frequency_label() == "頻度の記載なし"
    rule = EscalationRule.objects.get(municipality=muni, key="core-to-jusoteki")
    assert (rule.from_body, rule.to_body, rule.trigger) == (core, jusou, "manual")
    co = CoordinatorPost.objects.get(municipality=muni, key="fukushi-suishin-seishokuin")
    assert (co.count, co.employment, co.is_bundler) == (3, "全員兼務", True)
    sanpo = Organization.objects.get(municipality=muni, key="sanpo-soudanshitsu")
    assert (sanpo.operation, sanpo.department.name) == ("contracted", "福祉推進課")
    assert "電子@連絡帳" in muni.lead_summary


@pytest.mark.django_db
def test_inagi_quarterly_zentaikai_and_shakyo_staff_at_city_hall():
    muni = load("inagi").municipality
    assert muni.population is None and muni.started == "令和6年度"
    zentaikai = body(muni, "shien-kaigi-zentaikai")
    assert (zentaikai.kind, zentaikai.frequency, zentaikai.confidentiality_duty) == (
        "confidential_conference",
        "quarterly",
        True,
    )
    assert zentaikai.meetings_per_year() == 4
    names = set(zentaikai.members.values_list("name", flat=True))
    assert len(names) == 14
    assert {
        "高齢福祉課",
        "地域包括支援センター",
        "おやこ包括支援センター",
        "南多摩保健所",
        "教育委員会",
    } <= names
    assert "地域福祉コーディネーター" in zentaikai.members_note  # a post, not an organization
    staff = CoordinatorPost.objects.get(municipality=muni, key="shakyo-shokuin")
    assert (staff.count, staff.organization.name, staff.is_bundler) == (2, "稲城市社会福祉協議会", True)
    assert set(staff.business_lines) == {"4", "5"} and "市役所" in staff.employment
    window = Window.objects.get(municipality=muni, key="fukushi-kurashi-sogo")
    assert (window.name, window.organization.name) == ("福祉くらしの総合窓口", "生活福祉課")
    for key in ("takikan-kyodo", "outreach"):
        assert Program.objects.get(municipality=muni, key=key).operation == "contracted"
    assert Program.objects.get(municipality=muni, key="zensedai-chiikizukuri").sites == 10
    to_case = EscalationRule.objects.get(municipality=muni, key="madoguchi-to-takikan")
    assert to_case.target == "case" and list(to_case.from_windows.all()) == [window]


@pytest.mark.django_db
def test_kokubunji_areas_programs_and_the_coordination_ladder():
    muni = load("kokubunji").municipality
    assert muni.population == 129583 and "令和6年12月1日" in muni.population_note
    assert set(
        Area.objects.filter(municipality=muni, kind="日常生活圏域").values_list("name", flat=True)
    ) == {"東部地域", "西部地域"}
    assert not Area.objects.filter(municipality=muni).exclude(kind="日常生活圏域").exists()
    assert "小学校区10校区" in muni.lead_summary and "中学校区5校区" in muni.lead_summary
    # The mapping of existing programs onto 第1号〜第6号, with their 担当課.
    progs = Program.objects.filter(municipality=muni)
    line_dept = {
        (line, p.department.name if p.department else None) for p in progs for line in p.business_lines
    }
    assert {
        ("1i", "高齢福祉課"),
        ("1ro", "障害福祉課"),
        ("1ha", "子育て相談室"),
        ("1ha", "保育幼稚園課"),
        ("1ni", "生活福祉課"),
        ("2", "地域共生推進課"),
        ("3i", "高齢福祉課"),
        ("3ro", "高齢福祉課"),
        ("3ha", "障害福祉課"),
        ("3ni", "子育て相談室"),
        ("3hardship", "地域共生推進課"),
    } <= line_dept
    assert sum(1 for p in progs if "1ha" in p.business_lines) == 4
    assert {line for p in progs.filter(is_new=True) for line in p.business_lines} == {
        "2",
        "3hardship",
        "4",
        "5",
        "6",
    }
    tantosha, sogo, kinkyu = (
        body(muni, "tantosha-kaigi"),
        body(muni, "sogo-chosei"),
        body(muni, "kinkyu-kaigi"),
    )
    assert [(b.tier, b.frequency) for b in (tantosha, sogo, kinkyu)] == [
        (1, "regular"),
        (2, "ad_hoc"),
        (3, "ad_hoc"),
    ]
    assert tantosha.parent == sogo and kinkyu.parent == sogo
    assert kinkyu.chair.startswith("健康部長")
    assert {b.secretariat.name for b in (tantosha, sogo, kinkyu)} == {"地域共生推進課"}
    assert member_keys(sogo) == {"kenko-bu", "fukushi-bu", "kodomo-katei-bu", "kyoiku-bu"}
    up = EscalationRule.objects.get(municipality=muni, key="tantosha-to-sogo")
    assert (up.from_body, up.to_body) == (tantosha, sogo)
    assert EscalationRule.objects.get(municipality=muni, key="kinkyu").to_body == kinkyu
    shien = body(muni, "shien-kaigi")
    assert shien.may_discuss_without_consent() and shien.frequency == "unspecified"
    assert "モニタリング期間" in shien.purpose
    co = CoordinatorPost.objects.get(municipality=muni, key="chiiki-fukushi-co")
    assert (co.starts_on, co.ends_on) == (dt.date(2019, 4, 1), None)  # H31.4 から
    bundler = CoordinatorPost.objects.get(municipality=muni, key="hokatsuka-suishinin")
    assert bundler.is_bundler and bundler.count is None  # the seed gives no headcount


@pytest.mark.django_db
def test_the_intake_form_offers_concerns_in_the_citys_order_without_hidden_ones(tmp_path):
    """[concern_list] reaches the screen: the city's referral-sheet order first, hidden concerns not offered."""
    from tsunagu.intake.forms import IntakeForm

    text = (PROFILES / "koga.toml").read_text("utf-8")
    text = text.replace(
        "# ---- ", '[concern_list]\norder = ["hikikomori", "8050"]\nhide = ["reoffending"]\n\n# ---- ', 1
    )
    path = tmp_path / "koga.toml"
    path.write_text(text, encoding="utf-8")
    muni = load_profile(path).municipality
    form = IntakeForm(municipality=muni, organization=None)
    offered = [c.code for c in form.fields["concerns"].queryset]
    assert offered[:2] == ["hikikomori", "8050"]
    assert "reoffending" not in offered and "isolation" in offered
