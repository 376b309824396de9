"""Phone numbers as tenants type them: validated with phonenumbers, stored in E.164, shown and masked.

(The building of a unit is tested with the other domain rules, tests/backend/test_domain_rules.py.)
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.config import ConfigError, load_settings
from backend.domain.contact import (
    PHONE_SHAPE,
    display_phone,
    example_phone,
    known_region,
    mask_phone,
    normalize_phone,
    regions_for,
)

MAINLAND = ("CN", "HK", "TW", "MO")  # regions_for("zh_CN", "CN")
TRADITIONAL = ("HK", "TW", "MO", "CN")  # regions_for("zh_TW", "CN")


@pytest.mark.parametrize(
    ("typed", "regions", "stored"),
    [
        # mainland mobiles, however they are written
        ("13812345678", ("CN",), "+8613812345678"),
        ("138 1234 5678", ("CN",), "+8613812345678"),
        ("138-1234-5678", ("CN",), "+8613812345678"),
        ("138.1234.5678", ("CN",), "+8613812345678"),
        ("+86 138-1234-5678", ("CN",), "+8613812345678"),
        ("+86 (138) 1234 5678", ("CN",), "+8613812345678"),
        (
            "008613812345678",
            ("CN",),
            "+8613812345678",
        ),  # the international prefix dialled from China
        ("１３８１２３４５６７８", ("CN",), "+8613812345678"),  # full-width digits
        ("＋８６ １３８ １２３４ ５６７８", ("CN",), "+8613812345678"),
        ("138—1234—5678", ("CN",), "+8613812345678"),  # what a Chinese keyboard types for a dash
        ("\u3000138 1234 5678\u3000", ("CN",), "+8613812345678"),
        # mainland landlines with area code
        ("021-12345678", ("CN",), "+862112345678"),
        ("021-6123 4567", ("CN",), "+862161234567"),
        ("(010) 1234 5678", ("CN",), "+861012345678"),
        ("（０２１）１２３４５６７８", ("CN",), "+862112345678"),
        ("400-800-1234", ("CN",), "+864008001234"),  # a company's 400 number
        # Taiwan (the issue: "0988-123-456" was refused)
        ("0988-123-456", ("TW",), "+886988123456"),
        ("0988-123-456", MAINLAND, "+886988123456"),  # understood from a mainland tenant too
        ("0988-123-456", TRADITIONAL, "+886988123456"),
        ("0912 345 678", TRADITIONAL, "+886912345678"),
        ("(02) 2345-6789", TRADITIONAL, "+886223456789"),
        ("(02) 2345-6789", MAINLAND, "+886223456789"),
        ("+886 988 123 456", ("CN",), "+886988123456"),
        # Hong Kong
        ("9123 4567", ("HK",), "+85291234567"),
        ("9123 4567", MAINLAND, "+85291234567"),
        ("9123 4567", TRADITIONAL, "+85291234567"),
        ("９１２３４５６７", TRADITIONAL, "+85291234567"),
        (
            "2796 3496",
            MAINLAND,
            "+85227963496",
        ),  # a Hong Kong line, not a mainland shared-cost 027-963496
        ("+852 9123 4567", ("CN",), "+85291234567"),
        ("00852 9123 4567", ("CN",), "+85291234567"),
        # Macau and overseas
        ("6612 3456", regions_for("zh_TW", "MO"), "+85366123456"),
        ("+44 20 7946 0958", ("CN",), "+442079460958"),
        ("+1 650-253-0000", MAINLAND, "+16502530000"),
        ("+65 8123 4567", ("CN",), "+6581234567"),
        ("13812345678", "CN", "+8613812345678"),  # a region given as a string, not a tuple
    ],
)
def test_a_phone_typed_the_usual_way_is_stored_in_e164(typed, regions, stored):
    assert normalize_phone(typed, regions) == stored


@pytest.mark.parametrize(
    ("typed", "regions"),
    [
        ("", ("CN",)),
        ("   ", ("CN",)),
        ("+", ("CN",)),
        ("12345", ("CN",)),  # too short
        ("1381234567", ("CN",)),  # a digit missing
        ("138123456789", ("CN",)),  # a digit too many
        ("1381234567890123456789", MAINLAND),  # too long
        ("+86 1381234567890123456789", MAINLAND),
        ("+999 1234 5678", MAINLAND),  # no such country code
        ("+86 12345678", MAINLAND),  # + is read as written: no valid mainland number
        ("0988-123-456", ("CN",)),  # a Taiwan mobile is no mainland number
        ("9123 4567", ("CN",)),  # nor a Hong Kong one
        ("9123 4567", ("TW",)),
        ("call me", MAINLAND),
        ("138 1234 5678 ext 5", MAINLAND),  # letters, even those phonenumbers would read
        ("tel:+8613812345678", MAINLAND),
        ("1-800-FLOWERS", ("US",)),
        ("13812345678#", MAINLAND),
        ("13812345678, 13912345678", MAINLAND),
        ("13812345678 13912345678", MAINLAND),  # two numbers
        ("138 1234 5678\n", MAINLAND),
        ("+86 138\x001234 5678", MAINLAND),
        ("13812345678", ("XX",)),  # a region phonenumbers does not know
        ("13812345678", ()),  # no region: only + numbers
    ],
)
def test_what_is_no_phone_number_is_refused(typed, regions):
    assert normalize_phone(typed, regions) is None


@given(
    st.text(max_size=60),
    st.lists(st.sampled_from(["CN", "HK", "TW", "MO", "US", "XX", "", "001", "cn"]), max_size=4),
)
def test_normalize_never_raises_and_gives_e164_or_none(text, regions):
    stored = normalize_phone(text, regions)
    assert stored is None or re.fullmatch(r"\+[1-9][0-9]{6,14}", stored)


@given(st.text(alphabet="0123456789０１２３４５６７８９ +-()", max_size=30))
def test_phone_like_text_never_raises_and_what_is_stored_is_stable(text):
    stored = normalize_phone(text, MAINLAND)
    if stored is not None:
        assert (
            normalize_phone(stored, ()) == stored
        )  # E.164 reads back as itself, whatever the regions
        assert mask_phone(stored) != stored and display_phone(stored, "CN")


@given(st.text(max_size=40), st.sampled_from(["CN", "HK", "TW", "XX", ""]))
def test_display_mask_and_example_never_raise(text, region):
    assert isinstance(display_phone(text, region), str)
    assert isinstance(mask_phone(text), str)
    assert isinstance(example_phone(region), str)


def test_the_shape_pattern_is_what_the_api_document_promises():
    assert re.fullmatch(PHONE_SHAPE, "+86 138-1234-5678") and re.fullmatch(
        PHONE_SHAPE, "（０２）２３４５-６７８９"
    )
    assert not re.fullmatch(PHONE_SHAPE, "138 1234 5678 ext 5") and not re.fullmatch(
        PHONE_SHAPE, "1+38"
    )


@pytest.mark.parametrize(
    ("locale", "default", "regions"),
    [
        ("zh_CN", "CN", ("CN", "HK", "TW", "MO")),
        ("en", "CN", ("CN", "HK", "TW", "MO")),
        (
            "zh_TW",
            "CN",
            ("HK", "TW", "MO", "CN"),
        ),  # Traditional outside HK/TW/MO: a tenant from there
        ("zh_TW", "HK", ("HK", "TW", "MO", "CN")),
        ("zh_TW", "TW", ("TW", "HK", "MO", "CN")),  # the deployment's region first
        ("zh_CN", "HK", ("HK", "CN", "TW", "MO")),
        ("en", "SG", ("SG", "CN", "HK", "TW", "MO")),
        ("zh_TW", "sg", ("HK", "TW", "MO", "SG", "CN")),
        (
            "xx",
            "CN",
            ("CN", "HK", "TW", "MO"),
        ),  # an unknown language: the deployment's region first
    ],
)
def test_regions_are_tried_in_the_order_of_the_tenants_language_and_the_deployment(
    locale, default, regions
):
    assert regions_for(locale, default) == regions


@pytest.mark.parametrize(
    ("locale", "default", "typed", "stored"),
    [
        # 8 digits valid in Hong Kong and (without the trunk 0) in Taiwan: the deployment decides
        ("zh_TW", "HK", "5577 2185", "+85255772185"),
        ("zh_TW", "CN", "5577 2185", "+85255772185"),
        ("zh_TW", "TW", "5577 2185", "+88655772185"),
        ("zh_TW", "TW", "05-577-2185", "+88655772185"),
    ],
)
def test_an_ambiguous_number_is_read_in_the_most_likely_region(locale, default, typed, stored):
    assert normalize_phone(typed, regions_for(locale, default)) == stored


@pytest.mark.parametrize(
    ("stored", "region", "shown"),
    [
        ("+8613812345678", "CN", "138 1234 5678"),
        ("+862112345678", "CN", "021 1234 5678"),
        ("+886988123456", "TW", "0988 123 456"),
        ("+886988123456", "CN", "+886 988 123 456"),
        ("+85291234567", "HK", "9123 4567"),
        ("+85291234567", "CN", "+852 9123 4567"),
        ("+8613812345678", "HK", "+86 138 1234 5678"),
        # stored before E.164
        ("13812345678", "CN", "138 1234 5678"),
        ("02112345678", "CN", "021 1234 5678"),
        ("91234567", "HK", "9123 4567"),
        ("91234567", "CN", "91234567"),  # Hong Kong, or a landline without area code? As stored
        ("27963496", "CN", "27963496"),  # not turned into a mainland shared-cost number
        ("12345", "CN", "12345"),
        ("", "CN", ""),
    ],
)
def test_a_stored_number_is_shown_nationally_at_home_and_internationally_otherwise(
    stored, region, shown
):
    assert display_phone(stored, region) == shown


@pytest.mark.parametrize(
    ("region", "example"),
    [
        ("CN", "131 2345 6789"),
        ("TW", "0912 345 678"),
        ("HK", "5123 4567"),
        ("MO", "6612 3456"),
        ("XX", ""),
    ],
)
def test_the_example_of_a_region_is_a_mobile_number_in_national_format(region, example):
    assert example_phone(region) == example
    if example:
        assert normalize_phone(example, (region,))  # the example is accepted


@pytest.mark.parametrize(
    ("stored", "masked"),
    [
        ("+8613812345678", "+86 138****5678"),
        ("+85291234567", "+852 91****67"),
        ("+886988123456", "+886 98****456"),
        ("+886223456789", "+886 22****789"),
        ("+862112345678", "+86 211****678"),
        ("+16502530000", "+1 650****000"),
        # stored before E.164
        ("13812345678", "138****5678"),
        ("02112345678", "021****5678"),
        ("91234567", "91****67"),
        ("12345", "12***"),
        ("", ""),
    ],
)
def test_a_masked_number_is_enough_to_recognise_not_enough_to_call(stored, masked):
    assert mask_phone(stored) == masked
    if stored:
        assert masked.count("*") >= min(4, len(stored) - 2)  # at least four digits hidden


@pytest.mark.parametrize(
    ("value", "region"), [(None, "CN"), ("HK", "HK"), ("tw", "TW"), (" mo ", "MO")]
)
def test_the_phone_region_setting_is_read_and_checked(value, region):
    env = {} if value is None else {"PHONE_REGION": value}
    assert load_settings(env, env_file=None).phone_region == region
    assert known_region(region)


@pytest.mark.parametrize("value", ["XX", "China", "86", "ZZ"])
def test_an_unknown_phone_region_stops_start_up_with_a_message_naming_it(value):
    with pytest.raises(ConfigError, match=r"^PHONE_REGION: .*CN, HK or TW"):
        load_settings({"PHONE_REGION": value}, env_file=None)
