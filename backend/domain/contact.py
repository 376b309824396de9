"""Phone numbers and units as tenants type them."""

import re
import unicodedata

_DIGITS = re.compile(r"\d")


def normalize_phone(text: str) -> str | None:
    """A dialable number (digits, optional leading +) or None when it cannot be a phone number.

    Accepts mainland mobiles (13812345678, +86 138-1234-5678), landlines with area code (021-12345678)
    and Hong Kong / Taiwan / overseas numbers in + form.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"\+?[\d\s\-()]{5,24}", cleaned):
        return None
    plus = cleaned.startswith("+")
    digits = "".join(_DIGITS.findall(cleaned))
    if plus:
        if re.fullmatch(r"861[3-9]\d{9}", digits):  # a mainland mobile: store it as people dial it
            return digits[2:]
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if re.fullmatch(r"0\d{9,11}", digits):  # landline with area code
        return digits
    if re.fullmatch(r"\d{8}", digits):  # local 8-digit (HK, or a landline without area code)
        return digits
    return None


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return ""
    if phone.startswith("+") and len(phone) > 11:  # keep the country code readable: +852 91****67
        return phone[:4] + " " + mask_phone(phone[4:])
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) >= 8:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
    return phone[:2] + "*" * (len(phone) - 2)


_BUILDING = re.compile(r"^\s*(\d{1,3}|[A-Za-z])\s*(?:栋|幢|座|号楼|棟|#|-|－|—)")


def building_of(unit: str) -> str:
    """The building part of a unit such as '3-1-1202', '3栋1202', 'A座1502'; '' when unknown."""
    match = _BUILDING.match(unicodedata.normalize("NFKC", unit))
    return match.group(1).upper() if match else ""
