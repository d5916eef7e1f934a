"""Address keys: the same address written the ways different windows write it meets one key."""

from __future__ import annotations

import pytest

from tests.factories import make_municipality, make_person
from tsunagu.core.address import address_key, kanji_to_int
from tsunagu.people.models import Person, person_keys

SAME = [
    "三鷹市下連雀三丁目１２番２３号",
    "三鷹市下連雀3-12-23",
    "三鷹市 下連雀３ー１２ー２３",
    "三鷹市下連雀3丁目12番地23",
    "三鷹市下連雀三丁目十二番二十三号",
    "三鷹市下連雀3－12－23",
    "三鷹市下連雀3‐12‐23",
    "三鷹市下連雀3−12−23",
    "三鷹市下連雀3―12―23",
    "三鷹市下連雀３丁目１２番の２３",
]


@pytest.mark.parametrize("text", SAME)
def test_written_forms_of_one_address_share_a_key(text):
    assert address_key(text) == "三鷹市下連雀3-12-23"


def test_place_names_with_numerals_are_kept():
    assert address_key("四谷一丁目5の3") == "四谷1-5-3"
    assert address_key("一ツ橋二丁目1番") == "一ツ橋2-1"
    assert address_key("三鷹市") == "三鷹市"


def test_building_names_keep_their_long_vowels_and_room_numbers():
    assert address_key("下連雀3-12-23 コーポ一二三 101号室") == "下連雀3-12-23コーポ一二三101号室"


def test_ga_ke_forms_of_a_place_name_meet():
    assert address_key("霞ヶ関一丁目1番1号") == address_key("霞が関1-1-1") == address_key("霞ケ関1ー1ー1")


def test_different_addresses_stay_different():
    assert address_key("下連雀3-12-23") != address_key("下連雀3-12-24")
    assert address_key("") == ""


@pytest.mark.parametrize(
    ("kanji", "value"), [("十二", 12), ("二十三", 23), ("百", 100), ("一〇五", 105), ("零", 0)]
)
def test_kanji_numbers(kanji, value):
    assert kanji_to_int(kanji) == value


@pytest.mark.django_db
def test_save_and_person_keys_fill_the_same_keys():
    muni = make_municipality()
    person = make_person(
        muni, "髙橋", "花子", family_kana="ﾀｶﾊｼ", given_kana="ハナコ", address="下連雀三丁目12番23号"
    )
    assert (person.name_key, person.kana_key, person.address_key) == (
        "高橋花子",
        "たかはしはなこ",
        "下連雀3-12-23",
    )
    assert person_keys("髙橋", "花子", "ﾀｶﾊｼ", "ハナコ", "下連雀三丁目12番23号") == {
        "name_key": "高橋花子",
        "kana_key": "たかはしはなこ",
        "address_key": "下連雀3-12-23",
        "phonetic_key": "たかはしはなこ",
    }
    person.address = "下連雀1-1-1"
    person.save(update_fields=["address"])
    person.refresh_from_db()
    assert person.address_key == "下連雀1-1-1"
    assert Person.objects.get(pk=person.pk).address_key == "下連雀1-1-1"
