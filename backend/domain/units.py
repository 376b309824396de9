"""Unit notations in a tenant's free text, so the bot can offer "是 3栋1单元602 吗？" as a button.

A *unit* is a door a person can be found at: a flat or a shop. ``find_unit`` reads the text after
NFKC normalisation (full-width digits, letters, dashes and spaces become ASCII) and tries each row of
``RULES``, one notation per row; the match that starts first wins, then the longest, then the earlier row.

Precision over recall: a wrong suggestion costs the tenant a tap, a missed one costs nothing (they type
it). Hence these decisions:

- A building, entrance or floor alone is a common area, not a unit: "3栋电梯坏了", "3栋1单元楼道",
  "12楼走廊灯坏了", "Block 3 lift" give None.
- A bare room number names no building: "我住602" gives None. An explicit room word is enough:
  "1502室", "Room 1203", "Flat 12A".
- A number must not continue a longer number, word, date or code, and must not be followed by a unit of
  measure, money, time or count (元, 天, 户, %, 多, "days", …): this keeps phone numbers, dates, times,
  ranges, prices, household counts, case numbers and model numbers out.
- Dash notations ("3-1-602", "5-302") and a bare "1502室" are the most ambiguous: the room must look
  like one (3–4 digits, no leading 0, last two digits 01–39) and must not look like a year (19xx, 20xx),
  so "3-12-2026" is a date, not building 3 entrance 12 room 2026. Elsewhere a room never ends in 00.
- A number right after 型号, 电话, 尾号, 车位, "Tel", "Model" … is a code, not a unit.
- Up to three spaces may separate the parts ("3 栋 1 单元 602"); a bound keeps matching linear.
- ``room`` is what tells the door apart inside the building: "602" for "3栋1单元602", "B" for
  "3座12樓B室", "2" for "3樓之2", "B-12" for "商铺B-12". Entrance and floor stay in ``text`` only.
- Taiwan style: "3樓之2" (floor 3, flat 2) is a unit. "5樓" is a floor, and a street address such as
  "民生路12號3樓" is not read either: "12號" is also how a date is said, and "3樓" may hold several
  flats. From "民生路12號3樓之2" only "3樓之2" is taken.
- "地铺" (ground-floor shop) counts with a building or a number ("3栋地铺", "地铺12号"); alone it names
  no particular shop. "N号铺" is not read when 铺 is followed by what makes it the verb "to lay"
  ("12号铺地砖" = tiles laid on the 12th).
- "户" ends a room only after an entrance ("2栋1单元302户"); "3栋120户" is a household count.
- Chinese number words are not read: "三栋六零二" gives None. Tenants type digits for units.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class UnitMention:
    text: str  # the notation as found, NFKC-normalised and trimmed, e.g. "3栋1单元602", "Block 3 12/F Flat B"
    building: str  # "3", "A", "" when not stated
    room: str  # "602", "B", "1202"


# --- fragments ------------------------------------------------------------------------------------

_S = r"[ \t]{0,3}"  # tenants put spaces between the parts (bounded: no backtracking blow-up)
_DASH = r"[-‐‑–—]"
# a notation does not continue a number, a word, a date, a time or a code such as "QC-2026…"
_START = r"(?<![0-9A-Za-z#./:\-‐‑–—])"

_BUILDING = (
    _START
    + r"(?P<b>[0-9]{1,3}[A-Za-z]?|[A-Za-z][0-9]{0,2})"
    + _S
    + r"(?:[号號]?[栋棟幢座]|[号號][楼樓]|#[栋棟楼樓]?)"  # 3栋 3棟 5幢 A座 3号楼 3號樓 3# 3#楼
)
_ENTRANCE = (
    r"[0-9]{1,2}" + _S + r"(?:单元|單元|[门門](?=" + _S + r"[0-9]))"
)  # 1单元, 2單元, 2门 (Beijing)
_FLOOR = r"(?P<f>[0-9]{1,2})" + _S + r"(?:楼|樓|层|層|[Ff](?![A-Za-z]))"
_ROOM = r"(?P<r>[0-9]{3,4}[A-Z]?)"  # 602, 1202, 602A: floor digits then the door
_ROOM_WORD = r"(?:室|[号號]?房[间間]?(?![租价價子东東产產])|[号號](?![线線楼樓铺舖鋪]))"
_ROOM_SUFFIX = r"(?:" + _S + _ROOM_WORD + r")?"
_ROOM_SUFFIX_HU = r"(?:" + _S + r"(?:" + _ROOM_WORD + r"|[户戶](?![口型主籍]))" + r")?"
# what may not follow a number that is a room: more digits, a date or time, a range, a measure,
# money, a duration or a count
_END = (
    r"(?![0-9A-Za-z]|" + _S + r"(?:"
    r"[-‐‑–—.:/][0-9]|(?:到|至|~)" + _S + r"[0-9]|[%‰]"
    r"|元|块|塊|蚊|[圆圓]|[万萬千百亿億]|年|月|日|天|周|週|小时|小時|分|秒|[点點]|次|[个個]|人|名|位"
    r"|[户戶](?!主)|家|[间間]|套|[楼樓](?![上下道])|[层層栋棟幢座]|米|平|方|[吨噸]|度|台|部|[辆輛]|多|余|餘|[来來]|[几幾]"
    r"|路|倍|[岁歲]|[号號][线線楼樓铺舖鋪]|[号號]?[车車]位"
    r"))"
)
# a flat letter or number after a floor: "12樓B室", "12楼B", "12樓B座" (HK: flat B), "12樓3室"
_FLAT_ZH = (
    r"(?P<r>[A-Za-z](?![A-Za-z0-9]|[区區超梯栋棟幢口门門馆館级級型类類档檔端面段轴軸])"
    r"|[0-9]{1,2}(?=" + _S + r"(?:室|[号號][室房]|單位|单位)))"
    r"(?:" + _S + r"(?:室|座|單位|单位|房|[号號][室房]?))?(?![0-9A-Za-z])"
)
_SHOP_ID = r"(?:[A-Za-z]{1,2}-?)?[0-9]{1,4}[A-Za-z]?(?:-[0-9]{1,4})?"  # 12, B-12, G12, L2-15
_SHOP_WORD = r"(?:商[铺舖鋪]|[铺舖鋪]位|店[铺舖鋪]|[档檔]口|[铺舖鋪]面)"
_GROUND_SHOP = r"地[铺舖鋪]"

_EN_START = r"(?<![0-9A-Za-z])"
_EN_NO = r"(?:[ \t]{1,3}(?i:no)\.?)?"
_EN_BLOCK = (
    r"(?i:block|blk|tower|twr|building|bldg)(?![A-Za-z])\.?"
    + _EN_NO
    + _S
    + r"(?P<b>[0-9]{1,3}[A-Za-z]?|[A-Za-z])(?![0-9A-Za-z])"
)
_EN_FLAT_WORD = r"(?i:flat|flt|room|rm|unit|apartment|apt|suite)(?![A-Za-z])\.?" + _EN_NO + _S
_EN_FLAT = _EN_FLAT_WORD + r"(?P<r>[0-9]{1,4}[A-Za-z]?|[A-Za-z])(?![0-9A-Za-z])"
_EN_FLOOR = (
    r"(?P<f>[0-9]{1,2}|[Gg])"
    r"(?:"
    + _S
    + r"/"
    + _S
    + r"[Ff]|[Ff]|(?i:st|nd|rd|th)?[ \t]{1,3}(?i:floor|fl)\.?)(?![0-9A-Za-z])"
)
_EN_SEP = _S + r",?" + _S
_EN_END = (
    r"(?!" + _S + r"(?:[-.:/][0-9]|%|\$|(?i:dollars?|bucks|hkd|rmb|yuan|cents?|mins?|minutes?"
    r"|hours?|hrs?|days?|nights?|weeks?|months?|years?|yrs?|times?|people|persons?|guests?"
    r"|households?|families|items?|sq|m2|kg|pm|am)\b))"
)


# --- checks on a match ------------------------------------------------------------------------------


def _year_like(room: str) -> bool:
    return len(room) == 4 and room[:2] in ("19", "20")


def _plausible_room(room: str) -> bool:
    """A bare number that looks like a door: no leading 0, then a floor, then a door 01–39."""
    digits = room.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (
        len(digits) in (3, 4)
        and digits[0] != "0"
        and 1 <= int(digits[-2:]) <= 39
        and not _year_like(digits)
    )


def _room_not_hundred(m: re.Match[str]) -> bool:
    """Rooms do not end in 00 ("3栋1200元" is already out; "3栋1000" is not a door)."""
    return not m.group("r").rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").endswith("00")


def _floor_matches_room(m: re.Match[str]) -> bool:
    """When a floor is written before the room number, the room starts with it: 12楼1202, 6楼602."""
    floor, room = m.group("f"), m.group("r")
    if floor is None:
        return _room_not_hundred(m)
    digits = room.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (
        digits.startswith(floor.lstrip("0"))
        and len(digits) == len(floor.lstrip("0")) + 2
        and _room_not_hundred(m)
    )


def _dash_room(m: re.Match[str]) -> bool:
    return _plausible_room(m.group("r"))


# --- the rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]  # group "r" is the room, optional group "b" the building
    check: Callable[[re.Match[str]], bool] | None = None


def _rule(name: str, pattern: str, check: Callable[[re.Match[str]], bool] | None = None) -> Rule:
    return Rule(name, re.compile(pattern), check)


_OPTIONAL_BUILDING = r"(?:" + _BUILDING + _S + r"|" + _START + r")"

RULES: tuple[Rule, ...] = (
    # 3栋1单元602, 3號樓2單元501, 10栋1单元1502房, 3号楼2门501, 3栋1单元6楼602, 2栋1单元302户
    _rule(
        "zh_building_entrance_room",
        _BUILDING
        + _S
        + r"-?"
        + _S
        + _ENTRANCE
        + _S
        + r"-?"
        + _S
        + r"(?:"
        + _FLOOR
        + _S
        + r")?"
        + _ROOM
        + _ROOM_SUFFIX_HU
        + _END,
        _floor_matches_room,
    ),
    # 1单元602 (an estate with one building)
    _rule(
        "zh_entrance_room",
        _START
        + r"[0-9]{1,2}"
        + _S
        + r"(?:单元|單元)"
        + _S
        + r"-?"
        + _S
        + r"(?:"
        + _FLOOR
        + _S
        + r")?"
        + _ROOM
        + _ROOM_SUFFIX_HU
        + _END,
        _floor_matches_room,
    ),
    # 5幢302, A座1502, 3栋602室, 3#602, 3栋 12楼 1202
    _rule(
        "zh_building_room",
        _BUILDING + _S + r"-?" + _S + r"(?:" + _FLOOR + _S + r")?" + _ROOM + _ROOM_SUFFIX + _END,
        _floor_matches_room,
    ),
    # 3座12樓B室, B座15楼3室, 12樓B室, 12楼B (the building is optional)
    _rule("zh_floor_flat", _OPTIONAL_BUILDING + _FLOOR + _S + _FLAT_ZH),
    # Taiwan: 3樓之2, A棟5樓之1, 3F之2
    _rule(
        "tw_floor_of",
        _OPTIONAL_BUILDING
        + r"(?P<f>[0-9]{1,2})"
        + _S
        + r"(?:樓|楼|[Ff])"
        + _S
        + r"之"
        + _S
        + r"(?P<r>[0-9]{1,2})(?:"
        + _S
        + r"[号號])?"
        + _END,
    ),
    # 3楼302, 12樓1202室: a floor and a room number that starts with it
    _rule("zh_floor_room", _START + _FLOOR + _S + _ROOM + _ROOM_SUFFIX + _END, _floor_matches_room),
    # 3-1-602, 3-1-1202, A-2-1501
    _rule(
        "dash_building_entrance_room",
        _START
        + r"(?P<b>[0-9]{1,2}|[A-Za-z])"
        + _DASH
        + r"[0-9]{1,2}"
        + _DASH
        + r"(?P<r>[0-9]{3,4})"
        + _ROOM_SUFFIX
        + _END,
        _dash_room,
    ),
    # 5-302, 12-1501
    _rule(
        "dash_building_room",
        _START + r"(?P<b>[0-9]{1,2})" + _DASH + r"(?P<r>[0-9]{3,4})" + _ROOM_SUFFIX + _END,
        _dash_room,
    ),
    # 1502室, 602房间
    _rule(
        "zh_room_word", _START + r"(?P<r>[0-9]{3,4})" + _S + r"(?:室|房[间間])" + _END, _dash_room
    ),
    # 商铺B-12, 铺位12, 3栋商铺5号, 档口A3
    _rule(
        "zh_shop_word_id",
        _OPTIONAL_BUILDING
        + _SHOP_WORD
        + r"(?:"
        + _S
        + r"(?:编号|編號|[号號]))?"
        + _S
        + r"(?P<r>"
        + _SHOP_ID
        + r")(?:"
        + _S
        + r"[号號])?"
        + _END,
    ),
    # 12号铺, 12號舖, 3座G12號舖, 5号商铺 (not "12号铺地砖": the verb)
    _rule(
        "zh_shop_id_word",
        _OPTIONAL_BUILDING
        + r"(?P<r>"
        + _SHOP_ID
        + r")"
        + _S
        + r"[号號]"
        + _S
        + r"(?:"
        + _SHOP_WORD
        + r"|[铺舖鋪](?![了的地砖磚设設路装裝满滿好上完开開平床垫墊盖蓋过過着著]))"
        + r"(?![0-9A-Za-z])",
    ),
    # 地铺12号, 3栋地铺8号 (not "打地铺")
    _rule(
        "zh_ground_shop_id",
        _OPTIONAL_BUILDING
        + r"(?<!打)"
        + _GROUND_SHOP
        + _S
        + r"(?P<r>"
        + _SHOP_ID
        + r")(?:"
        + _S
        + r"[号號])?"
        + _END,
    ),
    # 3栋地铺, A座地舖
    _rule(
        "zh_building_ground_shop",
        _BUILDING + _S + r"(?P<r>" + _GROUND_SHOP + r")(?!" + _S + r"[0-9A-Za-z])",
    ),
    # Block 3 12/F Flat B, Blk 3, Flat 5, Tower 2 Flat 12A
    _rule(
        "en_block_flat",
        _EN_START + _EN_BLOCK + _EN_SEP + r"(?:" + _EN_FLOOR + _EN_SEP + r")?" + _EN_FLAT,
    ),
    # Flat B, 12/F, Block 3; Flat 12A, Tower 2
    _rule(
        "en_flat_block",
        _EN_START + _EN_FLAT + _EN_SEP + r"(?:" + _EN_FLOOR + _EN_SEP + r")?" + _EN_BLOCK,
    ),
    # 12/F Flat B, 3rd floor flat C
    _rule("en_floor_flat", _EN_START + _EN_FLOOR + _EN_SEP + _EN_FLAT),
    # Flat B, 12/F; Room 1203, 12th floor
    _rule("en_flat_floor", _EN_START + _EN_FLAT + _EN_SEP + _EN_FLOOR),
    # Flat 12A, Room 1203, Rm 1203, Unit 5B, Apt 3C (capital flat letter: "room a" is English)
    _rule(
        "en_flat",
        _EN_START
        + _EN_FLAT_WORD
        + r"(?P<r>[0-9]{1,2}[A-H]|[A-H]|[0-9]{3,4})(?![0-9A-Za-z])"
        + _EN_END,
        _room_not_hundred,
    ),
    # Shop 12, Shop G12, shop no. B-3
    _rule(
        "en_shop",
        _EN_START
        + r"(?i:shop)(?![A-Za-z])\.?"
        + _EN_NO
        + _S
        + r"(?P<r>(?:[A-Za-z]{1,2}-?)?[0-9]{1,4}[A-Za-z]?)"
        + r"(?![0-9A-Za-z]|-[0-9])"
        + _EN_END,
    ),
)


# a number right after one of these words is a code, not a unit: "型号3-1202", "尾号1502", "车位5-112"
_VETO_BEFORE = re.compile(
    r"(?:型[号號]|[编編][号號码碼]|[电電]话|[电電]話|手[机機]|[号號][码碼]|密[码碼]|尾[号號]|[单單][号號]|[订訂][单單]"
    r"|工[单單]|[车車]牌|[车車]位|[柜櫃]|(?<![A-Za-z])(?i:tel|phone|mobile|model|code|pin))[ \t:#]*$"
)


def _vetoed(m: re.Match[str]) -> bool:
    return _VETO_BEFORE.search(m.string, max(0, m.start() - 12), m.start()) is not None


def _first_valid(rule: Rule, text: str) -> re.Match[str] | None:
    """The earliest match of ``rule`` that passes its check (a failed match may hide a later one)."""
    pos = 0
    while (m := rule.pattern.search(text, pos)) is not None:
        if (rule.check is None or rule.check(m)) and not _vetoed(m):
            return m
        pos = m.start() + 1
    return None


def find_unit(text: str) -> UnitMention | None:
    """The first unit notation in ``text`` (earliest, then longest), or None when there is none."""
    normalized = unicodedata.normalize("NFKC", text)
    best: tuple[int, int, int, re.Match[str]] | None = None
    for index, rule in enumerate(RULES):
        m = _first_valid(rule, normalized)
        if m is None:
            continue
        key = (m.start(), -(m.end() - m.start()), index, m)
        if best is None or key[:3] < best[:3]:
            best = key
    if best is None:
        return None
    m = best[3]
    building = m.groupdict().get("b") or ""
    return UnitMention(
        text=m.group(0).strip(), building=building.upper(), room=m.group("r").upper()
    )
