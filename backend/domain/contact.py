"""Phone numbers and units as tenants type them.

Phone numbers are checked with `phonenumbers` (Google's libphonenumber metadata) and stored in E.164
("+8613812345678", "+886988123456", "+85291234567"). A number without + is read in each region of
`regions_for(locale, PHONE_REGION)` in turn; the first region in which it is a valid number wins.
Values stored before E.164 (migration 0017 converts what it can: "13812345678", "02112345678",
bare 8-digit "91234567") are still shown and masked sensibly.
"""

import re
import unicodedata
from collections.abc import Sequence

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

# What a phone number may be typed with: digits (also full-width), spaces, brackets, dots, hyphens and
# dashes, one leading +. Letters ("ext", "tel:", 1-800-FLOWERS), '#', ',' and the like are refused
# before phonenumbers (which would accept some of them) sees the text. Written so that Python's re and
# ECMA 262 (the OpenAPI document's patterns, backend/api/openapi.py) read it the same way.
_SPACE = " \\t\\u00a0\\u3000"
PHONE_SHAPE = f"[{_SPACE}]*[+＋]?[0-9０-９{_SPACE}()（）.．‐‑‒–—―－-]{{1,40}}"
_TYPED = re.compile(PHONE_SHAPE)

# Traditional Chinese is written in Hong Kong, Taiwan and Macau. Hong Kong comes before Taiwan: a
# Taiwanese number typed the local way starts with its trunk 0 and is never valid in Hong Kong, while
# about half of Hong Kong's 8-digit numbers are also valid Taiwanese numbers without the 0.
HOME_REGIONS: dict[str, tuple[str, ...]] = {"zh_TW": ("HK", "TW", "MO")}
# Tried for every tenant after the home regions: numbers of the whole area rarely collide.
NEARBY_REGIONS = ("CN", "HK", "TW", "MO")


# Numbers people answer. Other valid types (shared cost such as 400 numbers, toll-free, VoIP, …) are
# accepted only when no region reads the digits as one of these.
_PERSONAL = frozenset(
    {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.PERSONAL_NUMBER,
    }
)


def known_region(region: str) -> bool:
    """A two-letter region phonenumbers has numbering metadata for (CN, HK, TW, MO, US, …)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def regions_for(locale: str, default_region: str) -> tuple[str, ...]:
    """The regions a number typed without + is read in, most likely first, for a tenant of `locale`.

    The deployment's region (PHONE_REGION) comes first: tenants live there. Exception: a tenant writing
    Traditional Chinese in a deployment outside Hong Kong, Taiwan and Macau is most likely from one of
    them, so those come first (a mainland mobile is valid nowhere else, so it loses nothing). Then the
    other regions of the area (CN, HK, TW, MO), so that "0988-123-456" is understood from anyone.
    zh_CN/en with CN: (CN, HK, TW, MO); zh_TW with CN: (HK, TW, MO, CN); zh_TW with TW: (TW, HK, MO, CN).
    """
    default = default_region.upper()
    home = HOME_REGIONS.get(locale, ())
    first = (default, *home) if not home or default in home else (*home, default)
    return tuple(dict.fromkeys(region for region in (*first, *NEARBY_REGIONS) if region))


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def normalize_phone(text: str, regions: Sequence[str] = ("CN",)) -> str | None:
    """The number in E.164 ("+8613812345678"), or None when it is no valid number in any of `regions`.

    The first region in which the digits are a fixed line or mobile number wins (else the first in which
    they are valid at all). Accepts the usual ways of typing: "138 1234 5678", "+86 138-1234-5678", "021-12345678",
    "(02) 2345-6789", "0988-123-456", full-width digits. A number with + (or an international prefix
    such as 00) is read as written, whatever the regions. Never raises.
    """
    if not isinstance(text, str) or not _TYPED.fullmatch(text):
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if isinstance(regions, str):  # ("CN") instead of ("CN",): one region, not two letters
        regions = (regions,)
    # A number a person answers wins over an earlier region's service number: "2796 3496" is a Hong
    # Kong line, not a mainland shared-cost 027-963496. Only when there is none, a 400 number will do.
    # Regions are tried in order and the first personal number ends the search (parsing is costly).
    fallback = None
    for region in (None,) if cleaned.startswith("+") else regions:
        number = _parse(cleaned, region)
        if number is None or number.extension or not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.number_type(number) in _PERSONAL:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if fallback is None:
            fallback = number
    return (
        None if fallback is None else phonenumbers.format_number(fallback, PhoneNumberFormat.E164)
    )


def display_phone(e164: str, region: str) -> str:
    """How people read a stored number: national format in `region` ("138 1234 5678", "0988 123 456"),
    international otherwise ("+852 9123 4567").

    A value stored before E.164 ("13812345678", "02112345678") is read in `region` when it is a fixed
    line or mobile number there; anything else (a bare "91234567" in CN: Hong Kong, or a landline
    without area code?) is shown as stored.
    """
    number = _parse(e164, region) if e164 else None
    if number is None or not phonenumbers.is_valid_number(number):
        return e164
    if not e164.startswith("+") and phonenumbers.number_type(number) not in _PERSONAL:
        return e164
    ours = phonenumbers.region_code_for_number(number) == region
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if ours else PhoneNumberFormat.INTERNATIONAL
    )


def example_phone(region: str) -> str:
    """An example mobile number of `region` in national format ("131 2345 6789" in CN); "" when unknown."""
    number = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    number = number or phonenumbers.example_number(region)  # None for a region phonenumbers lacks
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL) if number else ""


def _mask_digits(digits: str) -> str:
    """Hide at least four digits in the middle: 138****5678, 98****456, 91****67."""
    if len(digits) < 8:
        return digits[:2] + "*" * (len(digits) - 2)
    start = 3 if len(digits) >= 10 else 2
    end = min(4, len(digits) - start - 4)
    return digits[:start] + "*" * (len(digits) - start - end) + digits[-end:]


def mask_phone(phone: str) -> str:
    """Enough to recognise, not enough to call: "+86 138****5678", "+852 91****67", "+886 98****456".

    The country code stays readable; the national number keeps its first 2 or 3 and last 2 to 4 digits.
    A value stored before E.164 is masked the same way without a country code ("138****5678").
    """
    if not phone:
        return ""
    if phone.startswith("+"):
        number = _parse(phone, None)
        if number is not None:
            return f"+{number.country_code} {_mask_digits(phonenumbers.national_significant_number(number))}"
        return "+" + _mask_digits(phone[1:])
    return _mask_digits(phone)


_BUILDING = re.compile(r"^\s*(\d{1,3}|[A-Za-z])\s*(?:栋|幢|座|号楼|棟|#|-|－|—)")


def building_of(unit: str) -> str:
    """The building part of a unit such as '3-1-1202', '3栋1202', 'A座1502'; '' when unknown."""
    match = _BUILDING.match(unicodedata.normalize("NFKC", unit))
    return match.group(1).upper() if match else ""
